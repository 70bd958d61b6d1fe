//! `cargo xtask demo | test`: the README's two commands. Installs the emulator (moto, pinned in
//! emulator/requirements.txt) into a Python venv when needed.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod bench;
mod bench_synthetic;
mod docs;
mod sandbox;
use govern_testkit::{demo_brownfield, Emulator, Faults, Proxy, MOTO_SERVER_ENV};

const USAGE: &str = "\
cargo xtask: developer tasks for govern

USAGE:
    cargo xtask demo            Start the emulator, seed a brownfield organization that differs from
                                org.toml, and run the real govern binary against it:
                                validate, plan, apply --auto-approve, plan --detailed-exitcode
                                (the last must report no changes).
    cargo xtask test [ARGS...]  Run `cargo test --workspace [ARGS...]` with the emulator installed and
                                GOVERN_MOTO_SERVER pointing at it; exits with cargo's code. ARGS go
                                to cargo as they are (`--workspace` is left out when they pick
                                packages), e.g. cargo xtask test -p govern-testkit -- --nocapture
    cargo xtask bench [--accounts 100,1000] [--latency-ms 50]  Benchmark `govern plan` (bench/README.md).
    cargo xtask bench --synthetic 1000,10000,50000  The same against the synthetic AWS at
                                organization scale, under AWS's quotas (bench/README.md).
    cargo xtask golden-bench OUT [N]  Seed the bench organization (N = 100) one request at a time
                                on a seeded emulator and write govern's outputs for it into OUT,
                                to diff between two commits (docs/architecture.md).
    cargo xtask sandbox [--seed] [--lenient]  Start the emulator behind the strict-AWS proxy (the
                                demo's and the tests' stack), optionally seed the sample brownfield
                                organization, print the environment to export, and serve until
                                Ctrl-C: try govern without AWS (README, 'Try it without AWS').
    cargo xtask schema          Regenerate docs/org.schema.json from the config types.
    cargo xtask man [DIR]       Write man pages (govern.1, govern-plan.1, …) into DIR
                                (default target/man).
    cargo xtask help            Print this text.

Both first ensure the emulator: moto[server] at the version pinned in emulator/requirements.txt,
installed into a Python venv (needs python3 with the venv module and access to PyPI).

ENVIRONMENT:
    GOVERN_VENV         The venv to check or create instead of <repo>/.venv (relative paths are taken
                        from the repo root). Useful to try a fresh install without touching .venv.
    GOVERN_MOTO_SERVER  Read by the test kit: the moto_server binary the tests start. `cargo xtask
                        test` sets it to <venv>/bin/moto_server.
";

/// The demo, one command per line: arguments to `govern`, the exit code it must return, and what a
/// different code means.
const DEMO_STEPS: &[Step] = &[
    step(&["validate"], 0, "org.toml does not validate"),
    step(&["plan"], 0, "planning failed"),
    step(&["apply", "--auto-approve"], 0, "apply failed"),
    step(
        &["plan", "--detailed-exitcode"],
        0,
        "the organization still differs from org.toml after apply",
    ),
    step(
        &["drift"],
        0,
        "drift reports differences right after a successful apply",
    ),
    // `{bundle}` is a fresh directory under the system temp dir.
    step(
        &["evidence", "--out", "{bundle}"],
        0,
        "the evidence bundle could not be written",
    ),
    step(
        &["evidence", "verify", "{bundle}"],
        0,
        "the evidence bundle just written does not verify",
    ),
];

struct Step {
    args: &'static [&'static str],
    expect: i32,
    otherwise: &'static str,
}

const fn step(args: &'static [&'static str], expect: i32, otherwise: &'static str) -> Step {
    Step {
        args,
        expect,
        otherwise,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") if args.len() == 1 => demo(),
        Some("demo" | "test")
            if matches!(args.get(1).map(String::as_str), Some("-h" | "--help")) =>
        {
            print!("{USAGE}");
            Ok(0)
        }
        Some("test") => test(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("sandbox") => sandbox::run(&args[1..]),
        Some("golden-bench") => bench::golden(&args[1..]),
        Some("schema") if args.len() == 1 => docs::schema(&repo_root()),
        Some("man") if args.len() <= 2 => docs::man(&repo_root(), args.get(1).map(String::as_str)),
        Some("help" | "-h" | "--help") => {
            print!("{USAGE}");
            Ok(0)
        }
        other => {
            if other.is_some() {
                eprintln!("xtask: unknown command or arguments: {}\n", args.join(" "));
            }
            eprint!("{USAGE}");
            Ok(2)
        }
    };
    // Everything (the emulator above all) is dropped by now: exiting cannot orphan a server.
    match result {
        Ok(code) => std::process::exit(code),
        Err(message) => {
            eprintln!("xtask: {message}");
            std::process::exit(1)
        }
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits one level below the repo root")
        .to_path_buf()
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

// ---------------------------------------------------------------------------------------------
// cargo xtask test

fn test(args: &[String]) -> Result<i32, String> {
    let root = repo_root();
    let moto = ensure_emulator(&root)?;
    ensure_chromium()?;
    let mut cmd = cargo();
    cmd.arg("test");
    if !selects_packages(args) {
        cmd.arg("--workspace");
    }
    let status = cmd
        .args(args)
        .env(MOTO_SERVER_ENV, &moto)
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    Ok(status.code().unwrap_or(1))
}

/// The report test renders report.html in headless Chromium: installs Debian's `chromium` when
/// neither $GOVERN_CHROMIUM nor /usr/bin/chromium is there (apt-get, through sudo unless root).
fn ensure_chromium() -> Result<(), String> {
    let chosen = std::env::var_os("GOVERN_CHROMIUM").filter(|v| !v.is_empty());
    let path = chosen.clone().map(PathBuf::from);
    let path = path.unwrap_or_else(|| "/usr/bin/chromium".into());
    if path.is_file() {
        println!("chromium: {} ready", path.display());
        return Ok(());
    }
    if chosen.is_some() {
        return Err(format!(
            "GOVERN_CHROMIUM is {}, which does not exist: point it at a Chromium binary or unset \
             it to use (and install) Debian's /usr/bin/chromium",
            path.display()
        ));
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = Command::new(if root { "apt-get" } else { "sudo" });
        if !root {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        let shown = format!(
            "{}apt-get {}",
            if root { "" } else { "sudo " },
            args.join(" ")
        );
        println!(
            "chromium: missing at {}; running `{shown}` …",
            path.display()
        );
        let _ = std::io::stdout().flush();
        cmd.status().is_ok_and(|s| s.success())
    };
    let installed = apt(&["install", "-y", "chromium"])
        || (apt(&["update"]) && apt(&["install", "-y", "chromium"]));
    if installed && path.is_file() {
        println!("chromium: {} ready", path.display());
        Ok(())
    } else {
        Err(
            "could not install chromium, which the report test needs (see apt-get's output \
             above): install it yourself (`apt-get install chromium` on Debian/Ubuntu) or set \
             GOVERN_CHROMIUM to a Chromium or Chrome binary, then rerun"
                .into(),
        )
    }
}

/// Whether cargo's own arguments (before any `--`) pick packages, which `--workspace` would override.
fn selects_packages(args: &[String]) -> bool {
    args.iter().take_while(|a| *a != "--").any(|a| {
        a == "-p"
            || a == "--package"
            || a == "--manifest-path"
            || a.starts_with("--package=")
            || a.starts_with("--manifest-path=")
            || (a.starts_with("-p") && !a.starts_with("--"))
    })
}

// ---------------------------------------------------------------------------------------------
// cargo xtask demo

fn demo() -> Result<i32, String> {
    let root = repo_root();
    let moto = ensure_emulator(&root)?;

    let built = cargo()
        .args(["build", "--quiet", "--bin", "govern"])
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cannot run cargo build: {e}"))?;
    if !built.success() {
        return Err("`cargo build --bin govern` failed (see the errors above)".into());
    }
    let govern = target_dir(&root)
        .join("debug")
        .join(format!("govern{}", std::env::consts::EXE_SUFFIX));
    if !govern.is_file() {
        return Err(format!(
            "{} does not exist after `cargo build --bin govern`",
            govern.display()
        ));
    }

    let emulator = Emulator::start_with_binary(&moto);
    println!("emulator: moto listening on {}", emulator.endpoint());
    // moto lacks the Account region opt-in APIs; the test kit's proxy answers for them (and passes
    // everything else through), exactly as in the tests.
    let proxy = Proxy::start(&emulator.endpoint(), Faults::default());
    // The strict-AWS layer, every behaviour on: the demo meets what real AWS does that moto does
    // not (transient Organizations errors, asynchronous account creation and policy types, stale
    // reads after writes, …), as the acceptance tests do.
    proxy.set_strict(govern_testkit::Strict::aws());
    println!(
        "proxy: {} (answers ListRegions/GetRegionOptStatus/DisableRegion for moto; strict-AWS layer on)",
        proxy.endpoint()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
    runtime.block_on(async {
        let cfg = emulator.sdk_config().await;
        demo_brownfield(&cfg).await;
    });
    println!(
        "seeded a brownfield organization: OUs and accounts in the wrong places, a drifted \
         deny-leave-org, an extra SCP attachment"
    );

    let bundle = std::env::temp_dir().join(format!("govern-demo-evidence-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&bundle);
    for step in DEMO_STEPS {
        let args: Vec<String> = step
            .args
            .iter()
            .map(|a| a.replace("{bundle}", &bundle.to_string_lossy()))
            .collect();
        let shown = format!("govern {}", args.join(" "));
        println!("\n$ {shown}");
        let _ = std::io::stdout().flush();
        let mut cmd = Command::new(&govern);
        cmd.args(&args).current_dir(&root);
        proxy.configure(&emulator, &mut cmd);
        // Retries and polls start from 200 ms instead of 1 s: the strict layer's delays are counted
        // in answers, not minutes, and the demo is for people waiting at a terminal.
        if std::env::var_os("GOVERN_RETRY_BASE_MS").is_none() {
            cmd.env("GOVERN_RETRY_BASE_MS", "200");
        }
        if std::env::var_os("NO_COLOR").is_none() {
            // The demo is for people: keep govern's colours unless the user asked otherwise.
            cmd.env_remove("NO_COLOR");
        }
        let status = cmd
            .status()
            .map_err(|e| format!("cannot run {}: {e}", govern.display()))?;
        match status.code() {
            Some(code) if code == step.expect => {}
            Some(code) => {
                return Err(format!(
                    "demo failed: `{shown}` exited with {code}, expected {}: {}",
                    step.expect, step.otherwise
                ))
            }
            None => return Err(format!("demo failed: `{shown}` was killed ({status})")),
        }
    }
    println!("\ndemo finished: the organization now matches org.toml");
    Ok(0)
}

/// Cargo's target directory (honours CARGO_TARGET_DIR and build.target-dir), from `cargo metadata`.
fn target_dir(root: &Path) -> PathBuf {
    let fallback = || match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    };
    let Ok(out) = cargo()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .stderr(Stdio::null())
        .output()
    else {
        return fallback();
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let key = "\"target_directory\":\"";
    match text.find(key).map(|at| &text[at + key.len()..]) {
        Some(rest) if out.status.success() => match rest.find('"') {
            Some(end) if !rest[..end].contains('\\') => PathBuf::from(&rest[..end]),
            _ => fallback(),
        },
        _ => fallback(),
    }
}

// ---------------------------------------------------------------------------------------------
// The emulator in a venv

/// Makes sure `<venv>/bin/moto_server` exists at the pinned moto version, installing it when not.
/// Returns the absolute path of moto_server.
fn ensure_emulator(root: &Path) -> Result<PathBuf, String> {
    let requirements = root.join("emulator").join("requirements.txt");
    let pinned = pinned_moto(&requirements)?;
    let venv = venv_dir(root);
    let shown = if venv == root.join(".venv") {
        ".venv".to_string()
    } else {
        venv.display().to_string()
    };
    let bin = venv.join("bin");
    let moto_server = bin.join("moto_server");

    if moto_server.is_file() && installed_moto(&bin).as_deref() == Some(pinned.as_str()) {
        println!("emulator: moto {pinned} ready in {shown}");
        return Ok(moto_server);
    }

    println!("emulator: installing moto {pinned} into {shown} …");
    let _ = std::io::stdout().flush();
    if !bin.join("pip").is_file() {
        let created = Command::new("python3")
            .args([OsStr::new("-m"), OsStr::new("venv"), venv.as_os_str()])
            .status();
        match created {
            Err(e) => {
                return Err(format!(
                    "cannot run python3 ({e}): python3 with venv is required to install the \
                     emulator: apt-get install python3 python3-venv (or your platform's equivalent)"
                ))
            }
            Ok(status) if !status.success() => {
                return Err(format!(
                    "`python3 -m venv {}` failed ({status}): python3 with venv is required: \
                     apt-get install python3-venv, then delete {} and rerun",
                    venv.display(),
                    venv.display()
                ))
            }
            Ok(_) => {}
        }
    }
    let installed = Command::new(bin.join("pip"))
        .args(["install", "--disable-pip-version-check", "-q", "-r"])
        .arg(&requirements)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", bin.join("pip").display()))?;
    if !installed.success() {
        return Err(format!(
            "`pip install -r emulator/requirements.txt` into {shown} failed ({installed}; see pip's \
             output above): check access to PyPI (or set PIP_INDEX_URL to a mirror) and rerun; to \
             start over, delete {}",
            venv.display()
        ));
    }
    match installed_moto(&bin) {
        Some(version) if version == pinned && moto_server.is_file() => {
            println!("emulator: moto {pinned} ready in {shown}");
            Ok(moto_server)
        }
        found => Err(format!(
            "after installing, {} reports moto {found:?} and moto_server {}, expected moto {pinned}; \
             delete {} and rerun",
            shown,
            if moto_server.is_file() { "exists" } else { "is missing" },
            venv.display()
        )),
    }
}

/// `$GOVERN_VENV` (relative to the repo root) or `<repo>/.venv`.
fn venv_dir(root: &Path) -> PathBuf {
    match std::env::var_os("GOVERN_VENV").filter(|v| !v.is_empty()) {
        Some(dir) => root.join(dir),
        None => root.join(".venv"),
    }
}

/// The version in the `moto...==X` line of the requirements file.
fn pinned_moto(requirements: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(requirements)
        .map_err(|e| format!("cannot read {}: {e}", requirements.display()))?;
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| line.starts_with("moto"))
        .find_map(|line| line.split_once("==").map(|(_, v)| v.trim().to_string()))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            format!(
                "{} has no pinned `moto[server]==VERSION` line",
                requirements.display()
            )
        })
}

/// The moto version `pip show moto` reports, if any.
fn installed_moto(bin: &Path) -> Option<String> {
    let out = Command::new(bin.join("pip"))
        .args(["show", "--disable-pip-version-check", "moto"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Version:").map(|v| v.trim().to_string()))
}
