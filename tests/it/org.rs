//! The organization slice end to end: the real govern binary against the moto emulator.

use crate::support::Govern;
use std::path::{Path, PathBuf};
use std::process::Output;

use govern_testkit::seed::{demo_brownfield, Seeder};
use govern_testkit::{Emulator, Faults, Proxy};
use serde_json::Value;

use crate::support::golden;

/// The emulator behind the fault proxy, which answers the Account region opt-in APIs moto lacks.
struct Stack {
    emu: Emulator,
    proxy: Proxy,
}

impl Stack {
    fn start() -> Self {
        let emu = Emulator::start();
        let proxy = Proxy::start(&emu.endpoint(), Faults::default());
        Self { emu, proxy }
    }
    async fn sdk_config(&self) -> aws_config::SdkConfig {
        self.emu.sdk_config().await
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn govern(emu: &Stack, config: &Path, args: &[&str]) -> Output {
    Govern::new(&[])
        .config(config)
        .args(args)
        .through(&emu.proxy, &emu.emu)
        .run()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn plan_json(emu: &Stack, config: &Path) -> Value {
    let out = govern(emu, config, &["plan", "--json"]);
    assert!(out.status.success(), "plan failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("plan --json prints JSON")
}

fn addresses(plan: &Value, list: &str) -> Vec<String> {
    let mut v: Vec<String> = plan[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// Splits addresses into member-baseline changes (contacts, org-level logging) and the rest.
fn split_member_changes(all: Vec<String>) -> (Vec<String>, Vec<String>) {
    all.into_iter()
        .partition(|a| a.contains("/contact:") || a.starts_with("org:"))
}

fn sample() -> PathBuf {
    repo().join("org.toml")
}

fn apply_ok(emu: &Stack, config: &Path) -> String {
    let out = govern(emu, config, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply failed: {}", stderr(&out));
    stdout(&out)
}

fn assert_no_changes(emu: &Stack, config: &Path) {
    let out = govern(emu, config, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "expected no changes:\n{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("No changes."));
}

#[tokio::test(flavor = "multi_thread")]
async fn greenfield_apply_converges_and_is_idempotent() {
    let emu = Stack::start();
    let cfg = emu.sdk_config().await;
    let seeder = Seeder::new(&cfg).await;

    let plan = plan_json(&emu, &sample());
    let mut expected: Vec<String> = [
        "root:policy-type/SERVICE_CONTROL_POLICY",
        "ou:Security",
        "ou:Workloads",
        "ou:Workloads/Dev",
        "ou:Workloads/Prod",
        "scp:deny-leave-org",
        "scp:deny-root-user",
        "scp:protect-logging",
        "scp:region-deny",
        "account:audit",
        "account:dev-app",
        "account:log-archive",
        "account:prod-app",
        "attach:scp:deny-leave-org→root",
        "attach:scp:protect-logging→ou:Security",
        "attach:scp:deny-root-user→ou:Workloads",
        "attach:scp:region-deny→ou:Workloads/Prod",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    expected.sort();
    let (members, org_level) = split_member_changes(addresses(&plan, "changes"));
    assert_eq!(org_level, expected);
    // The baselines: three contacts in each of the five accounts (the four this plan creates
    // included, so one apply converges), trusted access and delegated admin for logging.
    assert_eq!(
        members.iter().filter(|a| a.contains("/contact:")).count(),
        15,
        "{members:?}"
    );
    for name in ["audit", "dev-app", "log-archive", "prod-app"] {
        assert!(members.contains(&format!("account:{name}/contact:security")));
    }
    assert_eq!(
        members
            .iter()
            .filter(|a| a.starts_with("org:"))
            .collect::<Vec<_>>(),
        [
            "org:delegated-admin/config-multiaccountsetup.amazonaws.com",
            "org:root-access/credentials-management",
            "org:root-access/root-sessions",
            "org:security-admin/guardduty/eu-west-1",
            "org:security-admin/guardduty/us-east-1",
            "org:service-access/cloudtrail.amazonaws.com",
            "org:service-access/config-multiaccountsetup.amazonaws.com",
            "org:service-access/config.amazonaws.com",
            "org:service-access/iam.amazonaws.com",
            // [logging.trail]: the key and bucket in log-archive (created by this plan), then
            // the trail; sorted here by address.
            "org:trail/bucket",
            "org:trail/bucket-policy",
            "org:trail/encryption",
            "org:trail/key",
            "org:trail/lifecycle",
            "org:trail/logging",
            "org:trail/object-lock",
            "org:trail/ownership",
            "org:trail/public-access-block",
            "org:trail/trail",
            "org:trail/versioning",
        ]
    );
    // + 3: [root_access] (trusted access for IAM, both features); + 2: [security] (GuardDuty's
    // administrator in the two allowed regions); + 3: the trail's key, bucket and trail.
    assert_eq!(plan["summary"]["add"], 16 + 4 + 3 + 2 + 3);
    // + 8: the trail's bucket properties and StartLogging.
    assert_eq!(plan["summary"]["change"], 1 + 15 + 8);

    let out = apply_ok(&emu, &sample());
    assert!(out.contains("Apply complete: 52 change(s) made"), "{out}");
    assert_no_changes(&emu, &sample());

    // What AWS holds now, read with the SDK rather than through govern.
    let accounts = seeder
        .org
        .list_accounts()
        .send()
        .await
        .unwrap()
        .accounts
        .unwrap_or_default();
    assert_eq!(
        accounts.len(),
        5,
        "four declared accounts and the management account"
    );
    let policies = seeder
        .org
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap()
        .policies
        .unwrap_or_default();
    let deny = policies
        .iter()
        .find(|p| p.name() == Some("deny-leave-org"))
        .expect("created");
    let tags = seeder
        .org
        .list_tags_for_resource()
        .resource_id(deny.id().unwrap())
        .send()
        .await
        .unwrap();
    assert!(tags
        .tags()
        .iter()
        .any(|t| t.key() == "managed-by" && t.value() == "govern"));

    // Idempotence: a second apply does nothing.
    let again = apply_ok(&emu, &sample());
    assert!(again.contains("No changes."));
    assert!(!again.contains("Apply complete"));
}

#[tokio::test(flavor = "multi_thread")]
async fn brownfield_plan_lists_exactly_the_differences_then_converges() {
    let emu = Stack::start();
    let cfg = emu.sdk_config().await;
    let seeder = demo_brownfield(&cfg).await;

    let plan = plan_json(&emu, &sample());
    let changes: Vec<(String, String)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_string(),
                c["address"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let ids = account_ids(&seeder).await;
    let log_archive = &ids["log-archive"];
    let prod_app = &ids["prod-app"];
    let (member_changes, _) =
        split_member_changes(changes.iter().map(|(_, a)| a.clone()).collect());
    // Contacts in the six accounts (the unmanaged legacy-tools too: baselines cover every account)
    // and the logging account's trusted access and delegation, then root access: trusted access
    // for IAM and its two features, then GuardDuty's administrator in the two allowed regions.
    // (config-multiaccountsetup is trusted as well as delegated: validate requires it, issue 13).
    // Then the organization trail: 11 parts (its key, bucket and each bucket property, the trail,
    // StartLogging).
    assert_eq!(
        member_changes.len(),
        6 * 3 + 4 + 3 + 2 + 11,
        "{member_changes:?}"
    );
    assert!(member_changes.contains(&format!("account:{}/contact:billing", ids["legacy-tools"])));
    let mut got: Vec<(String, String)> = changes
        .iter()
        .filter(|(_, a)| !member_changes.contains(a))
        .cloned()
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = [
        (
            "update",
            "root:policy-type/SERVICE_CONTROL_POLICY".to_string(),
        ),
        // the missing OUs
        ("create", "ou:Workloads/Dev".into()),
        ("create", "ou:Workloads/Prod".into()),
        // wrong SCP content
        ("update", "scp:deny-leave-org".into()),
        ("create", "scp:deny-root-user".into()),
        ("create", "scp:protect-logging".into()),
        ("create", "scp:region-deny".into()),
        ("create", "account:audit".into()),
        ("create", "account:dev-app".into()),
        // accounts in the wrong OU
        ("update", format!("account:{log_archive}/parent")),
        ("update", format!("account:{prod_app}/parent")),
        ("create", "attach:scp:deny-leave-org→root".into()),
        ("create", "attach:scp:protect-logging→ou:Security".into()),
        ("create", "attach:scp:deny-root-user→ou:Workloads".into()),
        ("create", "attach:scp:region-deny→ou:Workloads/Prod".into()),
        // the extra attachment
        ("delete", "attach:scp:legacy-deny-s3→ou:Security".into()),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b))
    .collect();
    want.sort();
    assert_eq!(got, want);

    // The order apply will use: parents first, attach before detach on the same target.
    let pos = |addr: &str| changes.iter().position(|(_, a)| a == addr).unwrap();
    assert!(pos("ou:Workloads/Prod") < pos(&format!("account:{prod_app}/parent")));
    assert!(
        pos("attach:scp:protect-logging→ou:Security")
            < pos("attach:scp:legacy-deny-s3→ou:Security")
    );

    let unmanaged = addresses(&plan, "unmanaged");
    let legacy = &ids["legacy-tools"];
    let mut want_unmanaged = vec![
        "ou:Sandbox".to_string(),
        "scp:legacy-deny-s3".to_string(),
        format!("account:{legacy}"),
        "account:123456789012".to_string(),
    ];
    want_unmanaged.sort();
    assert_eq!(unmanaged, want_unmanaged);

    // The text plan shows the SCP document as a diff of normalized JSON.
    let text = stdout(&govern(&emu, &sample(), &["plan"]));
    assert!(
        text.contains("Plan: 23 to add, 30 to change, 1 to remove."),
        "{text}"
    );
    assert!(text.contains("-") && text.contains("account:CloseAccount"));

    apply_ok(&emu, &sample());
    assert_no_changes(&emu, &sample());

    // Unmanaged things were left alone.
    let after = account_ids(&seeder).await;
    assert_eq!(after.get("legacy-tools"), Some(legacy));
    let ous = seeder
        .org
        .list_organizational_units_for_parent()
        .parent_id(&seeder.root_id)
        .send()
        .await
        .unwrap();
    assert!(ous
        .organizational_units()
        .iter()
        .any(|o| o.name() == Some("Sandbox")));
}

async fn account_ids(seeder: &Seeder) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut token = None;
    loop {
        let page = seeder
            .org
            .list_accounts()
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        for a in page.accounts() {
            out.insert(
                a.name().unwrap_or_default().to_string(),
                a.id().unwrap_or_default().to_string(),
            );
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return out;
        }
    }
}

/// More than 20 of everything, so every list call needs a second page (govern asks for pages of 20).
#[tokio::test(flavor = "multi_thread")]
async fn pagination_beyond_twenty_accounts_ous_and_policies() {
    let emu = Stack::start();
    let cfg = emu.sdk_config().await;
    let seeder = Seeder::new(&cfg).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scp")).unwrap();
    let mut toml = String::from(
        "[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n\n",
    );
    let doc = |i: usize| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"svc{i}:*","Resource":"*"}}]}}"#
        )
    };
    for i in 0..22 {
        std::fs::write(dir.path().join(format!("scp/p{i}.json")), doc(i)).unwrap();
        toml.push_str(&format!("[policies.p{i}]\nfile = \"scp/p{i}.json\"\n"));
        // Half of them exist already, with the same document.
        if i % 2 == 0 {
            seeder.policy(&format!("p{i}"), &doc(i), "").await;
        }
    }
    for i in 0..21 {
        toml.push_str(&format!("[ous.\"Big/ou{i}\"]\n"));
    }
    seeder.ou("Big/ou0").await;
    for i in 0..25 {
        let ou = format!("Big/ou{}", i % 21);
        toml.push_str(&format!(
            "[accounts.acct{i}]\nemail = \"acct{i}@example.com\"\nou = \"{ou}\"\npolicies = [\"FullAWSAccess\", \"p{}\"]\n",
            i % 22
        ));
        // Most accounts exist already, all of them under the root.
        if i < 23 {
            seeder
                .account(&format!("acct{i}"), &format!("acct{i}@example.com"), None)
                .await;
        }
    }
    let config = dir.path().join("org.toml");
    std::fs::write(&config, toml).unwrap();

    let plan = plan_json(&emu, &config);
    let creates: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "create")
        .map(|c| c["address"].as_str().unwrap())
        .filter(|a| a.starts_with("account:acct") || a.starts_with("scp:"))
        .collect();
    // Accounts beyond the first page are found (no duplicates planned), and only the missing policies.
    assert_eq!(creates.len(), 2 + 11, "{creates:?}");
    apply_ok(&emu, &config);
    assert_no_changes(&emu, &config);
    let listed = account_ids(&seeder).await;
    assert_eq!(listed.len(), 26);
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_without_a_terminal_refuses_and_changes_nothing() {
    let emu = Stack::start();
    let cfg = emu.sdk_config().await;
    let _ = Seeder::new(&cfg).await;
    let out = govern(&emu, &sample(), &["apply"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("refusing to apply without a terminal to confirm on"));
    assert!(stderr(&out).contains("govern apply --auto-approve"));
    let plan = plan_json(&emu, &sample());
    // 23, [security]'s two, and the organization trail's key, bucket and trail.
    assert_eq!(plan["summary"]["add"], 28, "nothing was applied");
}

#[tokio::test(flavor = "multi_thread")]
async fn detailed_exitcode_and_wrong_management_account() {
    let emu = Stack::start();
    let cfg = emu.sdk_config().await;
    let _ = Seeder::new(&cfg).await;
    let out = govern(&emu, &sample(), &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2));

    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("org.toml");
    std::fs::write(
        &other,
        "[organization]\nmanagement_account = \"999999999999\"\nhome_region = \"us-east-1\"\n",
    )
    .unwrap();
    let out = govern(&emu, &other, &["plan"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the credentials belong to account 123456789012, but org.toml declares management account 999999999999"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_name_taken_with_another_email_is_a_conflict() {
    let emu = Stack::start();
    let cfg = emu.sdk_config().await;
    let seeder = Seeder::new(&cfg).await;
    let id = seeder
        .account("audit", "someone-else@example.com", None)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("org.toml");
    std::fs::write(
        &config,
        "[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n\n\
         [accounts.audit]\nemail = \"aws+audit@example.com\"\n",
    )
    .unwrap();
    let out = govern(&emu, &config, &["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains(&format!(
        "an account named `audit` already exists ({id}, someone-else@example.com)"
    )));
    assert!(stderr(&out).contains("the plan has 1 conflict"));
    let out = govern(&emu, &config, &["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        account_ids(&seeder).await.len(),
        2,
        "no second account was created"
    );
}

/// Golden outputs (tests/it/golden/demo/) of the demo: the brownfield organization and the sample
/// org.toml (copied with its policy files into a temp dir, so state stays out of the repo). Ids
/// come from a seeded emulator.
#[tokio::test(flavor = "multi_thread")]
async fn golden_outputs_of_the_demo_organization() {
    use golden::{assert_golden, by_names, files_under, normalize};
    let emu = Stack::start();
    emu.emu.seed_ids(9);
    let cfg = emu.sdk_config().await;
    demo_brownfield(&cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::copy(sample(), root.join("org.toml")).unwrap();
    std::fs::create_dir_all(root.join("baselines/scp")).unwrap();
    for entry in std::fs::read_dir(repo().join("baselines/scp")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            root.join("baselines/scp").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    let config = root.join("org.toml");
    let run = |args: &[&str]| {
        let out = govern(&emu, &config, args);
        (out.status.code(), normalize(&stdout(&out), root))
    };
    let (code, plan) = run(&["plan", "--json"]);
    assert_eq!(code, Some(0));
    assert_golden("demo/plan.json", &plan);
    let (_, text) = run(&["plan"]);
    assert_golden("demo/plan.txt", &text);
    let (_, markdown) = run(&["plan", "--format", "markdown"]);
    assert_golden("demo/plan.md", &markdown);
    let (_, drift) = run(&["drift", "--format", "json"]);
    assert_golden("demo/drift-before.json", &drift);
    let imported = root.join("imported");
    std::fs::create_dir_all(&imported).unwrap();
    run(&[
        "import",
        "--out",
        imported.join("org.toml").to_str().unwrap(),
    ]);
    // org.schema.json is the binary's schema (tests/it/schema.rs checks it), not the import's.
    for (name, text) in files_under(&imported)
        .into_iter()
        .filter(|(name, _)| name != "org.schema.json")
    {
        assert_golden(&format!("demo/import/{name}"), &normalize(&text, root));
    }
    // Apply creates OUs and accounts: seeded again, their ids do not depend on how many random
    // draws the reads before took.
    emu.emu.seed_ids(10);
    let (code, _) = run(&["apply", "--auto-approve"]);
    assert_eq!(code, Some(0));
    let (_, drift) = run(&["drift", "--format", "json"]);
    let bundle = root.join("bundle");
    run(&["evidence", "--out", bundle.to_str().unwrap()]);
    let organization =
        std::fs::read_to_string(bundle.join("state/organization.json")).expect("organization");
    assert_golden("demo/drift-after.json", &by_names(&drift, &organization));
    let controls = std::fs::read_to_string(bundle.join("controls.json")).expect("controls.json");
    assert_golden(
        "demo/controls.json",
        &by_names(&normalize(&controls, root), &organization),
    );
}
