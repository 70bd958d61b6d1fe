//! Plan → AWS: runs changes in the plan's order; a failed change stops what depends on it while
//! independent changes go on. Around it: the rails checked first, the journal of every step, Ctrl-C,
//! and the record of a success.

mod executor;
pub mod interrupt;
pub mod journal;
pub mod lock;
pub mod rails;
pub mod record;
pub mod transaction;

pub(crate) use executor::poll_delay;
pub use executor::{apply, apply_with, Gate, Open, Outcome, Report};
pub use govern_core::state::{sha256, ConfigDigest};
pub use record::{classify, Classification, LastApply, Verdict};
