//! The strict-AWS layer's Organizations behaviours (issue 13, items 3, 4, 5, 11, 12), end to end:
//! each test switches on only the behaviour it is about (`Strict::only`), so a failure names the
//! behaviour govern does not cope with.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use govern_testkit::seed::{demo_brownfield, Seeder};
use govern_testkit::{Behaviour, Emulator, Faults, Proxy, Strict};

use crate::support::Govern;

struct Stack {
    emu: Emulator,
    proxy: Proxy,
    dir: tempfile::TempDir,
}

impl Stack {
    fn start(strict: Strict) -> Stack {
        let emu = Emulator::start();
        let proxy = Proxy::start(&emu.endpoint(), Faults::none());
        proxy.set_strict(strict);
        Stack {
            emu,
            proxy,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn govern(&self, config: &Path, args: &[&str]) -> Govern {
        Govern::new(&[])
            .config(config)
            .state_dir(self.dir.path())
            .args(args)
            // Retries and polls back off from 5 ms: the layer's delays are counted in answers.
            .env("GOVERN_RETRY_BASE_MS", "5")
            .through(&self.proxy, &self.emu)
    }

    fn run(&self, config: &Path, args: &[&str]) -> Output {
        self.govern(config, args).run()
    }
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("org.toml")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn converged(s: &Stack, config: &Path) {
    let again = s.run(config, &["plan", "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}

/// Item 3: Organizations answers ConcurrentModificationException (FinalizingOrganizationException
/// for CreateAccount) to the first attempt of every write; govern retries them.
#[tokio::test(flavor = "multi_thread")]
async fn transient_organizations_errors_are_retried() {
    let s = Stack::start(Strict::only(Behaviour::TransientOrganizationsErrors));
    let cfg = s.emu.sdk_config().await;
    let _ = Seeder::new(&cfg).await;
    let out = s.run(&sample(), &["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Every write was answered a transient error once, then made: twice the requests.
    assert_eq!(s.proxy.count("organizations:CreateOrganizationalUnit"), 8);
    assert_eq!(s.proxy.count("organizations:CreateAccount"), 8);
    converged(&s, &sample());
}

const NEW_ACCOUNT: &str = r#"[organization]
management_account = "123456789012"
home_region = "us-east-1"
member_role = "ROLE"

[contacts.security]
name = "Security Operations"
title = "Security lead"
email = "security@example.com"
phone = "+1 555 0100"

[accounts.fresh]
email = "aws+fresh@example.com"
"#;

/// Item 4: CreateAccount is asynchronous (NotFound, then IN_PROGRESS), and the new account's role
/// cannot be assumed for a while after SUCCEEDED: govern waits for it, visibly, before setting the
/// new account's contacts and before verifying.
async fn new_account_with_role(role: &str) {
    let s = Stack::start(Strict::only(Behaviour::AsyncAccountCreation));
    let cfg = s.emu.sdk_config().await;
    let _ = Seeder::new(&cfg).await;
    let config = s.write("org.toml", &NEW_ACCOUNT.replace("ROLE", role));
    let out = s.run(&config, &["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("waiting for role {role} in the new account")),
        "{}",
        text(&out)
    );
    // NotFound twice, IN_PROGRESS twice, then SUCCEEDED.
    assert!(s.proxy.count("organizations:DescribeCreateAccountStatus") >= 5);
    converged(&s, &config);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_accounts_role_is_waited_for() {
    new_account_with_role("OrganizationAccountAccessRole").await;
}

/// AWS creates only the RoleName CreateAccount names (OrganizationAccountAccessRole without one):
/// a non-default member role must be sent.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_account_gets_the_declared_member_role() {
    new_account_with_role("GovernAdmin").await;
}

/// Item 5: EnablePolicyType goes through PENDING_ENABLE, during which AttachPolicy is refused:
/// apply waits for ENABLED before attaching.
#[tokio::test(flavor = "multi_thread")]
async fn attachments_wait_for_the_policy_type_to_be_enabled() {
    let s = Stack::start(Strict::only(Behaviour::AsyncPolicyTypes));
    let cfg = s.emu.sdk_config().await;
    demo_brownfield(&cfg).await;
    let out = s.run(&sample(), &["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("matches org.toml"), "{}", text(&out));
    converged(&s, &sample());
}

/// Item 5: reads right after a write answer the old value for a while; apply's verification polls
/// the changed addresses until they read as applied, instead of "inconsistent result".
#[tokio::test(flavor = "multi_thread")]
async fn verification_waits_for_eventual_consistency() {
    let s = Stack::start(Strict::only(Behaviour::StaleReads));
    let cfg = s.emu.sdk_config().await;
    demo_brownfield(&cfg).await;
    let out = s.run(&sample(), &["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("not visible yet"), "{t}");
    assert!(t.contains("the organization matches org.toml"), "{t}");
    // Converged for real: a drift check reads what apply wrote (the stale answers are used up).
    let drift = s.run(&sample(), &["drift"]);
    assert_eq!(drift.status.code(), Some(0), "{}", text(&drift));
}

const TWO_POLICIES: &str = r#"[organization]
management_account = "123456789012"
home_region = "us-east-1"

[policies.new-one]
file = "p.json"
description = "made by this apply"
[policies.kept]
file = "p.json"
description = "as declared"
"#;

const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#;

/// Item 11: a difference that appears while apply runs (someone edits a managed SCP) leaves the
/// organization unlike org.toml: apply says so and exits 3, so CI notices.
#[tokio::test(flavor = "multi_thread")]
async fn apply_exits_3_when_other_differences_appeared() {
    let s = Stack::start(Strict::none());
    let cfg = s.emu.sdk_config().await;
    let seeder = Seeder::new(&cfg).await;
    let kept = seeder.policy("kept", DOC, "as declared").await;
    s.write("p.json", DOC);
    let config = s.write("org.toml", TWO_POLICIES);
    let saved = s.dir.path().join("plan.json");
    let plan = s.run(&config, &["plan", "-o", saved.to_str().unwrap()]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));

    // The apply's first write is the lock's CreatePolicy: while it is held, someone edits `kept`.
    let hold = s.proxy.hold("organizations:CreatePolicy");
    let child = s
        .govern(&config, &["apply", saved.to_str().unwrap()])
        .command()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        hold.wait_until_held(Duration::from_secs(60)),
        "apply never wrote"
    );
    aws_sdk_organizations::Client::new(&cfg)
        .update_policy()
        .policy_id(&kept)
        .description("edited by hand")
        .send()
        .await
        .unwrap();
    hold.release();
    let out = child.wait_with_output().unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(3), "{t}");
    assert!(t.contains("1 other difference(s) appeared"), "{t}");
    assert!(t.contains("scp:kept"), "{t}");
}

const LOCKOUT: &str = r#"[organization]
management_account = "123456789012"
home_region = "us-east-1"
member_role = "GovernAdmin"
allowed_regions = ["us-east-1"]

[contacts.security]
name = "Security Operations"
title = "Security lead"
email = "security@example.com"
phone = "+1 555 0100"

[key_rotation]
kms_rotation_period_days = 365
secret_max_rotation_days = 90

[policies.guard]
file = "guard.json"
description = "under test"

[ous.Workloads]
policies = ["FullAWSAccess", "guard"]
"#;

/// Item 12: an SCP that would deny the member role what govern needs in member accounts, on a
/// target where govern works, is a plan conflict naming policy, statement and target, unless the
/// statement exempts the member role.
#[tokio::test(flavor = "multi_thread")]
async fn an_scp_that_locks_govern_out_is_a_conflict() {
    let s = Stack::start(Strict::none());
    let cfg = s.emu.sdk_config().await;
    let _ = Seeder::new(&cfg).await;
    let config = s.write("org.toml", LOCKOUT);
    let statement = |sid: &str, rest: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{sid}","Effect":"Deny","Resource":"*",{rest}}}]}}"#
        )
    };
    let exempt =
        r#""Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/GovernAdmin"}}"#;
    let cases: Vec<(String, Option<&str>)> = vec![
        (statement("NoKms", r#""Action":"kms:*""#), Some("kms:")),
        (
            statement("OnlyS3", r#""NotAction":["s3:*","ec2:*"]"#),
            Some("account:GetAlternateContact"),
        ),
        (
            statement("NoContactReads", r#""Action":["account:Get*Contact"]"#),
            Some("account:GetAlternateContact"),
        ),
        (
            statement("NoKmsButGovern", &format!(r#""Action":"kms:*",{exempt}"#)),
            None,
        ),
        (statement("NoEc2", r#""Action":"ec2:*""#), None),
    ];
    let mut wrong = Vec::new();
    for (doc, denied) in cases {
        s.write("guard.json", &doc);
        let out = s.run(&config, &["plan"]);
        let t = text(&out);
        let sid = doc
            .split("\"Sid\":\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let ok = match denied {
            Some(action) => {
                out.status.code() == Some(1)
                    && t.contains(&format!("statement {sid}"))
                    && t.contains("ou:Workloads")
                    && t.contains("scp:guard")
                    && t.contains(action)
                    && t.contains("GovernAdmin")
            }
            None => out.status.code() == Some(0),
        };
        if !ok {
            wrong.push(format!("{sid}: exit {:?}\n{t}", out.status.code()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n---\n"));
}
