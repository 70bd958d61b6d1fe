//! The one way the suites run the govern binary: a builder over its command line and environment.
//!
//! ```ignore
//! let out = Govern::new(&["plan", "--json"]).config(&path).through(&proxy, &emu).run();
//! ```
//! Against the emulator, every inherited `AWS_*` variable is removed and the emulator's endpoint,
//! static credentials and region are set (`Emulator::configure`), so a developer's `~/.aws` never
//! leaks in; `NO_COLOR=1` always; no stdin (apply refuses without a terminal unless told). `run`
//! echoes the command and its output to the test's output, which shows when a test fails.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use govern_testkit::{Emulator, Proxy};

pub struct Govern {
    cmd: Command,
    shown: Vec<String>,
}

impl Govern {
    pub fn new(args: &[&str]) -> Govern {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_govern"));
        cmd.env("NO_COLOR", "1").stdin(Stdio::null());
        let mut g = Govern {
            cmd,
            shown: Vec::new(),
        };
        g.push(args);
        g
    }

    fn push(&mut self, args: &[&str]) {
        self.cmd.args(args);
        self.shown.extend(args.iter().map(|a| a.to_string()));
    }

    /// `--config PATH`.
    pub fn config(mut self, path: &Path) -> Govern {
        self.push(&["--config", path.to_str().expect("a UTF-8 path")]);
        self
    }

    /// `--state-dir PATH`.
    pub fn state_dir(mut self, path: &Path) -> Govern {
        self.push(&["--state-dir", path.to_str().expect("a UTF-8 path")]);
        self
    }

    /// More arguments.
    pub fn args(mut self, args: &[&str]) -> Govern {
        self.push(args);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Govern {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Govern {
        self.cmd.env_remove(key);
        self
    }

    /// A newcomer's machine in `home`: every inherited `AWS_*` variable (and GOVERN_ASSUME_ROLE,
    /// RUST_LOG) removed, HOME set to `home`, the profile files at `home/.aws/config` and
    /// `home/.aws/credentials` (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE), and instance
    /// metadata off (AWS_EC2_METADATA_DISABLED), so the credential chain tries nothing on the
    /// network. No emulator credentials, region or endpoint: the test sets what it needs.
    pub fn fresh_home(mut self, home: &Path) -> Govern {
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AWS_") {
                self.cmd.env_remove(&key);
            }
        }
        let aws = home.join(".aws");
        self.cmd
            .env_remove("GOVERN_ASSUME_ROLE")
            .env_remove("RUST_LOG")
            .env("HOME", home)
            .env("AWS_CONFIG_FILE", aws.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", aws.join("credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true");
        self
    }

    /// Straight to the emulator.
    pub fn against(mut self, emu: &Emulator) -> Govern {
        emu.configure(&mut self.cmd);
        self
    }

    /// Through the test proxy, which answers what moto lacks and counts requests.
    pub fn through(mut self, proxy: &Proxy, emu: &Emulator) -> Govern {
        proxy.configure(emu, &mut self.cmd);
        self
    }

    /// Against the synthetic AWS (`govern_testkit::synthetic`).
    pub fn synthetic(mut self, server: &govern_testkit::synthetic::Synthetic) -> Govern {
        server.configure(&mut self.cmd);
        self
    }

    /// The command, for a test that spawns it or sends it signals.
    pub fn command(self) -> Command {
        self.cmd
    }

    /// Runs to the end and echoes the command line, exit code, time and output.
    pub fn run(self) -> Output {
        self.run_timed().0
    }

    /// Runs to the end, echoing like [`Govern::run`], or kills it and fails the test after `limit`:
    /// for inputs that once made govern hang.
    pub fn run_within(mut self, limit: Duration) -> (Output, Duration) {
        let shown = self.shown.join(" ");
        let mut child = self
            .cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("govern runs");
        let started = Instant::now();
        while child.try_wait().expect("wait").is_none() {
            if started.elapsed() > limit {
                let _ = child.kill();
                panic!("govern {shown} did not end within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let took = started.elapsed();
        let out = child.wait_with_output().expect("output");
        eprintln!(
            "$ govern {shown} (exit {:?}, {:.2} s)\n{}{}",
            out.status.code(),
            took.as_secs_f64(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out, took)
    }

    pub fn run_timed(mut self) -> (Output, Duration) {
        let started = Instant::now();
        let out = self.cmd.output().expect("govern runs");
        let took = started.elapsed();
        eprintln!(
            "$ govern {} (exit {:?}, {:.2} s)\n{}{}",
            self.shown.join(" "),
            out.status.code(),
            took.as_secs_f64(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out, took)
    }
}
