//! `cargo xtask sandbox` starts, serves a plan to the real govern binary, and stops cleanly on
//! Ctrl-C (issue 17, "Try it without AWS").

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// govern's binary beside xtask's (cargo test --workspace builds both); built when missing.
fn govern_binary() -> PathBuf {
    let xtask = PathBuf::from(env!("CARGO_BIN_EXE_xtask"));
    let govern = xtask.with_file_name(format!("govern{}", std::env::consts::EXE_SUFFIX));
    if !govern.is_file() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--bin", "govern"])
            .current_dir(repo())
            .status()
            .expect("cargo build --bin govern");
        assert!(status.success(), "cargo build --bin govern failed");
    }
    assert!(govern.is_file(), "{} missing", govern.display());
    govern
}

/// `export KEY=value` (value possibly single-quoted) → (KEY, value).
fn export(line: &str) -> Option<(String, String)> {
    let (key, value) = line.strip_prefix("export ")?.split_once('=')?;
    let value = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or(value);
    Some((key.to_string(), value.to_string()))
}

#[test]
fn the_sandbox_starts_serves_a_plan_and_stops_on_ctrl_c() {
    let govern = govern_binary();
    let moto = std::env::var_os("GOVERN_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv/bin/moto_server"));
    let mut sandbox = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["sandbox", "--seed"])
        .env("GOVERN_MOTO_SERVER", &moto)
        .current_dir(repo())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start cargo xtask sandbox");
    let mut lines = BufReader::new(sandbox.stdout.take().unwrap()).lines();
    let mut env = Vec::new();
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("sandbox output");
        printed.push(line.clone());
        if let Some(kv) = export(&line) {
            env.push(kv);
        }
        if line.starts_with("sandbox ready") {
            break;
        }
    }
    assert!(
        printed.iter().any(|l| l.starts_with("sandbox ready")),
        "the sandbox never said it was ready:\n{}",
        printed.join("\n")
    );
    let endpoint = env
        .iter()
        .find(|(k, _)| k == "AWS_ENDPOINT_URL")
        .map(|(_, v)| v.clone())
        .expect("AWS_ENDPOINT_URL exported");
    assert!(printed.iter().all(|l| !l.starts_with("export NO_COLOR")));

    // A newcomer's first plan, with exactly the environment the sandbox printed.
    let mut plan = Command::new(&govern);
    plan.args(["plan", "--detailed-exitcode"])
        .current_dir(repo());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            plan.env_remove(key);
        }
    }
    plan.envs(env.iter().map(|(k, v)| (k, v)));
    let out = plan.output().expect("run govern plan");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(2),
        "plan against the seeded sandbox should find changes:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ou:Workloads/Prod"), "{stdout}");

    // Ctrl-C: the sandbox stops its emulator and proxy and exits 0.
    // SAFETY: sending a signal to a child we started.
    unsafe {
        libc::kill(sandbox.id() as libc::pid_t, libc::SIGINT);
    }
    // A watchdog, not a timing assertion: a sandbox that ignores Ctrl-C must fail, not hang.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = sandbox.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = sandbox.kill();
            panic!("the sandbox did not stop within 60 s of Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert_eq!(rest.last().map(String::as_str), Some("sandbox stopped"));
    let address = endpoint.trim_start_matches("http://");
    assert!(
        TcpStream::connect(address).is_err(),
        "the proxy still listens on {address} after the sandbox stopped"
    );
}
