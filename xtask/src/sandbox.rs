//! `cargo xtask sandbox`: AWS on this machine for a newcomer. Starts the emulator (moto) behind the
//! test kit's proxy with the strict-AWS layer on — the same stack the demo and the tests use, so
//! `allowed_regions`, member roles and the rest behave as on AWS — optionally seeds the sample
//! brownfield organization, prints the environment to export, and serves until Ctrl-C (or SIGTERM),
//! then stops the emulator.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use govern_testkit::{demo_brownfield, Emulator, Faults, Proxy, Strict, MOTO_SERVER_ENV};

pub const USAGE: &str = "\
cargo xtask sandbox [--seed] [--lenient]
    --seed     seed the sample brownfield organization (the demo's) before serving
    --lenient  leave the strict-AWS layer off (plain moto, plus the Region calls it lacks)
";

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

pub fn run(args: &[String]) -> Result<i32, String> {
    let mut seed = false;
    let mut strict = true;
    for a in args {
        match a.as_str() {
            "--seed" => seed = true,
            "--lenient" => strict = false,
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(0);
            }
            other => return Err(format!("sandbox: unknown argument `{other}`\n{USAGE}")),
        }
    }
    // Ctrl-C and SIGTERM end the wait below, so that the emulator and the proxy are dropped (and
    // moto stopped) instead of the process dying with them running.
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }

    let root = super::repo_root();
    let moto = match std::env::var_os(MOTO_SERVER_ENV) {
        Some(bin) => bin.into(),
        None => super::ensure_emulator(&root)?,
    };
    let emulator = Emulator::start_with_binary(&moto);
    let proxy = Proxy::start(&emulator.endpoint(), Faults::default());
    if strict {
        proxy.set_strict(Strict::aws());
    }
    if seed {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
        runtime.block_on(async {
            let cfg = emulator.sdk_config().await;
            demo_brownfield(&cfg).await;
        });
    }

    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "govern sandbox: moto on {} behind the test kit's proxy on {} ({})",
        emulator.endpoint(),
        proxy.endpoint(),
        if strict {
            "strict-AWS layer on"
        } else {
            "strict-AWS layer off"
        }
    );
    if seed {
        let _ = writeln!(
            out,
            "seeded: the sample brownfield organization that org.toml converges (cargo xtask demo's)"
        );
    }
    let _ = writeln!(out, "\nIn another shell, from the repository root:\n");
    for (key, value) in proxy.env(&emulator) {
        // Colours are for people: the tests' NO_COLOR stays out of what a person pastes.
        if key != "NO_COLOR" {
            let _ = writeln!(out, "export {key}={}", shell_quote(&value));
        }
    }
    let _ = writeln!(
        out,
        "\ncargo run -q --bin govern -- plan     # then apply, drift, evidence --out bundle\n\
         \nsandbox ready; Ctrl-C stops it (the emulator's state goes with it)"
    );
    let _ = out.flush();
    drop(out);

    while !STOP.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(proxy);
    drop(emulator);
    println!("sandbox stopped");
    Ok(0)
}

/// `value` as one shell word.
fn shell_quote(value: &str) -> String {
    if !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@".contains(c))
    {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}
