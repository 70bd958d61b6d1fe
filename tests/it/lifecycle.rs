//! Issue 15 items 3–5: tags on OUs, accounts and policies (declared, applied, drifted, imported),
//! renames of OUs and accounts, online validation and effective policies. The real binary against
//! moto through the test proxy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use ::govern::config::{self, Problem};
use govern_testkit::seed::Seeder;
use govern_testkit::{Emulator, Faults, Proxy};
use serde_json::Value;

use crate::support::Govern;

struct Stack {
    emu: Emulator,
    proxy: Proxy,
}

impl Stack {
    async fn start() -> (Self, Seeder) {
        let emu = Emulator::start();
        let proxy = Proxy::start(&emu.endpoint(), Faults::default());
        let cfg = proxy.sdk_config().await;
        let seeder = Seeder::new(&cfg).await;
        (Self { emu, proxy }, seeder)
    }
    fn run(&self, config: &Path, args: &[&str]) -> Output {
        Govern::new(&[])
            .config(config)
            .args(args)
            .through(&self.proxy, &self.emu)
            .run()
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn addresses(plan: &Value) -> Vec<String> {
    let mut out: Vec<String> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

const BASE: &str =
    "[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n";
const SCP: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "NoLeave", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}"#;

fn write(dir: &Path, toml: &str) -> PathBuf {
    std::fs::write(dir.join("deny-leave.json"), SCP).unwrap();
    let path = dir.join("org.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

async fn tags_of(org: &aws_sdk_organizations::Client, id: &str) -> BTreeMap<String, String> {
    org.list_tags_for_resource()
        .resource_id(id)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn policy_id(org: &aws_sdk_organizations::Client, name: &str) -> String {
    let out = org
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    out.policies()
        .iter()
        .find(|p| p.name() == Some(name))
        .and_then(|p| p.id())
        .unwrap()
        .to_string()
}

// ---- tags -------------------------------------------------------------------------------------

fn tags_problems(body: &str) -> (PathBuf, Vec<String>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &format!("{BASE}{body}"));
    let e = match config::load(&path) {
        Ok(_) => panic!("expected problems in:\n{body}"),
        Err(e) => e,
    };
    let lines = e.problems.iter().map(Problem::to_string).collect();
    (path, lines, dir)
}

#[test]
fn tags_are_checked_against_aws_rules_with_file_line_and_key() {
    let long_key = "k".repeat(129);
    let long_value = "v".repeat(257);
    let (path, problems, _dir) = tags_problems(&format!(
        "[policies.deny-leave]\nfile = \"deny-leave.json\"\ntags = {{ managed-by = \"me\", \"aws:owner\" = \"x\" }}\n\
         [ous.Workloads]\ntags = {{ {long_key} = \"x\", team = \"{long_value}\" }}\n\
         [accounts.a]\nemail = \"aws+a@example.com\"\ntags = {{ owner = 7 }}\n\
         [ous.Empty]\ntags = \"owner\"\n"
    ));
    let at = |rest: &str| format!("{}{rest}", path.display());
    assert_eq!(
        problems,
        [
            at(":6:10: policies.deny-leave.tags.managed-by: `managed-by` is govern's own tag"),
            at(":6:29: policies.deny-leave.tags.\"aws:owner\": tag key `aws:owner` begins with `aws:`, which AWS reserves for its own tags"),
            at(&format!(":8:10: ous.Workloads.tags.{long_key}: tag key `{long_key}` is 129 characters: AWS allows 1 to 128")),
            at(":8:154: ous.Workloads.tags.team: the value of tag `team` is 257 characters: AWS allows at most 256"),
            at(":11:18: accounts.a.tags.owner: expected a string, found an integer"),
            at(":13:8: ous.Empty.tags: expected a table, found a string"),
        ]
    );

    // 50 tags: one over what a declaration may hold, govern's own managed-by being the 50th.
    let fifty: Vec<String> = (0..50).map(|i| format!("k{i} = \"v\"")).collect();
    let (path, problems, _dir) = tags_problems(&format!(
        "[ous.Workloads]\ntags = {{ {} }}\n",
        fifty.join(", ")
    ));
    assert_eq!(
        problems,
        [format!(
            "{}:5:8: ous.Workloads.tags: 50 tags: AWS allows 50 on one resource, and govern keeps one of them (managed-by)",
            path.display()
        )]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_are_applied_replanned_empty_drifted_and_imported() {
    let (stack, seeder) = Stack::start().await;
    let org = &seeder.org;
    let account = seeder.account("prod-app", "prod@example.com", None).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        &format!(
            "{BASE}\n[policies.deny-leave]\nfile = \"deny-leave.json\"\ntags = {{ owner = \"security\" }}\n\
             \n[ous.Workloads]\ntags = {{ team = \"platform\" }}\n\
             \n[ous.Sandbox]\n\
             \n[accounts.prod-app]\nemail = \"prod@example.com\"\nou = \"Workloads\"\n\
             tags = {{ owner = \"alice\", env = \"prod\" }}\n"
        ),
    );
    let out = stack.run(&config, &["plan", "--json"]);
    assert!(out.status.success(), "plan: {}", text(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        addresses(&plan),
        [
            format!("account:{account}/parent"),
            "ou:Sandbox".to_string(),
            "ou:Workloads".to_string(),
            "scp:deny-leave".to_string(),
            format!("tags:account:{account}"),
        ],
        "{plan:#}"
    );
    let out = stack.run(&config, &["plan"]);
    let shown = text(&out);
    assert!(
        shown.contains(&format!("~ tags:account:{account}")) && shown.contains("+ env = \"prod\""),
        "{shown}"
    );

    let out = stack.run(&config, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply: {}", text(&out));
    let workloads = seeder.ou("Workloads").await;
    let sandbox = seeder.ou("Sandbox").await;
    let policy = policy_id(org, "deny-leave").await;
    assert_eq!(
        tags_of(org, &workloads).await,
        map(&[("managed-by", "govern"), ("team", "platform")])
    );
    assert_eq!(
        tags_of(org, &account).await,
        map(&[("env", "prod"), ("owner", "alice")])
    );
    assert_eq!(
        tags_of(org, &policy).await,
        map(&[("managed-by", "govern"), ("owner", "security")])
    );
    let out = stack.run(&config, &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "re-plan: {}", text(&out));

    // Out of band: a key removed and one added on the account, a value changed on the OU, the
    // policy's own tag removed; an OU without `tags` tagged (it keeps them: not drift).
    org.untag_resource()
        .resource_id(&account)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let tag = |k: &str, v: &str| {
        aws_sdk_organizations::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .unwrap()
    };
    for (id, k, v) in [
        (&account, "extra", "x"),
        (&workloads, "team", "other"),
        (&sandbox, "team", "anyone"),
    ] {
        org.tag_resource()
            .resource_id(id)
            .tags(tag(k, v))
            .send()
            .await
            .unwrap();
    }
    org.untag_resource()
        .resource_id(&policy)
        .tag_keys("owner")
        .send()
        .await
        .unwrap();
    let out = stack.run(&config, &["drift", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["classification"], "drift", "{report:#}");
    assert_eq!(
        addresses(&report["plan"]),
        [
            "scp:deny-leave".to_string(),
            format!("tags:account:{account}"),
            "tags:ou:Workloads".to_string(),
        ],
        "{report:#}"
    );

    let out = stack.run(&config, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply again: {}", text(&out));
    assert_eq!(
        tags_of(org, &account).await,
        map(&[("env", "prod"), ("owner", "alice")])
    );
    assert_eq!(
        tags_of(org, &workloads).await,
        map(&[("managed-by", "govern"), ("team", "platform")])
    );
    assert_eq!(
        tags_of(org, &sandbox).await,
        map(&[("managed-by", "govern"), ("team", "anyone")])
    );
    // The declared table omits managed-by; the policy keeps it.
    assert_eq!(
        tags_of(org, &policy).await,
        map(&[("managed-by", "govern"), ("owner", "security")])
    );

    // Import: every OU's and account's tags declared (managed-by implicit), and a zero-change plan.
    let again = tempfile::tempdir().unwrap();
    let imported = again.path().join("org.toml");
    let out = stack.run(&imported, &["import", "--out", imported.to_str().unwrap()]);
    assert!(out.status.success(), "import: {}", text(&out));
    let written = std::fs::read_to_string(&imported).unwrap();
    for line in [
        "tags = { owner = \"security\" }",
        "tags = { team = \"platform\" }",
        "tags = { team = \"anyone\" }",
        "tags = { env = \"prod\", owner = \"alice\" }",
    ] {
        assert!(written.contains(line), "{line} in:\n{written}");
    }
    assert!(!written.contains("managed-by"), "{written}");
    let out = stack.run(&imported, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "plan after import: {}\n{written}",
        text(&out)
    );
}

// ---- renames ----------------------------------------------------------------------------------

#[test]
fn ou_renames_keep_their_parent_and_name_declared_paths() {
    let (path, problems, _dir) = tags_problems(
        "[ous.\"Workloads/New\"]\n[ous.Other]\n[ous.\"Workloads/Kept\"]\n\
         [[moved]]\nfrom = \"ou:Workloads/Old\"\nto = \"ou:Other\"\n\
         [[moved]]\nfrom = \"ou:Workloads/Old\"\nto = \"ou:Workloads/Nope\"\n\
         [[moved]]\nfrom = \"ou:Workloads/Kept\"\nto = \"ou:Workloads/New\"\n\
         [[moved]]\nfrom = \"ou:Workloads/Old\"\nto = \"scp:x\"\n",
    );
    let at = |rest: &str| format!("{}{rest}", path.display());
    assert_eq!(
        problems,
        [
            at(":9:6: moved.to: `ou:Other` is not under the parent of `ou:Workloads/Old`: an OU rename keeps its parent"),
            at(":12:6: moved.to: no OU `Workloads/Nope` is declared under [ous]"),
            at(":14:8: moved.from: `Workloads/Kept` is still declared under [ous] (or implied by a deeper path): a moved OU has only its new path"),
            at(":18:6: moved.to: `scp:x` is not an OU address: `from` and `to` are both OUs or both policies"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ou_rename_keeps_its_id_its_ous_and_its_accounts() {
    let (stack, seeder) = Stack::start().await;
    let org = &seeder.org;
    let account = seeder.account("prod-app", "prod@example.com", None).await;
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(
        dir.path(),
        &format!(
            "{BASE}\n[policies.deny-leave]\nfile = \"deny-leave.json\"\n\
             \n[ous.\"Workloads/Old\"]\npolicies = [\"FullAWSAccess\", \"deny-leave\"]\ntags = {{ team = \"platform\" }}\n\
             \n[ous.\"Workloads/Old/Inner\"]\n\
             \n[accounts.prod-app]\nemail = \"prod@example.com\"\nou = \"Workloads/Old\"\n"
        ),
    );
    let out = stack.run(&v1, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply v1: {}", text(&out));
    let old_id = seeder.ou("Workloads/Old").await;
    let inner_id = seeder.ou("Workloads/Old/Inner").await;

    let v2 = write(
        dir.path(),
        &format!(
            "{BASE}\n[policies.deny-leave]\nfile = \"deny-leave.json\"\n\
             \n[ous.\"Workloads/New\"]\npolicies = [\"FullAWSAccess\", \"deny-leave\"]\ntags = {{ team = \"platform\" }}\n\
             \n[ous.\"Workloads/New/Inner\"]\n\
             \n[accounts.prod-app]\nemail = \"prod@example.com\"\nou = \"Workloads/New\"\n\
             \n[[moved]]\nfrom = \"ou:Workloads/Old\"\nto = \"ou:Workloads/New\"\n"
        ),
    );
    let out = stack.run(&v2, &["plan", "--json"]);
    assert!(out.status.success(), "plan: {}", text(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(addresses(&plan), ["ou:Workloads/New"], "{plan:#}");
    assert_eq!(plan["changes"][0]["action"], "update");
    let shown = text(&stack.run(&v2, &["plan"]));
    assert!(
        shown.contains("~ ou:Workloads/New")
            && shown.contains(
                "name: \"Old\" → \"New\" ([[moved]]; the OU, its id, its OUs and accounts stay)"
            ),
        "{shown}"
    );

    let out = stack.run(&v2, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply v2: {}", text(&out));
    let workloads = seeder.ou("Workloads").await;
    let children = org
        .list_organizational_units_for_parent()
        .parent_id(&workloads)
        .send()
        .await
        .unwrap();
    let names: Vec<(&str, &str)> = children
        .organizational_units()
        .iter()
        .map(|o| (o.name().unwrap(), o.id().unwrap()))
        .collect();
    assert_eq!(names, [("New", old_id.as_str())], "the same OU, renamed");
    let inner = org
        .list_organizational_units_for_parent()
        .parent_id(&old_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        inner.organizational_units()[0].id(),
        Some(inner_id.as_str())
    );
    let parents = org.list_parents().child_id(&account).send().await.unwrap();
    assert_eq!(parents.parents()[0].id(), Some(old_id.as_str()));
    assert_eq!(
        tags_of(org, &old_id).await,
        map(&[("managed-by", "govern"), ("team", "platform")])
    );
    let out = stack.run(&v2, &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "re-plan: {}", text(&out));
}

/// `accounts.<key>.name` by AWS's rules for PutAccountName's AccountName (Account Management API
/// reference: length 1 to 50, pattern `[ -;=?-~]+`: printable ASCII without `<` and `>`).
#[test]
fn account_names_are_checked_against_aws_rules_with_file_line_and_key() {
    let long = "n".repeat(51);
    let (path, problems, _dir) = tags_problems(&format!(
        "[accounts.a]\nemail = \"aws+a@example.com\"\nname = \"\"\n\
         [accounts.b]\nemail = \"aws+b@example.com\"\nname = \"{long}\"\n\
         [accounts.c]\nemail = \"aws+c@example.com\"\nname = \"Prod <EU>\"\n\
         [accounts.d]\nemail = \"aws+d@example.com\"\nname = \"Produção\"\n\
         [accounts.e]\nemail = \"aws+e@example.com\"\nname = 7\n"
    ));
    let at = |rest: &str| format!("{}{rest}", path.display());
    assert_eq!(
        problems,
        [
            at(":6:8: accounts.a.name: the account name is empty: AWS allows 1 to 50 characters"),
            at(&format!(":9:8: accounts.b.name: the account name `{long}` is 51 characters: AWS allows 1 to 50")),
            at(":12:8: accounts.c.name: the account name `Prod <EU>` has `<`: AWS allows printable ASCII (space to `~`) except `<` and `>`"),
            at(":15:8: accounts.d.name: the account name `Produção` has `ç`: AWS allows printable ASCII (space to `~`) except `<` and `>`"),
            at(":18:8: accounts.e.name: expected a string, found an integer"),
        ]
    );
}

/// A declared `name` that differs from AWS's is a `rename_account` change (`~ account:<id>`),
/// applied with PutAccountName from inside the member account (the proxy answers it: moto 5.2.5
/// has no PutAccountName, and the proxy shows the name in moto's Organizations answers); the
/// account keeps its id, a re-plan is empty, and a rename behind govern's back is drift.
#[tokio::test(flavor = "multi_thread")]
async fn an_account_rename_is_planned_applied_and_keeps_its_id() {
    let (stack, seeder) = Stack::start().await;
    let org = &seeder.org;
    let account = seeder.account("prod-app", "prod@example.com", None).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        &format!(
            "{BASE}\n[accounts.prod]\nemail = \"prod@example.com\"\nname = \"Production App\"\n\
             \n[accounts.management]\nid = \"123456789012\"\nemail = \"master@example.com\"\nname = \"Management\"\n"
        ),
    );
    let out = stack.run(&config, &["plan", "--json"]);
    assert!(out.status.success(), "plan: {}", text(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The management account too: renamed with govern's own credentials.
    // `addresses` sorts; moto draws the member's id, which may sort either side of the management's.
    let mut expected = vec![
        "account:123456789012".to_string(),
        format!("account:{account}"),
    ];
    expected.sort();
    assert_eq!(addresses(&plan), expected, "{plan:#}");
    let change = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == format!("account:{account}"))
        .unwrap();
    assert_eq!(change["action"], "update");
    assert_eq!(change["change"]["type"], "rename_account", "{change:#}");
    assert_eq!(change["change"]["before"], "prod-app");
    assert_eq!(change["change"]["after"], "Production App");
    let shown = text(&stack.run(&config, &["plan"]));
    assert!(
        shown.contains(&format!("~ account:{account}"))
            && shown.contains("name: \"prod-app\" → \"Production App\""),
        "{shown}"
    );

    stack.proxy.reset_counts();
    let out = stack.run(&config, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply: {}", text(&out));
    assert_eq!(stack.proxy.count("account:PutAccountName"), 2);
    let management = org
        .describe_account()
        .account_id("123456789012")
        .send()
        .await
        .unwrap();
    assert_eq!(management.account().unwrap().name(), Some("Management"));
    let described = org
        .describe_account()
        .account_id(&account)
        .send()
        .await
        .unwrap();
    let described = described.account().unwrap();
    assert_eq!(described.name(), Some("Production App"));
    assert_eq!(described.id(), Some(account.as_str()), "the same account");
    let out = stack.run(&config, &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "re-plan: {}", text(&out));
    let out = stack.run(&config, &["drift", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "drift after apply: {}",
        text(&out)
    );

    // Renamed out of band (from the management account, naming the member): drift.
    aws_sdk_account::Client::new(&stack.proxy.sdk_config().await)
        .put_account_name()
        .account_id(&account)
        .account_name("someone else's name")
        .send()
        .await
        .unwrap();
    let out = stack.run(&config, &["drift", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["classification"], "drift", "{report:#}");
    assert_eq!(
        addresses(&report["plan"]),
        [format!("account:{account}")],
        "{report:#}"
    );

    // Evidence records the name AWS has.
    let bundle = dir.path().join("bundle");
    let out = stack.run(&config, &["evidence", "--out", bundle.to_str().unwrap()]);
    assert!(out.status.success(), "evidence: {}", text(&out));
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(bundle.join(format!("state/accounts/{account}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(state["name"], "someone else's name", "{state:#}");
}

/// Without `name`, nothing about an account's name is planned, even when its key is not its AWS
/// name (files written before `name` existed must not start renaming accounts).
#[tokio::test(flavor = "multi_thread")]
async fn without_a_name_an_accounts_name_is_left_alone() {
    let (stack, seeder) = Stack::start().await;
    seeder.account("prod-app", "prod@example.com", None).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        &format!("{BASE}\n[accounts.production]\nemail = \"prod@example.com\"\n"),
    );
    stack.proxy.reset_counts();
    let out = stack.run(&config, &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "plan: {}", text(&out));
}

/// Import declares `name` only where the key differs from the AWS name (two accounts named
/// alike: the second's key carries its id), and the imported file plans empty; a name declared for
/// a new account is CreateAccount's name.
#[tokio::test(flavor = "multi_thread")]
async fn import_declares_a_name_that_keys_differently_and_plans_empty() {
    let (stack, seeder) = Stack::start().await;
    let first = seeder.account("Shared", "shared1@example.com", None).await;
    let second = seeder.account("Shared", "shared2@example.com", None).await;
    let (low, high) = if first < second {
        (first, second)
    } else {
        (second, first)
    };
    seeder.account("sandbox", "sandbox@example.com", None).await;
    let dir = tempfile::tempdir().unwrap();
    let imported = dir.path().join("org.toml");
    let out = stack.run(&imported, &["import", "--out", imported.to_str().unwrap()]);
    assert!(out.status.success(), "import: {}", text(&out));
    let written = std::fs::read_to_string(&imported).unwrap();
    assert!(
        written.contains(&format!(
            "[accounts.\"Shared ({high})\"]\nid = \"{high}\"\nemail = "
        )) && written.contains("\nname = \"Shared\"\n"),
        "the name in:\n{written}"
    );
    assert!(
        written.contains(&format!("[accounts.Shared]\nid = \"{low}\"")),
        "{written}"
    );
    assert_eq!(
        written.matches("\nname = ").count(),
        1,
        "only where the key differs:\n{written}"
    );
    let out = stack.run(&imported, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "plan after import: {}\n{written}",
        text(&out)
    );

    // A new account with a declared name is created under it.
    let config = write(
        dir.path(),
        &format!("{BASE}\n[accounts.new-one]\nemail = \"new@example.com\"\nname = \"New One\"\n"),
    );
    let out = stack.run(&config, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply: {}", text(&out));
    let listed = seeder.org.list_accounts().send().await.unwrap();
    assert!(
        listed
            .accounts()
            .iter()
            .any(|a| a.name() == Some("New One") && a.email() == Some("new@example.com")),
        "{listed:?}"
    );
    let out = stack.run(&config, &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "re-plan: {}", text(&out));
}

// ---- validate --online ------------------------------------------------------------------------

const RCP_WITH_MISTAKES: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "OrgOnly",
      "Effect": "Deny",
      "Principal": "*",
      "Action": ["s3:GetObject", "s3:GetObjectt"],
      "Resource": "*",
      "Condition": {
        "StringNotEqualsIfExists": { "aws:PrincipleOrgID": "o-aa111bb222" },
        "BoolIfExists": { "aws:PrincipalIsAWSService": "false" }
      }
    }
  ]
}
"#;

const SCP_WITH_A_WARNING: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Deny", "Action": "s3:PutObjectAcll", "Resource": "*" }
  ]
}
"#;

/// The proxy answers ValidatePolicy (moto has no Access Analyzer); findings come back with spans
/// in the document as sent, which is the file as written: the file's own lines and columns.
#[tokio::test(flavor = "multi_thread")]
async fn validate_online_shows_access_analyzer_findings_at_file_and_line() {
    let (stack, _seeder) = Stack::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rcp.json"), RCP_WITH_MISTAKES).unwrap();
    std::fs::write(dir.path().join("scp.json"), SCP_WITH_A_WARNING).unwrap();
    let config = write(
        dir.path(),
        &format!(
            "{BASE}\n[policies.org-only]\nkind = \"rcp\"\nfile = \"rcp.json\"\n\
             \n[policies.no-acl]\nfile = \"scp.json\"\n"
        ),
    );
    // Offline, both are valid.
    let out = stack.run(&config, &["validate"]);
    assert!(out.status.success(), "{}", text(&out));

    let out = stack.run(&config, &["validate", "--online"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rcp = dir.path().join("rcp.json");
    let scp = dir.path().join("scp.json");
    let lines: Vec<&str> = stdout.lines().skip(1).collect();
    let link = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html";
    assert_eq!(
        lines,
        [
            format!("{}:4:35: warning: UNKNOWN_ACTION: The action s3:PutObjectAcll does not exist. ({link}#unknown_action)", scp.display()),
            format!("{}:8:34: warning: UNKNOWN_ACTION: The action s3:GetObjectt does not exist. ({link}#unknown_action)", rcp.display()),
            format!("{}:11:38: error: INVALID_GLOBAL_CONDITION_KEY: The condition key aws:PrincipleOrgID is not a valid global condition key. ({link}#invalid_global_condition_key)", rcp.display()),
            "IAM Access Analyzer: 1 error(s), 2 other finding(s).".to_string(),
        ],
        "{}",
        text(&out)
    );
    // An error fails validation.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    // Warnings alone are shown and pass.
    std::fs::write(
        dir.path().join("rcp.json"),
        RCP_WITH_MISTAKES
            .replace("Principle", "Principal")
            .replace("GetObjectt", "PutObject"),
    )
    .unwrap();
    let out = stack.run(&config, &["validate", "--online"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("warning: UNKNOWN_ACTION: The action s3:PutObjectAcll"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("IAM Access Analyzer: 0 error(s), 1 other finding(s).\n"),
        "{stdout}"
    );
}

/// `govern validate --online --format sarif`: Access Analyzer's findings as SARIF 2.1.0 results, a
/// rule per finding code, at the policy file (relative to the directory govern runs in, which is
/// org.toml's here, as in CI) and the finding's line and column; errors exit 1.
#[tokio::test(flavor = "multi_thread")]
async fn validate_online_findings_as_sarif() {
    let (stack, _seeder) = Stack::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rcp.json"), RCP_WITH_MISTAKES).unwrap();
    std::fs::write(dir.path().join("scp.json"), SCP_WITH_A_WARNING).unwrap();
    write(
        dir.path(),
        &format!(
            "{BASE}\n[policies.org-only]\nkind = \"rcp\"\nfile = \"rcp.json\"\n\
             \n[policies.no-acl]\nfile = \"scp.json\"\n"
        ),
    );
    let out = Govern::new(&[
        "validate", "--online", "--format", "sarif", "--config", "org.toml",
    ])
    .through(&stack.proxy, &stack.emu)
    .command()
    .current_dir(dir.path())
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let log: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
    // What SARIF 2.1.0's schema requires: version and runs; a run's tool.driver.name; a result's
    // message.text.
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"]
        .as_str()
        .unwrap()
        .contains("sarif-schema-2.1.0"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "govern");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules: Vec<&str> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{log:#}");
    for r in results {
        assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index], r["ruleId"].as_str().unwrap(), "{log:#}");
    }
    let error = results
        .iter()
        .find(|r| r["level"] == "error")
        .unwrap_or_else(|| panic!("{log:#}"));
    assert_eq!(
        error["ruleId"],
        "access-analyzer/INVALID_GLOBAL_CONDITION_KEY"
    );
    assert!(error["message"]["text"]
        .as_str()
        .unwrap()
        .contains("The condition key aws:PrincipleOrgID is not a valid global condition key."));
    let location = &error["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "rcp.json");
    assert_eq!(location["region"]["startLine"], 11);
    assert_eq!(location["region"]["startColumn"], 38);
    let warnings: Vec<(&str, &str)> = results
        .iter()
        .filter(|r| r["level"] == "warning")
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap(),
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        warnings,
        [
            ("access-analyzer/UNKNOWN_ACTION", "scp.json"),
            ("access-analyzer/UNKNOWN_ACTION", "rcp.json"),
        ]
    );
    assert_eq!(
        rules
            .iter()
            .filter(|r| r.starts_with("access-analyzer/"))
            .count(),
        2,
        "one rule per finding code: {rules:?}"
    );
}

// ---- effective policies -----------------------------------------------------------------------

/// An evidence bundle holds each account's effective policy of each management policy type the
/// file declares, and says where AWS computes none. moto has no DescribeEffectivePolicy: the proxy
/// answers it, for chat applications policies (which it keeps) and tag policies (moto's). The tag
/// policy first failed evidence with moto's HTML "not implemented" answer.
#[tokio::test(flavor = "multi_thread")]
async fn evidence_holds_each_accounts_effective_management_policies() {
    let (stack, seeder) = Stack::start().await;
    let inside = seeder.account("prod-app", "prod@example.com", None).await;
    let outside = seeder.account("sandbox", "sandbox@example.com", None).await;
    let dir = tempfile::tempdir().unwrap();
    let chatbot = r#"{"chatbot": {"platforms": {"slack": {"client": {"@@assign": "disabled"}}}}}"#;
    std::fs::write(dir.path().join("chatbot.json"), chatbot).unwrap();
    std::fs::write(
        dir.path().join("tag.json"),
        r#"{"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"}}}}"#,
    )
    .unwrap();
    let config = write(
        dir.path(),
        &format!(
            "{BASE}\n[policies.no-slack]\nkind = \"chatbot\"\nfile = \"chatbot.json\"\n\
             \n[policies.cost]\nkind = \"tag\"\nfile = \"tag.json\"\n\
             \n[ous.Workloads]\npolicies = [\"FullAWSAccess\", \"no-slack\", \"cost\"]\n\
             \n[accounts.prod-app]\nemail = \"prod@example.com\"\nou = \"Workloads\"\n\
             \n[accounts.sandbox]\nemail = \"sandbox@example.com\"\n"
        ),
    );
    let out = stack.run(&config, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply: {}", text(&out));
    let bundle = dir.path().join("bundle");
    let out = stack.run(&config, &["evidence", "--out", bundle.to_str().unwrap()]);
    assert!(out.status.success(), "evidence: {}", text(&out));
    let read = |id: &str| -> Value {
        let path = bundle.join(format!("state/effective/{id}/chatbot.json"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    };
    let applied = read(&inside);
    assert_eq!(applied["policy_type"], "CHATBOT_POLICY");
    assert_eq!(
        applied["effective_policy"]["chatbot"]["platforms"]["slack"]["client"],
        serde_json::json!({"@@assign": "disabled"}),
        "{applied:#}"
    );
    assert_eq!(read(&outside)["effective_policy"], Value::Null);
    // A tag policy: moto keeps it; the proxy computes its effective policy from moto's.
    let tag = bundle.join(format!("state/effective/{inside}/tag.json"));
    let tag: Value = serde_json::from_str(&std::fs::read_to_string(&tag).unwrap()).unwrap();
    assert_eq!(
        tag["effective_policy"]["tags"]["costcenter"]["tag_key"],
        serde_json::json!({"@@assign": "CostCenter"}),
        "{tag:#}"
    );
    // The files are in the manifest, so the bundle verifies with them.
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("manifest.json")).unwrap())
            .unwrap();
    assert!(manifest["files"]
        .as_object()
        .unwrap()
        .contains_key(&format!("state/effective/{inside}/chatbot.json")));
    let out = stack.run(&config, &["evidence", "verify", bundle.to_str().unwrap()]);
    assert!(out.status.success(), "verify: {}", text(&out));
}

/// `govern drift --format json` lists each account's effective policy of each management policy
/// type the file declares (DescribeEffectivePolicy, answered by the proxy: moto lacks it): one
/// request per active account and type, none at all when no management type is declared.
#[tokio::test(flavor = "multi_thread")]
async fn drift_lists_each_accounts_effective_management_policies() {
    let (stack, seeder) = Stack::start().await;
    let inside = seeder.account("prod-app", "prod@example.com", None).await;
    let outside = seeder.account("sandbox", "sandbox@example.com", None).await;
    let dir = tempfile::tempdir().unwrap();
    let scp_only = write(
        dir.path(),
        &format!(
            "{BASE}\n[policies.deny-leave]\nfile = \"deny-leave.json\"\n\
             \n[ous.Workloads]\npolicies = [\"FullAWSAccess\", \"deny-leave\"]\n\
             \n[accounts.prod-app]\nemail = \"prod@example.com\"\nou = \"Workloads\"\n\
             \n[accounts.sandbox]\nemail = \"sandbox@example.com\"\n"
        ),
    );
    let out = stack.run(&scp_only, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply: {}", text(&out));
    stack.proxy.reset_counts();
    let out = stack.run(&scp_only, &["drift", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["effective"], serde_json::json!([]), "{report:#}");
    assert_eq!(
        stack.proxy.count("organizations:DescribeEffectivePolicy"),
        0,
        "no management type declared: no request"
    );

    let chatbot = r#"{"chatbot": {"platforms": {"slack": {"client": {"@@assign": "disabled"}}}}}"#;
    std::fs::write(dir.path().join("chatbot.json"), chatbot).unwrap();
    let config = write(
        dir.path(),
        &format!(
            "{BASE}\n[policies.deny-leave]\nfile = \"deny-leave.json\"\n\
             \n[policies.no-slack]\nkind = \"chatbot\"\nfile = \"chatbot.json\"\n\
             \n[ous.Workloads]\npolicies = [\"FullAWSAccess\", \"deny-leave\", \"no-slack\"]\n\
             \n[accounts.prod-app]\nemail = \"prod@example.com\"\nou = \"Workloads\"\n\
             \n[accounts.sandbox]\nemail = \"sandbox@example.com\"\n"
        ),
    );
    let out = stack.run(&config, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply: {}", text(&out));
    let accounts = seeder.org.list_accounts().send().await.unwrap();
    let active = accounts
        .accounts()
        .iter()
        .filter(|a| a.status().map(|s| s.as_str()) == Some("ACTIVE"))
        .count() as u64;
    stack.proxy.reset_counts();
    let out = stack.run(&config, &["drift", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        stack.proxy.count("organizations:DescribeEffectivePolicy"),
        active,
        "accounts × declared management types (1)"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let effective = report["effective"].as_array().unwrap();
    assert_eq!(effective.len() as u64, active, "{report:#}");
    let of = |id: &str| {
        effective
            .iter()
            .find(|e| e["account"] == id)
            .unwrap_or_else(|| panic!("{id} in {report:#}"))
    };
    assert_eq!(of(&inside)["policy_type"], "CHATBOT_POLICY");
    assert_eq!(
        of(&inside)["effective_policy"]["chatbot"]["platforms"]["slack"]["client"],
        serde_json::json!({"@@assign": "disabled"})
    );
    assert_eq!(of(&outside)["effective_policy"], Value::Null);
    // The text report says what was read.
    let shown = text(&stack.run(&config, &["drift"]));
    assert!(
        shown.contains(&format!(
            "Effective policies: {active} read (DescribeEffectivePolicy: {active} accounts × 1 type); `--format json` lists them."
        )),
        "{shown}"
    );
}
