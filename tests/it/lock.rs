//! One apply at a time, and an apply killed mid-way: against the emulator, with the fault proxy
//! holding a request so the first apply is caught in the middle.

use crate::support::Govern;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use govern_testkit::seed::Seeder;
use govern_testkit::{Emulator, Faults, Proxy};

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("org.toml")
}

fn command(emu: &Emulator, proxy: &Proxy, state: &Path, args: &[&str]) -> Command {
    Govern::new(&[])
        .config(&sample())
        .state_dir(state)
        .args(args)
        .through(proxy, emu)
        .command()
}

fn run(emu: &Emulator, proxy: &Proxy, state: &Path, args: &[&str]) -> Output {
    let out = command(emu, proxy, state, args)
        .output()
        .expect("govern runs");
    eprintln!(
        "$ govern {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn spawn(emu: &Emulator, proxy: &Proxy, state: &Path, args: &[&str]) -> Child {
    command(emu, proxy, state, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("govern starts")
}

async fn ou_names(seeder: &Seeder) -> Vec<String> {
    let mut names: Vec<String> = seeder
        .org
        .list_organizational_units_for_parent()
        .parent_id(&seeder.root_id)
        .send()
        .await
        .unwrap()
        .organizational_units()
        .iter()
        .map(|o| o.name().unwrap_or_default().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_apply_waits_its_turn_and_says_who_holds_the_lock() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();

    let hold = proxy.hold("organizations:CreateOrganizationalUnit");
    let first = spawn(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert!(
        hold.wait_until_held(Duration::from_secs(60)),
        "the first apply reached CreateOrganizationalUnit"
    );

    let second = run(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert_eq!(second.status.code(), Some(1));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("another govern apply holds the organization's lock:")
            && err.contains(" pid "),
        "{err}"
    );

    hold.release();
    let first = first.wait_with_output().unwrap();
    assert!(
        first.status.success(),
        "{}{}",
        String::from_utf8_lossy(&first.stdout),
        String::from_utf8_lossy(&first.stderr)
    );
    // The lock was released: the next apply runs (and has nothing to do).
    let third = run(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert!(third.status.success());
    assert!(String::from_utf8_lossy(&third.stdout).contains("No changes."));
    // The lock is never part of the organization's plan.
    assert!(!String::from_utf8_lossy(&third.stdout).contains("govern-apply-lock"));
    assert_eq!(ou_names(&seeder).await, ["Security", "Workloads"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_apply_killed_mid_way_leaves_a_journal_and_a_rerun_converges_without_twins() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();

    // Catch the apply while it creates the second OU, then kill it outright.
    let first_ou = proxy.hold("organizations:CreateOrganizationalUnit");
    let mut victim = spawn(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert!(first_ou.wait_until_held(Duration::from_secs(60)));
    first_ou.release();
    let second_ou = proxy.hold("organizations:CreateOrganizationalUnit");
    assert!(second_ou.wait_until_held(Duration::from_secs(60)));
    victim.kill().unwrap();
    victim.wait().unwrap();
    // The request reaches AWS after its client died: a success nobody saw.
    second_ou.release();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let journals: Vec<_> = std::fs::read_dir(state.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".journal.jsonl"))
        .collect();
    assert_eq!(journals.len(), 1, "the killed apply left its journal");
    let journal = std::fs::read_to_string(journals[0].path()).unwrap();
    assert!(journal.contains("\"started\""), "{journal}");

    // Its lock is still there and has not expired: a re-run says so and how to proceed.
    let refused = run(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--break-lock"));

    let rerun = run(
        &emu,
        &proxy,
        state.path(),
        &["apply", "--auto-approve", "--break-lock"],
    );
    assert!(rerun.status.success());
    let plan = run(&emu, &proxy, state.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0));
    // No twins: every OU exists once.
    assert_eq!(ou_names(&seeder).await, ["Security", "Workloads"]);
    let accounts = seeder.org.list_accounts().send().await.unwrap();
    assert_eq!(accounts.accounts().len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_finishes_the_change_in_flight_and_starts_no_more() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();

    let hold = proxy.hold("organizations:CreateOrganizationalUnit");
    let child = spawn(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert!(hold.wait_until_held(Duration::from_secs(60)));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    tokio::time::sleep(Duration::from_millis(500)).await;
    hold.release();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("Interrupt: finishing the change in flight"),
        "{stderr}"
    );
    assert!(stdout.contains("+ ou:Security … done"), "{stdout}");
    assert!(
        !stdout.contains("+ ou:Workloads … "),
        "no new change started: {stdout}"
    );
    // The OU in flight was created; nothing after it was.
    assert_eq!(ou_names(&seeder).await, ["Security"]);

    // The lock was released on the way out, and a re-run converges.
    let rerun = run(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert!(rerun.status.success());
    assert_eq!(ou_names(&seeder).await, ["Security", "Workloads"]);
}
