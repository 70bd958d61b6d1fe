//! The command line as users and CI meet it: help examples, completions, logging that keeps stdout
//! clean, and the govern invocations in docs/ci/ workflows.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use clap::CommandFactory;
use govern::cli::Cli;
use govern_testkit::{Emulator, Faults, Proxy, Seeder};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn govern(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_govern"));
    cmd.args(args).stdin(Stdio::null());
    cmd
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn every_subcommand_shows_an_example_in_its_help() {
    fn check(cmd: &clap::Command, path: &str, missing: &mut Vec<String>, seen: &mut usize) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let path = format!("{path} {}", sub.get_name());
            *seen += 1;
            let after = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            if !after.contains("Example") || !after.contains(&format!("{path} ")) {
                missing.push(path.clone());
            }
            check(sub, &path, missing, seen);
        }
    }
    let mut missing = Vec::new();
    let mut seen = 0;
    check(&Cli::command(), "govern", &mut missing, &mut seen);
    assert!(seen >= 8, "only {seen} subcommands found");
    assert!(
        missing.is_empty(),
        "subcommands without an `Example` of themselves in after_help: {missing:?}"
    );
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _govern"),
        ("zsh", "#compdef govern"),
        ("fish", "complete -c govern"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[govern]"),
    ] {
        let out = govern(&["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains(marker), "{shell}: no `{marker}`:\n{script}");
        // Subcommands and global flags are completed.
        assert!(
            script.contains("evidence") && script.contains("--assume-role"),
            "{shell}"
        );
    }
    let out = govern(&["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values"));
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_go_to_stderr_and_stdout_stays_the_plan() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();
    let mut cmd = govern(&["--log-format", "json", "-vv", "plan", "--json"]);
    cmd.arg("--config")
        .arg(repo().join("org.toml"))
        .arg("--state-dir")
        .arg(state.path());
    proxy.configure(&emu, &mut cmd);
    cmd.env_remove("RUST_LOG");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let plan: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", text(&out)));
    assert!(plan["changes"].as_array().is_some_and(|c| !c.is_empty()));

    let stderr = String::from_utf8_lossy(&out.stderr);
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let message = |m: &str| {
        events
            .iter()
            .find(|e| e["fields"]["message"] == m)
            .unwrap_or_else(|| panic!("no `{m}` event in:\n{stderr}"))
    };
    let connected = message("connected");
    assert_eq!(connected["level"], "INFO");
    assert_eq!(connected["fields"]["command"], "plan");
    assert_eq!(connected["fields"]["account"], "123456789012");
    let read = message("organization read");
    assert!(read["fields"]["organization"]
        .as_str()
        .is_some_and(|o| o.starts_with("o-")));
    // -vv: each account read is logged at debug.
    let debug = message("account read");
    assert_eq!(debug["level"], "DEBUG");

    // Without -v only warnings and errors are logged: a clean run prints nothing to stderr.
    let mut quiet = govern(&["plan", "--json"]);
    quiet
        .arg("--config")
        .arg(repo().join("org.toml"))
        .arg("--state-dir")
        .arg(state.path());
    proxy.configure(&emu, &mut quiet);
    quiet.env_remove("RUST_LOG");
    let out = quiet.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(out.stderr.is_empty(), "{}", text(&out));
}
