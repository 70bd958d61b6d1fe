//! Issue 13, inside member accounts: each test switches on one behaviour of the strict-AWS layer
//! (`govern_testkit::strict::members`) and runs the govern binary through it on a small seeded
//! organization. Seeding goes straight to the emulator (uncounted, never refused).

use ::govern::aws::MemberSessions;
use ::govern::model::AccountId;
use aws_config::SdkConfig;
use govern_testkit::seed::Seeder;
use govern_testkit::strict::members::Rules;
use govern_testkit::{Behaviour, Emulator, Faults, OptStatus, Proxy, Strict};
use serde_json::Value;

use crate::support::{delta, govern, member, rotation_function, stderr, stdout};

const MGMT: &str = "123456789012";

struct Org {
    emu: Emulator,
    proxy: Proxy,
    cfg: SdkConfig,
    ids: Vec<String>,
    sessions: MemberSessions,
    dir: tempfile::TempDir,
}

impl Org {
    /// `n` member accounts, the proxy with `behaviour` alone switched on.
    async fn start(n: usize, behaviour: Behaviour) -> Org {
        let emu = Emulator::start();
        emu.moto_config(r#"{"lambda":{"use_docker":false}}"#);
        let proxy = Proxy::start(&emu.endpoint(), Faults::none());
        proxy.set_strict(Strict::only(behaviour));
        let cfg = emu.sdk_config().await;
        let seeder = Seeder::new(&cfg).await;
        let mut ids = Vec::new();
        for i in 0..n {
            ids.push(
                seeder
                    .account(&format!("s{i}"), &format!("s{i}@example.com"), None)
                    .await,
            );
        }
        let sessions = MemberSessions::new(
            cfg.clone(),
            AccountId::parse(MGMT).unwrap(),
            "arn:aws:iam::123456789012:user/moto",
            "OrganizationAccountAccessRole",
            None,
            "seed",
        );
        Org {
            emu,
            proxy,
            cfg,
            ids,
            sessions,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    async fn inside(&self, i: usize, region: &str) -> SdkConfig {
        member(&self.sessions, &self.ids[i], region).await
    }

    fn config(&self, body: &str) -> std::path::PathBuf {
        let path = self.dir.path().join("org.toml");
        std::fs::write(
            &path,
            format!(
                "[organization]\nmanagement_account = \"{MGMT}\"\nhome_region = \"us-east-1\"\n\
                 member_role = \"OrganizationAccountAccessRole\"\n{body}"
            ),
        )
        .unwrap();
        path
    }

    /// `plan --json`: its exit code and the plan.
    fn plan(&self, config: &std::path::Path) -> (Option<i32>, Value) {
        let (out, _) = govern(&self.proxy, &self.emu, config, &["plan", "--json"]);
        let plan = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("plan --json: {e}\n{}", stderr(&out)));
        (out.status.code(), plan)
    }
}

/// (kind, address) of the plan's changes or findings, sorted.
fn listed(plan: &Value, list: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = plan[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {plan}"))
        .iter()
        .map(|item| {
            let kind = if list == "changes" {
                &item["change"]["type"]
            } else {
                &item["kind"]
            };
            (
                kind.as_str().unwrap().to_string(),
                item["address"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn pairs(v: &[(&str, String)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = v.iter().map(|(k, a)| (k.to_string(), a.clone())).collect();
    v.sort();
    v
}

fn message(plan: &Value, address: &str) -> String {
    plan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["address"] == address)
        .and_then(|f| f["message"].as_str())
        .unwrap_or_else(|| panic!("no finding at {address}: {plan}"))
        .to_string()
}

async fn key(cfg: &SdkConfig) -> String {
    aws_sdk_kms::Client::new(cfg)
        .create_key()
        .send()
        .await
        .expect("seed: CreateKey")
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string()
}

const CONTACT: &str = "[contacts.security]\nname = \"Security\"\ntitle = \"Lead\"\n\
                       email = \"security@example.com\"\nphone = \"+1 555 0100\"\n";
const ROTATION: &str =
    "[key_rotation]\nkms_rotation_period_days = 365\nsecret_max_rotation_days = 90\n";

/// Item 1: a key whose policy shuts govern out is an error finding for that key, and a refused
/// ListRegions one for the account's regions; the rest of both accounts is planned. An account
/// exempt from the regions baseline is not asked for its regions at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_unreadable_resource_does_not_blank_the_account() {
    let org = Org::start(3, Behaviour::ResourceDenial).await;
    let (a, b, c) = (&org.ids[0], &org.ids[1], &org.ids[2]);
    let us = org.inside(0, "us-east-1").await;
    let readable = key(&us).await;
    let shut_out = key(&us).await;
    org.proxy.strict().members.deny_key(&shut_out);
    org.proxy.strict().members.deny_list_regions(c);
    org.proxy.regions().set(c, "af-south-1", OptStatus::Enabled);
    let config = org.config(&format!(
        "allowed_regions = [\"us-east-1\"]\n\n{CONTACT}\n{ROTATION}\n\
         [exemptions.\"{b}\"]\nregions = \"a sandbox: any region\"\n"
    ));

    let before = org.proxy.counts();
    let (code, plan) = org.plan(&config);
    let reads = delta(&before, &org.proxy.counts());
    assert_eq!(code, Some(1), "incomplete: two parts could not be read");
    let contact = |id: &str| ("put_contact", format!("account:{id}/contact:security"));
    assert_eq!(
        listed(&plan, "changes"),
        pairs(&[
            contact(MGMT),
            contact(a),
            contact(b),
            contact(c),
            (
                "enable_key_rotation",
                format!("kms:{a}/us-east-1/{readable}")
            ),
        ])
    );
    assert_eq!(
        listed(&plan, "findings"),
        pairs(&[
            ("error", format!("kms:{a}/us-east-1/{shut_out}")),
            ("error", format!("account:{c}/regions")),
            ("skipped", format!("account:{b}/regions")),
        ])
    );
    let denied = message(&plan, &format!("kms:{a}/us-east-1/{shut_out}"));
    assert!(
        denied.contains("DescribeKey") && denied.contains("AccessDenied"),
        "{denied}"
    );
    assert!(message(&plan, &format!("account:{c}/regions")).contains("ListRegions"));
    // The management account, a and c: b is exempt from regions and is not asked.
    assert_eq!(reads.get("account:ListRegions"), Some(&3), "{reads:?}");
}

/// Item 2: keys and secrets are read only in Regions the account has enabled; a Region it has
/// not is said, not an error. Where govern did not read the account's Regions (exempt), it asks
/// and takes the service's refusal as "not enabled".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_secrets_only_in_regions_the_account_enabled() {
    let org = Org::start(3, Behaviour::OptInRegions).await;
    let (a, b, c) = (&org.ids[0], &org.ids[1], &org.ids[2]);
    org.proxy.regions().set(a, "af-south-1", OptStatus::Enabled);
    let cape_town = key(&org.inside(0, "af-south-1").await).await;
    let config = org.config(&format!(
        "allowed_regions = [\"us-east-1\", \"af-south-1\"]\n\n{ROTATION}\n\
         [exemptions.\"{c}\"]\nregions = \"a sandbox: any region\"\n"
    ));

    let before = org.proxy.counts();
    let (code, plan) = org.plan(&config);
    let reads = delta(&before, &org.proxy.counts());
    assert_eq!(code, Some(0), "complete: {plan}");
    assert_eq!(
        listed(&plan, "changes"),
        pairs(&[(
            "enable_key_rotation",
            format!("kms:{a}/af-south-1/{cape_town}")
        )])
    );
    assert_eq!(
        listed(&plan, "findings"),
        pairs(&[
            ("skipped", format!("account:{MGMT}/region:af-south-1")),
            ("skipped", format!("account:{b}/region:af-south-1")),
            ("skipped", format!("account:{c}/region:af-south-1")),
            ("skipped", format!("account:{c}/regions")),
        ])
    );
    assert!(
        message(&plan, &format!("account:{b}/region:af-south-1")).contains("not enabled"),
        "{plan}"
    );
    let refused = message(&plan, &format!("account:{c}/region:af-south-1"));
    assert!(
        refused.contains("UnrecognizedClientException") && refused.contains("not enabled"),
        "{refused}"
    );
    // us-east-1 in all four accounts, af-south-1 in a, and c's one refused try.
    assert_eq!(reads.get("kms:ListKeys"), Some(&6), "{reads:?}");
    assert_eq!(
        reads.get("secretsmanager:ListSecrets"),
        Some(&5),
        "{reads:?}"
    );
}

/// Item 6: no DisableRegion while a Region is ENABLING; at most 6 Region changes in progress per
/// account (those already running count), and apply keeps within it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn region_changes_wait_for_transitions_and_keep_within_the_quota() {
    let org = Org::start(3, Behaviour::RegionTransitions).await;
    let (a, b, c) = (&org.ids[0], &org.ids[1], &org.ids[2]);
    let regions = org.proxy.regions();
    // a: me-south-1 is being enabled (for the whole test).
    regions.start(a, "me-south-1", OptStatus::Enabled, 1_000);
    // b: eight opt-in Regions enabled.
    let eight = [
        "af-south-1",
        "ap-east-1",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "eu-central-2",
        "eu-south-1",
        "eu-south-2",
    ];
    for r in eight {
        regions.set(b, r, OptStatus::Enabled);
    }
    // c: five Regions already being disabled, two enabled.
    for r in &eight[..5] {
        regions.start(c, r, OptStatus::Disabled, 1_000);
    }
    regions.set(c, "il-central-1", OptStatus::Enabled);
    regions.set(c, "me-central-1", OptStatus::Enabled);
    let config = org.config("allowed_regions = [\"us-east-1\"]\n");

    let (code, plan) = org.plan(&config);
    assert_eq!(code, Some(0), "{plan}");
    let disable = |id: &str, r: &str| ("disable_region", format!("account:{id}/region:{r}"));
    let mut want: Vec<_> = eight[..6].iter().map(|r| disable(b, r)).collect();
    want.push(disable(c, "il-central-1"));
    assert_eq!(listed(&plan, "changes"), pairs(&want));
    let deferred = |id: &str, r: &str| ("non_compliant", format!("account:{id}/region:{r}"));
    assert_eq!(
        listed(&plan, "findings"),
        pairs(&[
            deferred(a, "me-south-1"),
            deferred(b, "eu-south-1"),
            deferred(b, "eu-south-2"),
            deferred(c, "me-central-1"),
        ])
    );
    assert_eq!(
        message(&plan, &format!("account:{a}/region:me-south-1")),
        "enabling: disable it once enabled"
    );
    assert!(
        message(&plan, &format!("account:{b}/region:eu-south-1")).contains("6 "),
        "{plan}"
    );

    let (out, _) = govern(&org.proxy, &org.emu, &config, &["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains("FAILED"), "{}", stdout(&out));
    assert_eq!(regions.in_progress(Some(b)), 6);
    assert_eq!(regions.in_progress(Some(c)), 6);
    assert_eq!(regions.get(a, "me-south-1"), Some(OptStatus::Enabled));
}

/// Items 7 and 8: a Multi-Region replica key and a replica secret are not changed where they
/// live (their primaries are); the primaries are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_are_changed_through_their_primaries() {
    let org = Org::start(1, Behaviour::Replicas).await;
    let a = &org.ids[0];
    let us = org.inside(0, "us-east-1").await;
    let kms = aws_sdk_kms::Client::new(&us);
    let primary = kms
        .create_key()
        .multi_region(true)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    kms.replicate_key()
        .key_id(&primary)
        .replica_region("eu-west-1")
        .send()
        .await
        .expect("seed: ReplicateKey");
    let function = rotation_function(&us).await;
    let sm = aws_sdk_secretsmanager::Client::new(&us);
    sm.create_secret()
        .name("shared")
        .secret_string("never read by govern")
        .add_replica_regions(
            aws_sdk_secretsmanager::types::ReplicaRegionType::builder()
                .region("eu-west-1")
                .build(),
        )
        .send()
        .await
        .expect("seed: CreateSecret with a replica");
    sm.rotate_secret()
        .secret_id("shared")
        .rotation_lambda_arn(&function)
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder()
                .automatically_after_days(365)
                .build(),
        )
        .rotate_immediately(false)
        .send()
        .await
        .expect("seed: RotateSecret");
    let config = org.config(&format!(
        "allowed_regions = [\"us-east-1\", \"eu-west-1\"]\n\n{ROTATION}"
    ));

    let (code, plan) = org.plan(&config);
    assert_eq!(code, Some(0), "{plan}");
    assert_eq!(
        listed(&plan, "changes"),
        pairs(&[
            (
                "enable_key_rotation",
                format!("kms:{a}/us-east-1/{primary}")
            ),
            (
                "set_secret_rotation",
                format!("secret:{a}/us-east-1/shared")
            ),
        ])
    );
    assert_eq!(
        listed(&plan, "findings"),
        pairs(&[
            ("skipped", format!("kms:{a}/eu-west-1/{primary}")),
            ("skipped", format!("secret:{a}/eu-west-1/shared")),
        ])
    );
    assert!(message(&plan, &format!("kms:{a}/eu-west-1/{primary}")).contains("replica"));
    assert!(message(&plan, &format!("secret:{a}/eu-west-1/shared")).contains("us-east-1"));
    let (out, _) = govern(&org.proxy, &org.emu, &config, &["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Item 8: a secret whose rotation a service manages has no rotation function and needs none;
/// its ScheduleExpression is its schedule (AutomaticallyAfterDays is stale); a change keeps its
/// rotation window (Duration).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_rotation_schedules_and_windows() {
    let org = Org::start(1, Behaviour::ManagedRotation).await;
    let a = &org.ids[0];
    let sm = aws_sdk_secretsmanager::Client::new(&org.inside(0, "us-east-1").await);
    let mut arns = Vec::new();
    for name in ["rds-monthly", "rds-half-yearly"] {
        let out = sm
            .create_secret()
            .name(name)
            .secret_string("never read by govern")
            .send()
            .await
            .unwrap();
        arns.push(out.arn().unwrap().to_string());
    }
    let members = &org.proxy.strict().members;
    // Rotates every 30 days; AutomaticallyAfterDays still shows the yearly schedule it had.
    members.manage_secret(
        &arns[0],
        "rds",
        Rules {
            schedule: Some("rate(30 days)".into()),
            window: Some("3h".into()),
            days: Some(365),
        },
    );
    members.manage_secret(
        &arns[1],
        "rds",
        Rules {
            schedule: Some("rate(180 days)".into()),
            window: Some("4h".into()),
            days: Some(180),
        },
    );
    let config = org.config(&format!("allowed_regions = [\"us-east-1\"]\n\n{ROTATION}"));

    let (code, plan) = org.plan(&config);
    assert_eq!(code, Some(0), "{plan}");
    assert_eq!(
        listed(&plan, "changes"),
        pairs(&[(
            "set_secret_rotation",
            format!("secret:{a}/us-east-1/rds-half-yearly")
        )])
    );
    assert_eq!(listed(&plan, "findings"), vec![]);

    let (out, _) = govern(&org.proxy, &org.emu, &config, &["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        members.rules(&arns[1]),
        Some(Rules {
            schedule: Some("rate(90 days)".into()),
            window: Some("4h".into()),
            days: Some(180),
        })
    );
    let (code, plan) = org.plan(&config);
    assert_eq!((code, listed(&plan, "changes")), (Some(0), vec![]));
    let _ = &org.cfg;
}

/// Member sessions end (AWS ends a role session after its DurationSeconds; moto's last an hour and
/// are accepted after it): govern renews a session whose credentials near their end — through the
/// assume-role provider it builds only then (src/aws/assume.rs) — and plans the same as with
/// sessions that outlive the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_near_their_end_are_renewed_and_the_plan_is_the_same() {
    let org = Org::start(2, Behaviour::ShortSessions).await;
    key(&org.inside(0, "us-east-1").await).await;
    let config = org.config(&format!(
        "allowed_regions = [\"us-east-1\", \"eu-west-1\"]\n\n{ROTATION}"
    ));

    let before = org.proxy.counts();
    let (code, short) = org.plan(&config);
    let short_calls = delta(&before, &org.proxy.counts());
    assert_eq!(code, Some(0), "{short}");

    org.proxy.set_strict(Strict::none());
    let before = org.proxy.counts();
    let (code, long) = org.plan(&config);
    let long_calls = delta(&before, &org.proxy.counts());
    assert_eq!(code, Some(0), "{long}");

    assert_eq!(listed(&short, "changes"), listed(&long, "changes"));
    assert!(!listed(&long, "changes").is_empty(), "{long}");
    // One session a member account when sessions outlive the run; renewals on top when not.
    assert_eq!(long_calls.get("sts:AssumeRole"), Some(&2), "{long_calls:?}");
    let renewed = short_calls.get("sts:AssumeRole").copied().unwrap_or(0);
    assert!(renewed > 2, "sessions were not renewed: {short_calls:?}");
}
