//! Headless Chromium, for tests that look at a page as a reviewer's browser shows it: Debian's
//! `chromium` at /usr/bin/chromium, or the binary in $GOVERN_CHROMIUM. `cargo xtask test` installs it
//! when missing; a test that needs it fails, saying how to install it, rather than skipping.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const ENV: &str = "GOVERN_CHROMIUM";

/// A small page from disk takes a few seconds at most; past this the browser is taken as hung.
const TIMEOUT: Duration = Duration::from_secs(60);

pub fn binary() -> PathBuf {
    let path = std::env::var_os(ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromium".into());
    assert!(
        path.is_file(),
        "{} is missing: this test renders report.html in headless Chromium. Install Debian's \
         chromium (`apt-get install chromium`; `cargo xtask test` does it for you) or set {ENV} to \
         a Chromium or Chrome binary",
        path.display()
    );
    path
}

/// The DOM of the page at `page` as Chromium built it after loading the file, and how long the
/// browser ran.
pub fn dump_dom(page: &Path) -> (String, Duration) {
    let page = page.canonicalize().expect("the page exists");
    let scratch = tempfile::tempdir().unwrap();
    let profile = scratch.path().join("profile");
    let log = scratch.path().join("stderr.log");
    let started = Instant::now();
    let mut child = Command::new(binary())
        .args([
            "--headless",
            "--disable-gpu",
            // Root in containers and CI: Chromium's sandbox refuses to start as root.
            "--no-sandbox",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        // Its own process group, so that its helper processes go with it when it is killed.
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary().display()));
    let pid = child.id();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut dom = String::new();
        let _ = tx.send(stdout.read_to_string(&mut dom).map(|_| dom));
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    kill_group(pid);
    let stderr = || std::fs::read_to_string(&log).unwrap_or_default();
    let Some(status) = status else {
        let _ = child.wait();
        panic!(
            "chromium did not finish within {TIMEOUT:?}, so it was killed; its stderr:\n{}",
            stderr()
        );
    };
    let dom = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("chromium's output is closed once it has exited")
        .expect("chromium prints UTF-8");
    assert!(
        status.success() && dom.contains("</html>"),
        "chromium exited with {status} and printed {} bytes; its stderr:\n{}",
        dom.len(),
        stderr()
    );
    (dom, took)
}

/// Ends what is left of the browser's process group (helpers that outlive it, or all of it when
/// it hung). Only the group this module started.
fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .stderr(Stdio::null())
        .status();
}
