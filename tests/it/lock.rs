//! One apply at a time, and an apply killed mid-way: against the emulator, with the fault proxy
//! holding a request so the first apply is caught in the middle. Lost answers (the proxy lets a
//! request act, then drops its answer, as AWS's network sometimes does): to the lock's own
//! CreatePolicy and DeletePolicy, and to the creates of OUs, policies and accounts.

use crate::support::Govern;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use govern_testkit::seed::Seeder;
use govern_testkit::{Emulator, Faults, Proxy, Rule};

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("org.toml")
}

/// govern with the sample; it confirms its lock before every change (GOVERN_LOCK_CONFIRM_SECS=0),
/// so that a test holding one change knows the next one asks.
fn command(emu: &Emulator, proxy: &Proxy, state: &Path, args: &[&str]) -> Command {
    Govern::new(&[])
        .config(&sample())
        .state_dir(state)
        .args(args)
        .env("GOVERN_LOCK_CONFIRM_SECS", "0")
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
    // The holder is named by the credentials' caller as well as the host user.
    assert!(err.contains(&caller_arn(&emu).await), "{err}");

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

    // Not expired: breaking it takes the holder id the refusal names.
    let id = holder_id(&refused);
    let rerun = run(
        &emu,
        &proxy,
        state.path(),
        &["apply", "--auto-approve", "--break-lock", &id],
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

/// The ARN STS gives the emulator's credentials.
async fn caller_arn(emu: &Emulator) -> String {
    aws_sdk_sts::Client::new(&emu.sdk_config().await)
        .get_caller_identity()
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_string()
}

/// The lock policies in the organization (read straight from the emulator).
async fn locks(seeder: &Seeder) -> usize {
    seeder
        .org
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .max_results(20)
        .send()
        .await
        .unwrap()
        .policies()
        .iter()
        .filter(|p| p.name() == Some("govern-apply-lock"))
        .count()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_to_the_locks_create_policy_is_this_runs_lock_not_another_apply() {
    let emu = Emulator::start();
    // An apply's first CreatePolicy is the lock's: AWS creates it, the answer is lost, and the SDK's
    // retry is answered DuplicatePolicyException.
    let proxy = Proxy::start(
        &emu.endpoint(),
        Faults::none().rule(Rule::lose_answer("organizations:CreatePolicy").times(1)),
    );
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();

    let out = run(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("the organization matches org.toml"),
        "{}",
        text(&out)
    );
    assert_eq!(locks(&seeder).await, 0, "the adopted lock was given back");
    let plan = run(&emu, &proxy, state.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0));
    assert_eq!(
        crate::campaign::twins(&emu.sdk_config().await).await,
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_to_the_locks_delete_policy_still_ends_a_complete_apply() {
    let emu = Emulator::start();
    // The only DeletePolicy of an apply is the lock's release: AWS deletes it, the answer is lost,
    // and the SDK's retry is answered PolicyNotFoundException.
    let proxy = Proxy::start(
        &emu.endpoint(),
        Faults::none().rule(Rule::lose_answer("organizations:DeletePolicy").times(1)),
    );
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();

    let out = run(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        proxy.count("organizations:DeletePolicy"),
        2,
        "lost, then retried"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Apply complete: ") && stdout.contains("the organization matches org.toml"),
        "verified: {stdout}"
    );
    assert!(
        state.path().join("last-apply.json").exists(),
        "the record drift relies on"
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning"),
        "a lock found deleted by the retry is released: {}",
        text(&out)
    );
    assert_eq!(locks(&seeder).await, 0);
    let again = run(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(String::from_utf8_lossy(&again.stdout).contains("No changes."));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_holder_whose_process_is_gone_is_reported_as_dead_and_named_by_its_caller() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();

    // An apply with no USER (nor LOGNAME) in its environment, as under cron or in a bare container,
    // killed while it holds the lock.
    let hold = proxy.hold("organizations:CreateOrganizationalUnit");
    let mut victim = Govern::new(&[])
        .config(&sample())
        .state_dir(state.path())
        .args(&["apply", "--auto-approve"])
        .env_remove("USER")
        .env_remove("LOGNAME")
        .through(&proxy, &emu)
        .command()
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(hold.wait_until_held(Duration::from_secs(60)));
    let pid = victim.id();
    victim.kill().unwrap();
    victim.wait().unwrap();
    hold.release();

    let refused = run(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains(&format!(
            "held by pid {pid} on this host, which is no longer running"
        )),
        "{err}"
    );
    assert!(err.contains("--break-lock"), "{err}");
    assert!(err.contains(&caller_arn(&emu).await), "{err}");
    assert!(
        !err.contains("unknown@"),
        "the host user is found without USER: {err}"
    );

    let id = holder_id(&refused);
    let rerun = run(
        &emu,
        &proxy,
        state.path(),
        &["apply", "--auto-approve", "--break-lock", &id],
    );
    assert!(rerun.status.success(), "{}", text(&rerun));
    assert!(
        String::from_utf8_lossy(&rerun.stderr).contains("its process is no longer running"),
        "{}",
        text(&rerun)
    );
    assert_eq!(locks(&seeder).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn lost_answers_to_creates_adopt_what_this_apply_made_and_make_no_twins() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();

    // Once the apply holds the lock and starts its first OU, lose the answer to the first create
    // of each kind: AWS made it, and the SDK's retry meets it.
    let first_ou = proxy.hold("organizations:CreateOrganizationalUnit");
    let child = spawn(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert!(first_ou.wait_until_held(Duration::from_secs(60)));
    proxy.set_faults(
        Faults::none()
            .rule(Rule::lose_answer("organizations:CreateOrganizationalUnit").times(1))
            .rule(Rule::lose_answer("organizations:CreatePolicy").times(1))
            .rule(Rule::lose_answer("organizations:CreateAccount").times(1)),
    );
    first_ou.release();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    for op in ["CreateOrganizationalUnit", "CreatePolicy", "CreateAccount"] {
        let op = format!("organizations:{op}");
        assert!(proxy.count(&op) >= 2, "{op} was lost and retried");
    }

    let cfg = emu.sdk_config().await;
    assert_eq!(crate::campaign::twins(&cfg).await, Vec::<String>::new());
    assert_eq!(ou_names(&seeder).await, ["Security", "Workloads"]);
    let accounts = seeder.org.list_accounts().send().await.unwrap();
    assert_eq!(accounts.accounts().len(), 5, "no twin account");
    let plan = run(&emu, &proxy, state.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "converged");
    assert_eq!(locks(&seeder).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_that_meets_someone_elses_ou_or_policy_stops_with_a_conflict() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();

    // While the apply creates its first OU (Security), someone makes the next OU by hand (no
    // managed-by tag) and one of its SCPs with another document.
    let first_ou = proxy.hold("organizations:CreateOrganizationalUnit");
    let child = spawn(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert!(first_ou.wait_until_held(Duration::from_secs(60)));
    seeder
        .org
        .create_organizational_unit()
        .parent_id(&seeder.root_id)
        .name("Workloads")
        .send()
        .await
        .unwrap();
    let by_hand = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#;
    seeder
        .org
        .create_policy()
        .name("deny-root-user")
        .description("made by hand")
        .content(by_hand)
        .r#type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    first_ou.release();
    let out = child.wait_with_output().unwrap();
    let all = text(&out);
    eprintln!("{all}");
    assert_eq!(out.status.code(), Some(1), "{all}");
    let conflicts: Vec<&str> = all
        .lines()
        .filter(|l| {
            l.contains("AWS says it exists already, but not as govern would have created it")
        })
        .collect();
    assert!(
        conflicts
            .iter()
            .any(|l| l.contains("ou:Workloads:") && l.contains("managed-by")),
        "{all}"
    );
    assert!(
        conflicts
            .iter()
            .any(|l| l.contains("scp:deny-root-user:") && l.contains("another document")),
        "{all}"
    );
    // Nothing was adopted into govern's plan, nor twinned.
    assert_eq!(
        crate::campaign::twins(&emu.sdk_config().await).await,
        Vec::<String>::new()
    );
    let policies = seeder
        .org
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    let hand = policies
        .policies()
        .iter()
        .find(|p| p.name() == Some("deny-root-user"))
        .unwrap();
    assert_eq!(hand.description(), Some("made by hand"));
    assert_eq!(locks(&seeder).await, 0);
}

/// The holder id a refusal names in its `--break-lock ID` hint (the lock policy's id).
fn holder_id(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    let at = err
        .find("--break-lock p-")
        .unwrap_or_else(|| panic!("no holder id in: {err}"));
    err[at + "--break-lock ".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

/// Makes a lock policy as another host's govern would, with this expiry (seconds since the epoch).
async fn foreign_lock(seeder: &Seeder, expires: u64) -> String {
    let description = format!(
        r#"{{"holder":"ci@elsewhere pid 77","started":1,"expires":{expires},"token":"00112233445566778899aabbccddeeff","host":"elsewhere","pid":77}}"#
    );
    seeder
        .org
        .create_policy()
        .name("govern-apply-lock")
        .description(description)
        .content(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
        .r#type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .policy_summary()
        .unwrap()
        .id()
        .unwrap()
        .to_string()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread")]
async fn break_lock_without_the_holder_id_does_not_take_a_lock_that_has_not_expired() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();

    let hold = proxy.hold("organizations:CreateOrganizationalUnit");
    let first = spawn(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert!(hold.wait_until_held(Duration::from_secs(60)));

    // Issue 14 item 4: this broke the lock of the apply still running, and both ran.
    let second = run(
        &emu,
        &proxy,
        state.path(),
        &["apply", "--auto-approve", "--break-lock"],
    );
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("has not expired"), "{err}");
    assert!(err.contains(&caller_arn(&emu).await), "{err}");
    let id = holder_id(&second);
    assert_eq!(locks(&seeder).await, 1, "the lock was left to its holder");
    assert!(
        !String::from_utf8_lossy(&second.stdout).contains("Journal:"),
        "the second apply changed nothing: {}",
        text(&second)
    );

    hold.release();
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", text(&first));
    assert_eq!(ou_names(&seeder).await, ["Security", "Workloads"]);
    assert_eq!(
        crate::campaign::twins(&emu.sdk_config().await).await,
        Vec::<String>::new()
    );
    assert_eq!(locks(&seeder).await, 0);
    assert!(id.starts_with("p-"), "{id}");
}

#[tokio::test(flavor = "multi_thread")]
async fn break_lock_with_the_holder_id_takes_a_live_lock_and_its_holder_stops_before_its_next_change(
) {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();
    let other_state = tempfile::tempdir().unwrap();

    // The first apply is caught creating its first OU.
    let hold = proxy.hold("organizations:CreateOrganizationalUnit");
    let first = spawn(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert!(hold.wait_until_held(Duration::from_secs(60)));

    let refused = run(
        &emu,
        &proxy,
        other_state.path(),
        &["apply", "--auto-approve"],
    );
    assert_eq!(refused.status.code(), Some(1));
    let id = holder_id(&refused);
    // Someone sure the first apply is stuck breaks its lock by its id, and applies — after
    // waiting one confirmation interval (2 s here), in which the first apply, if it still runs,
    // must find its lock gone.
    let breaker = command(
        &emu,
        &proxy,
        other_state.path(),
        &["apply", "--auto-approve", "--break-lock", &id],
    )
    .env("GOVERN_LOCK_CONFIRM_SECS", "2")
    .output()
    .unwrap();
    assert!(breaker.status.success(), "{}", text(&breaker));
    let said = String::from_utf8_lossy(&breaker.stderr);
    assert!(said.contains("breaking the apply lock held by"), "{said}");
    assert!(
        said.contains("waiting 2 s before the first change"),
        "{said}"
    );

    // The first apply's change in flight ends; it finds its lock gone and starts nothing more.
    hold.release();
    let first = first.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&first.stdout),
        String::from_utf8_lossy(&first.stderr),
    );
    assert_eq!(first.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("lost the organization's apply lock"),
        "{stderr}"
    );
    assert!(
        !stdout.contains("+ ou:Workloads … "),
        "no change started after the lock was lost: {stdout}"
    );
    let journal = std::fs::read_dir(state.path())
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(".journal.jsonl"))
        .expect("the stopped apply left its journal");
    let journal = std::fs::read_to_string(journal.path()).unwrap();
    assert!(journal.contains("apply lock"), "{journal}");

    assert_eq!(ou_names(&seeder).await, ["Security", "Workloads"]);
    assert_eq!(
        crate::campaign::twins(&emu.sdk_config().await).await,
        Vec::<String>::new()
    );
    assert_eq!(locks(&seeder).await, 0);
    let plan = run(&emu, &proxy, state.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lock_from_another_host_is_broken_by_its_id_or_once_expired_and_never_by_a_wrong_id() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();

    // Unexpired, on another host: its liveness cannot be known here.
    let id = foreign_lock(&seeder, now() + 3000).await;
    let bare = run(
        &emu,
        &proxy,
        state.path(),
        &["apply", "--auto-approve", "--break-lock"],
    );
    assert_eq!(bare.status.code(), Some(1), "{}", text(&bare));
    assert!(
        String::from_utf8_lossy(&bare.stderr).contains("has not expired"),
        "{}",
        text(&bare)
    );
    assert_eq!(holder_id(&bare), id);
    let wrong = run(
        &emu,
        &proxy,
        state.path(),
        &["apply", "--auto-approve", "--break-lock", "p-0000wrong"],
    );
    assert_eq!(wrong.status.code(), Some(1), "{}", text(&wrong));
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("p-0000wrong") && err.contains(&id), "{err}");
    assert_eq!(locks(&seeder).await, 1);
    assert!(ou_names(&seeder).await.is_empty(), "nothing was applied");
    // Not a holder id at all (a saved plan's path written after the flag): refused by name.
    let path = run(
        &emu,
        &proxy,
        state.path(),
        &["apply", "--break-lock", "plans/release.json"],
    );
    assert_eq!(path.status.code(), Some(1), "{}", text(&path));
    assert!(
        String::from_utf8_lossy(&path.stderr).contains("not a holder id"),
        "{}",
        text(&path)
    );

    let by_id = run(
        &emu,
        &proxy,
        state.path(),
        &["apply", "--auto-approve", "--break-lock", &id],
    );
    assert!(by_id.status.success(), "{}", text(&by_id));
    assert_eq!(ou_names(&seeder).await, ["Security", "Workloads"]);
    assert_eq!(locks(&seeder).await, 0);

    // The same id again, with no lock held and something to apply (a root SCP detached by hand):
    // said, not silent.
    let policies = seeder
        .org
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    let deny_leave = policies
        .policies()
        .iter()
        .find(|p| p.name() == Some("deny-leave-org"))
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    seeder.detach(&deny_leave, &seeder.root_id).await;
    let again = run(
        &emu,
        &proxy,
        state.path(),
        &["apply", "--auto-approve", "--break-lock", &id],
    );
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains(&format!(
            "no apply lock was held (the one --break-lock {id} names is gone)"
        )),
        "{}",
        text(&again)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_lock_is_taken_over_by_break_lock_alone() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();

    let expired = foreign_lock(&seeder, 1000).await;
    let refused = run(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("has expired"),
        "{}",
        text(&refused)
    );
    assert_eq!(holder_id(&refused), expired);
    let out = run(
        &emu,
        &proxy,
        state.path(),
        &["apply", "--auto-approve", "--break-lock"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("expired"),
        "{}",
        text(&out)
    );
    assert_eq!(ou_names(&seeder).await, ["Security", "Workloads"]);
    assert_eq!(locks(&seeder).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_holder_refreshes_its_lock_while_it_works() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();

    // GOVERN_LOCK_REFRESH_SECS=0: refreshed before every change, not every few minutes.
    let first_ou = proxy.hold("organizations:CreateOrganizationalUnit");
    let child = Govern::new(&[])
        .config(&sample())
        .state_dir(state.path())
        .args(&["apply", "--auto-approve"])
        .env("GOVERN_LOCK_REFRESH_SECS", "0")
        .through(&proxy, &emu)
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(first_ou.wait_until_held(Duration::from_secs(60)));
    let before = lock_description(&seeder).await;
    let second_ou = proxy.hold("organizations:CreateOrganizationalUnit");
    first_ou.release();
    assert!(second_ou.wait_until_held(Duration::from_secs(60)));
    assert!(
        proxy.count("organizations:UpdatePolicy") >= 1,
        "the lock was refreshed before the next change"
    );
    let after = lock_description(&seeder).await;
    assert_eq!(after["token"], before["token"], "the same holder");
    assert!(
        after["expires"].as_u64() >= before["expires"].as_u64(),
        "{before} → {after}"
    );
    assert!(after["refreshed"].as_u64().is_some(), "{after}");
    second_ou.release();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(locks(&seeder).await, 0);
}

/// The lock policy's description as JSON (read straight from the emulator).
async fn lock_description(seeder: &Seeder) -> serde_json::Value {
    let policies = seeder
        .org
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    let lock = policies
        .policies()
        .iter()
        .find(|p| p.name() == Some("govern-apply-lock"))
        .expect("the lock is held");
    serde_json::from_str(lock.description().unwrap()).unwrap()
}

/// The holder confirms its lock once every GOVERN_LOCK_CONFIRM_SECS, not before every change: the
/// same apply on two identical organizations, confirming before every change and once an hour,
/// differs by exactly one DescribePolicy a change (the demo's apply made 41 before).
#[tokio::test(flavor = "multi_thread")]
async fn the_lock_is_confirmed_once_an_interval_not_before_every_change() {
    let mut describes = Vec::new();
    let mut changes = Vec::new();
    for confirm in ["0", "3600"] {
        let emu = Emulator::start();
        let proxy = Proxy::start(&emu.endpoint(), Faults::default());
        let _organization = Seeder::new(&emu.sdk_config().await).await;
        let state = tempfile::tempdir().unwrap();
        let plan = run(&emu, &proxy, state.path(), &["plan", "--json"]);
        let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
        changes.push(plan["changes"].as_array().unwrap().len() as u64);
        let before = proxy.count("organizations:DescribePolicy");
        let out = command(&emu, &proxy, state.path(), &["apply", "--auto-approve"])
            .env("GOVERN_LOCK_CONFIRM_SECS", confirm)
            .env("GOVERN_LOCK_REFRESH_SECS", "3600")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        describes.push(proxy.count("organizations:DescribePolicy") - before);
    }
    assert_eq!(changes[0], changes[1]);
    assert!(changes[0] > 10, "{changes:?}");
    assert_eq!(
        describes[0] - describes[1],
        changes[0],
        "DescribePolicy with confirmation before every change, and once an hour: {describes:?}"
    );
}
