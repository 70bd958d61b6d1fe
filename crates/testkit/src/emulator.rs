//! A moto_server child process on a free loopback port, killed on drop.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_organizations::config::Credentials;

/// Overrides the moto_server binary the tests run.
pub const MOTO_SERVER_ENV: &str = "GOVERN_MOTO_SERVER";
/// The region every test talks to.
pub const REGION: &str = "us-east-1";

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const POLL_INTERVAL: Duration = Duration::from_millis(100);
const PORT_ATTEMPTS: u32 = 3;
const HOW_TO_FIX: &str = "run `cargo xtask test`, which installs the emulator into .venv \
     (or set GOVERN_MOTO_SERVER to a moto_server binary of the version pinned in emulator/requirements.txt)";

/// A running `moto_server`. Dropping it kills the process and waits for it.
#[derive(Debug)]
pub struct Emulator {
    child: Child,
    port: u16,
    log_path: PathBuf,
    // Holds the log file's directory; removed on drop, after the child is gone.
    _log_dir: tempfile::TempDir,
}

impl Emulator {
    /// Starts moto_server on a free 127.0.0.1 port and waits until it answers.
    ///
    /// The binary is `$GOVERN_MOTO_SERVER` or `<workspace root>/.venv/bin/moto_server`. Panics (never
    /// skips) when it is missing, fails to start or does not answer within 30 s.
    pub fn start() -> Emulator {
        Emulator::start_with_binary(moto_server_path())
    }

    /// Like [`Emulator::start`], with an explicit moto_server binary.
    pub fn start_with_binary(binary: impl AsRef<Path>) -> Emulator {
        let binary = binary.as_ref();
        if !binary.is_file() {
            panic!(
                "the emulator is not installed: {} does not exist.\n{HOW_TO_FIX}",
                binary.display()
            );
        }
        let log_dir = tempfile::Builder::new()
            .prefix("govern-moto-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for the emulator log: {e}"));
        let mut last_failure = String::new();
        for attempt in 1..=PORT_ATTEMPTS {
            let port = free_port();
            let log_path = log_dir.path().join(format!("moto-{port}.log"));
            let child = spawn(binary, port, &log_path);
            match wait_ready(child, port, &log_path) {
                Ok(child) => {
                    return Emulator {
                        child,
                        port,
                        log_path,
                        _log_dir: log_dir,
                    }
                }
                Err(Failure::PortTaken) if attempt < PORT_ATTEMPTS => {
                    last_failure = format!("port {port} was taken by another process");
                }
                Err(Failure::PortTaken) => {
                    last_failure = format!(
                        "port {port} was taken by another process ({PORT_ATTEMPTS} attempts)"
                    );
                    break;
                }
                Err(Failure::Fatal(why)) => panic!(
                    "the emulator ({}) did not start: {why}.\n{HOW_TO_FIX}\n--- tail of the moto_server log ---\n{}",
                    binary.display(),
                    log_tail(&log_path)
                ),
            }
        }
        panic!(
            "the emulator ({}) did not start: {last_failure}.\n{HOW_TO_FIX}",
            binary.display()
        )
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// POSTs `json` to moto's `/moto-api/config` (e.g. `{"lambda":{"use_docker":false}}`, so Lambda
    /// invocations, such as RotateSecret's testSecret step, answer without Docker). Panics unless
    /// moto answers 201.
    pub fn moto_config(&self, json: &str) {
        self.moto_api("config", json, "201");
    }

    /// Seeds moto's random generator (`/moto-api/seed?a=N`): ids made after this (accounts, OUs,
    /// policies, keys) are the same on every run, as long as the requests that make them come in the
    /// same order. Golden outputs rely on it. Panics unless moto answers 200.
    pub fn seed_ids(&self, seed: u64) {
        self.moto_api(&format!("seed?a={seed}"), "", "200");
    }

    /// Forgets every resource of every account (moto's `/moto-api/reset`): a fresh emulator for a
    /// loop that would otherwise start one per iteration. Panics unless moto answers 200.
    pub fn reset(&self) {
        self.moto_api("reset", "", "200");
    }

    fn moto_api(&self, path: &str, json: &str, ok: &str) {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
            .unwrap_or_else(|e| panic!("moto-api/{path}: cannot connect to the emulator: {e}"));
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "POST /moto-api/{path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
            self.port,
            json.len()
        );
        stream
            .write_all(request.as_bytes())
            .unwrap_or_else(|e| panic!("moto-api/{path}: cannot send: {e}"));
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {ok}"))
                || answer.starts_with(&format!("HTTP/1.0 {ok}")),
            "moto-api/{path}: moto answered {answer:?}"
        );
    }

    /// The file that receives the server's stdout and stderr (deleted on drop).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Environment for running the govern binary against this emulator: endpoint, static test
    /// credentials, region, and the profile/config files neutralised so a developer's `~/.aws`
    /// never leaks in.
    pub fn env(&self) -> Vec<(String, String)> {
        env_for(&self.endpoint())
    }

    /// Removes every inherited `AWS_*` variable from `cmd` (service-specific endpoints, roles,
    /// container credentials, …) and sets [`Emulator::env`].
    pub fn configure(&self, cmd: &mut Command) {
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AWS_") {
                cmd.env_remove(&key);
            }
        }
        cmd.envs(self.env());
    }

    /// An SDK configuration for this emulator (static test credentials, us-east-1, its endpoint),
    /// resolved without reading the process environment or profile files.
    pub async fn sdk_config(&self) -> SdkConfig {
        sdk_config_for(&self.endpoint()).await
    }
}

/// [`Emulator::env`] for any endpoint that takes the static `testing` key (the emulator, the proxy,
/// the synthetic server).
pub fn env_for(endpoint: &str) -> Vec<(String, String)> {
    [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", ""),
        ("AWS_REGION", REGION),
        ("AWS_DEFAULT_REGION", REGION),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_PROFILE", "default"),
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ("NO_COLOR", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Static test credentials, us-east-1 and `endpoint`, resolved without reading the process
/// environment or profile files: the configuration every test client uses, emulator or proxy.
pub async fn sdk_config_for(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .empty_test_environment()
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "govern-testkit",
        ))
        .endpoint_url(endpoint)
        .load()
        .await
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$GOVERN_MOTO_SERVER`, else `<workspace root>/.venv/bin/moto_server`.
fn moto_server_path() -> PathBuf {
    if let Some(path) = std::env::var_os(MOTO_SERVER_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .expect("crates/testkit sits two levels below the workspace root");
    workspace_root.join(".venv").join("bin").join("moto_server")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap_or_else(|e| panic!("cannot bind 127.0.0.1:0 to find a free port: {e}"));
    listener
        .local_addr()
        .expect("a bound listener has an address")
        .port()
}

fn spawn(binary: &Path, port: u16, log_path: &Path) -> Child {
    let log = File::create(log_path)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
    let log_err = log
        .try_clone()
        .unwrap_or_else(|e| panic!("cannot clone the log handle: {e}"));
    Command::new(binary)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run the emulator {}: {e}.\n{HOW_TO_FIX}",
                binary.display()
            )
        })
}

enum Failure {
    /// Someone else bound the port between our probe and moto's bind: try another port.
    PortTaken,
    Fatal(String),
}

/// Polls until moto answers `GET /moto-api/` with 200 *and* its log says it bound our port (so a
/// different server that grabbed the port is never mistaken for ours).
fn wait_ready(mut child: Child, port: u16, log_path: &Path) -> Result<Child, Failure> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let bound_line = format!("Running on http://127.0.0.1:{port}");
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let log = std::fs::read_to_string(log_path).unwrap_or_default();
                return Err(if log.contains("Address already in use") {
                    Failure::PortTaken
                } else {
                    Failure::Fatal(format!("moto_server exited early ({status})"))
                });
            }
            Ok(None) => {}
            Err(e) => {
                stop(&mut child);
                return Err(Failure::Fatal(format!("cannot poll the process: {e}")));
            }
        }
        if probe(port) {
            let log = std::fs::read_to_string(log_path).unwrap_or_default();
            if log.contains(&bound_line) {
                return Ok(child);
            }
        }
        if Instant::now() >= deadline {
            stop(&mut child);
            return Err(Failure::Fatal(format!(
                "it did not answer GET /moto-api/ on port {port} within {} s",
                READY_TIMEOUT.as_secs()
            )));
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// A hand-written `GET /moto-api/`; true on a 200 status line.
fn probe(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let request =
        format!("GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 64];
    let mut filled = 0;
    while filled < head.len() {
        match stream.read(&mut head[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
        if head[..filled].contains(&b'\n') {
            break;
        }
    }
    let status_line = String::from_utf8_lossy(&head[..filled]);
    let mut parts = status_line.split_whitespace();
    matches!(
        (parts.next(), parts.next()),
        (Some(v), Some("200")) if v.starts_with("HTTP/")
    )
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| format!("(no log: {e})"));
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
