//! The kit against the real emulator: the brownfield shape, kill on drop, parallel servers.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use aws_sdk_organizations::types::{PolicyType, TargetType};
use aws_sdk_organizations::Client;
use govern_testkit::{demo_brownfield, Emulator, Seeder};

fn accepts(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

async fn ous_under(org: &Client, parent: &str) -> BTreeMap<String, String> {
    let out = org
        .list_organizational_units_for_parent()
        .parent_id(parent)
        .send()
        .await
        .unwrap();
    out.organizational_units()
        .iter()
        .map(|ou| (ou.name().unwrap().to_string(), ou.id().unwrap().to_string()))
        .collect()
}

async fn parent_of(org: &Client, child: &str) -> String {
    let out = org.list_parents().child_id(child).send().await.unwrap();
    assert_eq!(out.parents().len(), 1, "{child} has one parent");
    out.parents()[0].id().unwrap().to_string()
}

/// Names of the SCPs attached to a target.
async fn scps_on(org: &Client, target: &str) -> BTreeSet<String> {
    let out = org
        .list_policies_for_target()
        .target_id(target)
        .filter(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    out.policies()
        .iter()
        .map(|p| p.name().unwrap().to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn brownfield_has_exactly_the_documented_shape_and_drop_kills_the_server() {
    let emulator = Emulator::start();
    let port = emulator.port();
    assert_eq!(emulator.endpoint(), format!("http://127.0.0.1:{port}"));
    let env: BTreeMap<_, _> = emulator.env().into_iter().collect();
    assert_eq!(env["AWS_ENDPOINT_URL"], emulator.endpoint());
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert_eq!(env["AWS_CONFIG_FILE"], "/dev/null");

    let cfg = emulator.sdk_config().await;
    let seeder = demo_brownfield(&cfg).await;
    let org = &seeder.org;
    let root = seeder.root_id.clone();

    // OUs: Security, Workloads, Sandbox under the root; nothing below them.
    let top = ous_under(org, &root).await;
    assert_eq!(
        top.keys().cloned().collect::<BTreeSet<_>>(),
        set(&["Sandbox", "Security", "Workloads"])
    );
    for (name, id) in &top {
        assert!(
            ous_under(org, id).await.is_empty(),
            "{name} has no child OUs"
        );
    }

    // Accounts and where they sit.
    let accounts = org.list_accounts().send().await.unwrap();
    let by_name: BTreeMap<String, (String, String)> = accounts
        .accounts()
        .iter()
        .map(|a| {
            (
                a.name().unwrap().to_string(),
                (a.id().unwrap().to_string(), a.email().unwrap().to_string()),
            )
        })
        .collect();
    assert_eq!(
        by_name.keys().cloned().collect::<BTreeSet<_>>(),
        set(&["legacy-tools", "log-archive", "master", "prod-app"]),
        "the management account plus the three seeded ones"
    );
    let expect = [
        ("log-archive", "aws+log-archive@example.com", root.clone()),
        (
            "prod-app",
            "aws+prod-app@example.com",
            top["Workloads"].clone(),
        ),
        (
            "legacy-tools",
            "aws+legacy-tools@example.com",
            top["Sandbox"].clone(),
        ),
    ];
    for (name, email, parent) in expect {
        let (id, actual_email) = &by_name[name];
        assert_eq!(actual_email, email);
        assert_eq!(parent_of(org, id).await, parent, "parent of {name}");
    }

    // Policies: FullAWSAccess plus the two custom ones, with the documented content.
    let policies = org
        .list_policies()
        .filter(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    let ids: BTreeMap<String, String> = policies
        .policies()
        .iter()
        .map(|p| (p.name().unwrap().to_string(), p.id().unwrap().to_string()))
        .collect();
    assert_eq!(
        ids.keys().cloned().collect::<BTreeSet<_>>(),
        set(&["FullAWSAccess", "deny-leave-org", "legacy-deny-s3"])
    );
    let deny = org
        .describe_policy()
        .policy_id(&ids["deny-leave-org"])
        .send()
        .await
        .unwrap();
    let deny = deny.policy().unwrap();
    assert_eq!(deny.policy_summary().unwrap().description(), Some("old"));
    let doc: serde_json::Value = serde_json::from_str(deny.content().unwrap()).unwrap();
    assert_eq!(
        doc["Statement"][0]["Action"],
        serde_json::json!(["organizations:LeaveOrganization", "account:CloseAccount"])
    );
    assert_eq!(doc["Statement"][0]["Effect"], "Deny");

    // Attachments.
    assert_eq!(scps_on(org, &root).await, set(&["FullAWSAccess"]));
    let deny_targets = org
        .list_targets_for_policy()
        .policy_id(&ids["deny-leave-org"])
        .send()
        .await
        .unwrap();
    assert!(
        deny_targets.targets().is_empty(),
        "deny-leave-org is attached nowhere"
    );
    let roots = org.list_roots().send().await.unwrap();
    assert!(
        roots.roots()[0].policy_types().is_empty(),
        "no policy type enabled on the root"
    );
    assert_eq!(
        scps_on(org, &top["Security"]).await,
        set(&["FullAWSAccess", "legacy-deny-s3"])
    );
    for ou in ["Workloads", "Sandbox"] {
        assert_eq!(
            scps_on(org, &top[ou]).await,
            set(&["FullAWSAccess"]),
            "{ou}"
        );
    }
    for (name, (id, _)) in &by_name {
        assert_eq!(scps_on(org, id).await, set(&["FullAWSAccess"]), "{name}");
    }
    let targets = org
        .list_targets_for_policy()
        .policy_id(&ids["legacy-deny-s3"])
        .send()
        .await
        .unwrap();
    assert_eq!(targets.targets().len(), 1);
    assert_eq!(
        targets.targets()[0].r#type(),
        Some(&TargetType::OrganizationalUnit)
    );

    // Drop kills the server: the port stops accepting connections.
    assert!(accepts(port));
    drop(emulator);
    assert!(!accepts(port), "port {port} still accepts after drop");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_emulators_run_at_once_with_separate_state() {
    let a = Emulator::start();
    let b = Emulator::start();
    assert_ne!(a.port(), b.port());

    let seeder_a = Seeder::new(&a.sdk_config().await).await;
    let seeder_b = Seeder::new(&b.sdk_config().await).await;
    let ou = seeder_a.ou("Only/In/A").await;
    assert_eq!(seeder_a.ou("Only/In/A").await, ou, "ou() is idempotent");
    assert!(ous_under(&seeder_b.org, &seeder_b.root_id).await.is_empty());

    let id = seeder_b
        .account("only-in-b", "aws+only-in-b@example.com", Some("X"))
        .await;
    let x = &ous_under(&seeder_b.org, &seeder_b.root_id).await["X"];
    assert_eq!(&parent_of(&seeder_b.org, &id).await, x);
    let in_a = seeder_a.org.list_accounts().send().await.unwrap();
    assert_eq!(in_a.accounts().len(), 1, "only the management account in A");
}

#[test]
#[should_panic(expected = "cargo xtask test")]
fn a_missing_binary_panics_with_the_fix() {
    Emulator::start_with_binary("/nonexistent/moto_server");
}
