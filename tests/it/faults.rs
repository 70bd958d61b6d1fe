//! Throttling discipline: under 30% throttling on every operation, plan gives the same result as
//! without faults, and apply converges with no twins and no error shown to the user.

use crate::support::Govern;
use std::path::PathBuf;
use std::process::Output;

use govern_testkit::seed::demo_brownfield;
use govern_testkit::{Effect, Emulator, Faults, Proxy, Rule};
use serde_json::Value;

fn govern(emu: &Emulator, proxy: &Proxy, state: &std::path::Path, args: &[&str]) -> Output {
    Govern::new(&[])
        .config(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("org.toml"))
        .state_dir(state)
        .args(args)
        .through(proxy, emu)
        .command()
        .output()
        .expect("govern runs")
}

/// The plan's changes by address and action (ids of nothing in particular are not compared).
fn changes(out: &Output) -> Vec<(String, String)> {
    let v: Value = serde_json::from_slice(&out.stdout).expect("plan --json prints JSON");
    v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn thirty_percent_throttling_changes_nothing_the_user_sees() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    let seeder = demo_brownfield(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();

    let clean = govern(&emu, &proxy, state.path(), &["plan", "--json"]);
    assert!(clean.status.success());
    proxy.reset_counts();

    proxy.set_faults(Faults::seeded(7).rule(Rule::new("*", Effect::Throttle).probability(0.3)));
    let throttled = govern(&emu, &proxy, state.path(), &["plan", "--json"]);
    assert!(
        throttled.status.success(),
        "{}",
        String::from_utf8_lossy(&throttled.stderr)
    );
    assert_eq!(changes(&throttled), changes(&clean));
    let counts = proxy.counts();
    let total: u64 = counts.values().sum();
    eprintln!("requests for one plan under 30% throttling: {total}: {counts:?}");

    let apply = govern(&emu, &proxy, state.path(), &["apply", "--auto-approve"]);
    assert!(
        apply.status.success(),
        "{}{}",
        String::from_utf8_lossy(&apply.stdout),
        String::from_utf8_lossy(&apply.stderr)
    );
    assert!(
        String::from_utf8_lossy(&apply.stderr).trim().is_empty(),
        "no error shown"
    );

    proxy.set_faults(Faults::default());
    let after = govern(&emu, &proxy, state.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(after.status.code(), Some(0));
    let ous = seeder
        .org
        .list_organizational_units_for_parent()
        .parent_id(&seeder.root_id)
        .send()
        .await
        .unwrap();
    let mut names: Vec<_> = ous
        .organizational_units()
        .iter()
        .filter_map(|o| o.name())
        .collect();
    names.sort();
    assert_eq!(names, ["Sandbox", "Security", "Workloads"], "no twins");
    let accounts = seeder.org.list_accounts().send().await.unwrap();
    assert_eq!(accounts.accounts().len(), 6, "no twin accounts");
}

/// The client-side gates (issue 6): an in-flight cap set with --api-limit holds at the wire, and
/// the plan is the same; a malformed --api-limit is refused saying what is allowed.
#[tokio::test(flavor = "multi_thread")]
async fn api_limits_cap_requests_in_flight() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    demo_brownfield(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();
    // Slow Organizations down so that concurrent requests overlap at the proxy.
    proxy.set_faults(Faults::seeded(1).rule(Rule::latency(
        "organizations:*",
        std::time::Duration::from_millis(40),
    )));

    proxy.reset_counts();
    let free = govern(&emu, &proxy, state.path(), &["plan", "--json"]);
    assert!(
        free.status.success(),
        "{}",
        String::from_utf8_lossy(&free.stderr)
    );
    let free_peak = proxy.max_in_flight("organizations");
    assert!(
        free_peak > 1,
        "discovery overlaps Organizations reads ({free_peak})"
    );

    proxy.reset_counts();
    let capped = govern(
        &emu,
        &proxy,
        state.path(),
        &[
            "plan",
            "--json",
            "--api-limit",
            "organizations:*=inflight=1",
        ],
    );
    assert!(
        capped.status.success(),
        "{}",
        String::from_utf8_lossy(&capped.stderr)
    );
    assert_eq!(proxy.max_in_flight("organizations"), 1);
    assert_eq!(changes(&capped), changes(&free));

    let bad = govern(
        &emu,
        &proxy,
        state.path(),
        &["plan", "--api-limit", "organizations=3"],
    );
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--api-limit \"organizations=3\"")
            && err.contains("expected SERVICE:OPERATION=RATE[/s][,inflight=N]"),
        "{err}"
    );
}
