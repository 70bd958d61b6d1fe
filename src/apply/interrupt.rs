//! Ctrl-C during apply: the first stops apply from launching new changes (the one in flight is
//! waited for); a second, or one outside the guarded stretch, exits at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub struct Interrupt {
    requested: Arc<AtomicBool>,
    armed: Arc<AtomicBool>,
}

impl Interrupt {
    /// Installs the handler; it is armed until this value is dropped.
    pub fn install() -> Interrupt {
        let requested = Arc::new(AtomicBool::new(false));
        let armed = Arc::new(AtomicBool::new(true));
        let (r, a) = (requested.clone(), armed.clone());
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if !a.load(Ordering::SeqCst) || r.swap(true, Ordering::SeqCst) {
                    eprintln!("\nInterrupted again: exiting now; the journal shows what ran.");
                    std::process::exit(i32::from(crate::exit::ERROR));
                }
                eprintln!(
                    "\nInterrupt: finishing the change in flight and starting no new ones (Ctrl-C again to exit at once)."
                );
            }
        });
        Interrupt { requested, armed }
    }

    pub fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        self.armed.store(false, Ordering::SeqCst);
    }
}
