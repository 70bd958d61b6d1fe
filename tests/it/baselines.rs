//! The acceptance test of issue 3 (member-account baselines), through the real govern binary: a
//! seeded organization of 21 member accounts behind the fault proxy, which answers the Account
//! region opt-in APIs moto lacks, adds KMS RotationPeriodInDays, refuses sts:AssumeRole into one
//! account, and counts every request by operation.
//!
//! Seeding goes straight to the emulator (not through the proxy), so the proxy's counts are
//! govern's requests only.

use ::govern::aws::MemberSessions;
use ::govern::model::AccountId;
use aws_config::SdkConfig;
use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use govern_testkit::seed::Seeder;
use govern_testkit::{Emulator, Faults, OptStatus, Proxy, Strict};
use serde_json::Value;

use crate::support::{delta, govern, member, put_contact, rotation_function, stderr, stdout};

const MGMT: &str = "123456789012";
const MEMBERS: usize = 21;
/// Every account of the organization, the management account included.
const ACCOUNTS: usize = MEMBERS + 1;

/// (name, title, email, phone) of the contacts org.toml declares.
const SECURITY: [&str; 4] = [
    "Security Operations",
    "Security lead",
    "security@example.com",
    "+1 555 0100",
];
const OPERATIONS: [&str; 4] = [
    "Platform Operations",
    "Operations lead",
    "operations@example.com",
    "+1 555 0101",
];
const BILLING: [&str; 4] = [
    "Cloud Finance",
    "Billing lead",
    "billing@example.com",
    "+1 555 0102",
];

fn org_toml() -> String {
    let contact = |kind: &str, c: [&str; 4]| {
        format!(
            "[contacts.{kind}]\nname = \"{}\"\ntitle = \"{}\"\nemail = \"{}\"\nphone = \"{}\"\n",
            c[0], c[1], c[2], c[3]
        )
    };
    format!(
        "[organization]\nmanagement_account = \"{MGMT}\"\nhome_region = \"us-east-1\"\n\
         member_role = \"OrganizationAccountAccessRole\"\n\
         allowed_regions = [\"us-east-1\", \"eu-west-1\"]\n\n{}{}{}\n\
         [key_rotation]\nkms_rotation_period_days = 365\nsecret_max_rotation_days = 90\n",
        contact("security", SECURITY),
        contact("operations", OPERATIONS),
        contact("billing", BILLING),
    )
}

/// (kind, address) pairs, sorted: `change.type` for changes, `kind` for findings.
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

fn pairs(v: Vec<(&str, String)>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = v.into_iter().map(|(k, a)| (k.to_string(), a)).collect();
    v.sort();
    v
}

async fn create_key(kms: &aws_sdk_kms::Client, spec: Option<KeySpec>) -> String {
    let mut req = kms.create_key();
    if let Some(s) = spec {
        req = req.key_spec(s).key_usage(KeyUsageType::SignVerify);
    }
    req.send()
        .await
        .expect("seed: CreateKey")
        .key_metadata()
        .expect("key metadata")
        .key_id()
        .to_string()
}

/// `n` member accounts named `name(i)` (email `name(i)@example.com`) under the root, and sessions
/// into them for seeding, straight to the emulator.
async fn seed_members(
    cfg: &SdkConfig,
    n: usize,
    name: impl Fn(usize) -> String,
) -> (Vec<String>, MemberSessions) {
    let seeder = Seeder::new(cfg).await;
    let mut ids = Vec::new();
    for i in 0..n {
        let name = name(i);
        ids.push(
            seeder
                .account(&name, &format!("{name}@example.com"), None)
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
    (ids, sessions)
}

/// The organization of the acceptance test, seeded straight into the emulator (uncounted): 21
/// members with contacts right and wrong, keys and secrets in every state govern tells apart, an
/// opt-in region outside `allowed_regions` and one account whose role is refused. Seeding is
/// sequential, so with [`Emulator::seed_ids`] its ids are the same on every run.
struct Seeded {
    ids: Vec<String>,
    sm: aws_sdk_secretsmanager::Client,
    function: String,
    off: String,
    too_long: String,
    asymmetric: String,
    disabled: String,
    doomed: String,
    _dir: tempfile::TempDir,
    config: std::path::PathBuf,
}

/// An emulator with Lambda answering without Docker (RotateSecret runs the function's testSecret
/// step even with RotateImmediately=false; moto's simple Lambda backend answers it) and a proxy.
fn baselines_stack() -> (Emulator, Proxy) {
    let emu = Emulator::start();
    emu.moto_config(r#"{"lambda":{"use_docker":false}}"#);
    let proxy = Proxy::start(&emu.endpoint(), Faults::none());
    // Stricter than moto inside member accounts (issue 13): this organization converges with the
    // strict layer's member-account behaviours on.
    proxy.set_strict(Strict::members());
    (emu, proxy)
}

async fn seed_twenty_one(emu: &Emulator, proxy: &Proxy) -> Seeded {
    let cfg = emu.sdk_config().await;
    let (ids, sessions) = seed_members(&cfg, MEMBERS, |i| format!("m{i:02}")).await;
    let us = |i: usize| member(&sessions, &ids[i], "us-east-1");
    let eu = |i: usize| member(&sessions, &ids[i], "eu-west-1");

    // Contacts. m00: security right, operations wrong (another email), billing missing. m01: all
    // three right. m02: security and operations right, billing wrong (another phone). m06 (the
    // account whose role cannot be assumed): all three right, so it needs nothing once readable.
    let m00 = us(0).await;
    put_contact(&m00, "SECURITY", SECURITY).await;
    let mut wrong_ops = OPERATIONS;
    wrong_ops[2] = "someone-else@example.com";
    put_contact(&m00, "OPERATIONS", wrong_ops).await;
    for i in [1, 6] {
        let m = us(i).await;
        put_contact(&m, "SECURITY", SECURITY).await;
        put_contact(&m, "OPERATIONS", OPERATIONS).await;
        put_contact(&m, "BILLING", BILLING).await;
    }
    let m02 = us(2).await;
    put_contact(&m02, "SECURITY", SECURITY).await;
    put_contact(&m02, "OPERATIONS", OPERATIONS).await;
    let mut wrong_billing = BILLING;
    wrong_billing[3] = "+1 555 0199";
    put_contact(&m02, "BILLING", wrong_billing).await;

    // KMS in m03, eu-west-1: rotation off; rotation on with a 730-day period; rotation on with the
    // default 365 days (compliant); an asymmetric key; a disabled key; a key pending deletion.
    // And a key with rotation off in us-west-2, outside allowed_regions: never read.
    // (An AWS-managed key cannot be created in moto: the planner test in tests/plan.rs covers it.)
    let kms = aws_sdk_kms::Client::new(&eu(3).await);
    let off = create_key(&kms, None).await;
    let too_long = create_key(&kms, None).await;
    kms.enable_key_rotation()
        .key_id(&too_long)
        .send()
        .await
        .unwrap();
    proxy.kms_periods().set(&too_long, 730);
    let rotating = create_key(&kms, None).await;
    kms.enable_key_rotation()
        .key_id(&rotating)
        .send()
        .await
        .unwrap();
    let asymmetric = create_key(&kms, Some(KeySpec::Rsa2048)).await;
    let disabled = create_key(&kms, None).await;
    kms.disable_key().key_id(&disabled).send().await.unwrap();
    let doomed = create_key(&kms, None).await;
    kms.schedule_key_deletion()
        .key_id(&doomed)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    create_key(
        &aws_sdk_kms::Client::new(&member(&sessions, &ids[3], "us-west-2").await),
        None,
    )
    .await;

    // Secrets in m04, us-east-1: one with no rotation function (a finding); one rotating every 365
    // days (a change to 90); one rotating every 30 days (compliant).
    let m04 = us(4).await;
    let sm = aws_sdk_secretsmanager::Client::new(&m04);
    let function = rotation_function(&m04).await;
    for name in ["no-rotation", "rotates-yearly", "rotates-monthly"] {
        sm.create_secret()
            .name(name)
            .secret_string("never read by govern")
            .send()
            .await
            .unwrap();
    }
    for (name, days) in [("rotates-yearly", 365), ("rotates-monthly", 30)] {
        sm.rotate_secret()
            .secret_id(name)
            .rotation_lambda_arn(&function)
            .rotation_rules(
                aws_sdk_secretsmanager::types::RotationRulesType::builder()
                    .automatically_after_days(days)
                    .build(),
            )
            .rotate_immediately(false)
            .send()
            .await
            .unwrap_or_else(|e| panic!("seed: RotateSecret {name}: {e:?}"));
    }

    // m05: af-south-1 opted in, outside allowed_regions; me-south-1 opting in; eu-west-1 default.
    proxy
        .regions()
        .set(&ids[5], "af-south-1", OptStatus::Enabled);
    // m06: its role cannot be assumed.
    proxy.deny_assume_role(&ids[6]);

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("org.toml");
    std::fs::write(&config, org_toml()).unwrap();
    let _ = rotating;
    Seeded {
        ids,
        sm,
        function,
        off,
        too_long,
        asymmetric,
        disabled,
        doomed,
        _dir: dir,
        config,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn baselines_across_twenty_one_accounts_through_the_binary() {
    let (emu, proxy) = baselines_stack();
    let Seeded {
        ids,
        sm,
        function,
        off,
        too_long,
        asymmetric,
        disabled,
        doomed,
        _dir,
        config,
    } = seed_twenty_one(&emu, &proxy).await;

    // ---- plan
    let before = proxy.counts();
    let (out, plan_time) = govern(&proxy, &emu, &config, &["plan", "--json"]);
    let per_plan = delta(&before, &proxy.counts());
    assert_eq!(out.status.code(), Some(1), "an incomplete plan exits 1");
    assert!(
        stderr(&out).contains("the plan is incomplete: 1 account could not be read"),
        "{}",
        stderr(&out)
    );
    let plan: Value = serde_json::from_slice(&out.stdout).expect("plan --json prints JSON");

    let mut want_changes = Vec::new();
    let contact = |id: &str, t: &str| ("put_contact", format!("account:{id}/contact:{t}"));
    for (i, id) in ids.iter().enumerate() {
        let right: &[&str] = match i {
            0 => &["security"],
            1 | 6 => &["security", "operations", "billing"],
            2 => &["security", "operations"],
            _ => &[],
        };
        for t in ["security", "operations", "billing"] {
            if !right.contains(&t) {
                want_changes.push(contact(id, t));
            }
        }
    }
    for t in ["security", "operations", "billing"] {
        want_changes.push(contact(MGMT, t));
    }
    let m03 = &ids[3];
    let m04id = &ids[4];
    want_changes.extend([
        ("enable_key_rotation", format!("kms:{m03}/eu-west-1/{off}")),
        (
            "enable_key_rotation",
            format!("kms:{m03}/eu-west-1/{too_long}"),
        ),
        (
            "set_secret_rotation",
            format!("secret:{m04id}/us-east-1/rotates-yearly"),
        ),
        (
            "disable_region",
            format!("account:{}/region:af-south-1", ids[5]),
        ),
        // m06's role cannot be assumed: trusted access for the Account API lets the management
        // account read its contacts and regions instead.
        (
            "enable_service_access",
            "org:service-access/account.amazonaws.com".to_string(),
        ),
    ]);
    let want_changes = pairs(want_changes);
    assert_eq!(want_changes.len(), 21 * 3 - 1 - 3 - 2 + 4 + 1);
    assert_eq!(listed(&plan, "changes"), want_changes);

    let want_findings = |with_error: bool| {
        let mut f = vec![
            ("skipped", format!("kms:{m03}/eu-west-1/{asymmetric}")),
            ("skipped", format!("kms:{m03}/eu-west-1/{disabled}")),
            ("skipped", format!("kms:{m03}/eu-west-1/{doomed}")),
            (
                "non_compliant",
                format!("secret:{m04id}/us-east-1/no-rotation"),
            ),
        ];
        if with_error {
            f.push(("error", format!("account:{}", ids[6])));
        }
        pairs(f)
    };
    assert_eq!(listed(&plan, "findings"), want_findings(true));
    let message = |address: &str| {
        plan["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["address"] == address)
            .and_then(|f| f["message"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let denied = message(&format!("account:{}", ids[6]));
    assert!(
        denied.contains(&format!(
            "cannot assume arn:aws:iam::{}:role/OrganizationAccountAccessRole",
            ids[6]
        )) && denied.contains("AccessDenied"),
        "{denied}"
    );
    assert!(message(&format!("kms:{m03}/eu-west-1/{asymmetric}")).contains("RSA_2048 key"));
    assert!(message(&format!("kms:{m03}/eu-west-1/{disabled}")).contains("key state is Disabled"));
    assert_eq!(
        message(&format!("kms:{m03}/eu-west-1/{doomed}")),
        "pending deletion"
    );
    // The key with the 730-day period is planned to 365, from its period as read.
    let too_long_change = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["change"]["key_id"] == too_long.as_str())
        .unwrap();
    assert_eq!(too_long_change["change"]["before_enabled"], true);
    assert_eq!(too_long_change["change"]["before_period_days"], 730);
    assert_eq!(too_long_change["change"]["period_days"], 365);

    // The numbers issue 3 asks for: requests per account by operation for one plan, and its time.
    eprintln!(
        "plan over {ACCOUNTS} accounts ({MEMBERS} members, 1 unreadable): wall time {:.2} s",
        plan_time.as_secs_f64()
    );
    eprintln!("requests in one plan, by operation (total, per account):");
    for (op, n) in &per_plan {
        eprintln!("  {op:45} {n:5} {:8.2}", *n as f64 / ACCOUNTS as f64);
    }
    let total: u64 = per_plan.values().sum();
    eprintln!(
        "  {:45} {total:5} {:8.2}",
        "all",
        total as f64 / ACCOUNTS as f64
    );

    // ---- apply: every change is made; the exit code still says an account could not be read.
    let before = proxy.counts();
    let (out, _) = govern(&proxy, &emu, &config, &["apply", "--auto-approve"]);
    let per_apply = delta(&before, &proxy.counts());
    // Verification reads again through the sessions the apply opened: the caller is asked once,
    // and each member role assumed once (twice for the refused one: its refusal is not cached).
    assert_eq!(
        per_apply.get("sts:GetCallerIdentity"),
        Some(&1),
        "{per_apply:?}"
    );
    assert_eq!(
        per_apply.get("sts:AssumeRole"),
        Some(&(MEMBERS as u64 + 1)),
        "{per_apply:?}"
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    for (_, address) in &want_changes {
        assert!(
            text.lines()
                .any(|l| l.contains(&format!(" {address} … done"))),
            "{address} not done:\n{text}"
        );
    }
    assert!(!text.contains("FAILED"), "{text}");
    assert!(
        text.contains(&format!(
            "Apply complete: {} change(s) made; some accounts could not be read to verify it.",
            want_changes.len()
        )),
        "{text}"
    );
    assert!(stderr(&out).contains("the plan is incomplete"));
    assert_eq!(proxy.kms_periods().get(&too_long), Some(365));
    assert_eq!(proxy.kms_periods().get(&off), Some(365));
    assert_eq!(
        proxy.regions().get(&ids[5], "af-south-1"),
        Some(OptStatus::Disabled)
    );
    let secret = sm
        .describe_secret()
        .secret_id("rotates-yearly")
        .send()
        .await
        .unwrap();
    assert_eq!(secret.rotation_enabled(), Some(true));
    assert_eq!(
        secret
            .rotation_rules()
            .and_then(|r| r.automatically_after_days()),
        Some(90)
    );
    // govern names the function again in RotateSecret, so it is kept (moto would drop it otherwise).
    assert_eq!(secret.rotation_lambda_arn(), Some(function.as_str()));

    // ---- a fresh plan: no changes, the same findings.
    let (out, _) = govern(&proxy, &emu, &config, &["plan", "--json"]);
    assert_eq!(out.status.code(), Some(1), "still incomplete");
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed(&again, "changes"), vec![]);
    assert_eq!(listed(&again, "findings"), want_findings(true));

    // ---- the role can be assumed again: complete, nothing to do.
    proxy.allow_assume_role(&ids[6]);
    let (out, _) = govern(
        &proxy,
        &emu,
        &config,
        &["plan", "--json", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let last: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed(&last, "changes"), vec![]);
    assert_eq!(listed(&last, "findings"), want_findings(false));

    // govern never read a secret's value, over the whole test.
    let counts = proxy.counts();
    assert_eq!(proxy.count("secretsmanager:GetSecretValue"), 0);
    assert!(
        !counts.keys().any(|op| op.contains("GetSecretValue")),
        "{counts:?}"
    );
    assert!(counts["secretsmanager:ListSecrets"] > 0, "{counts:?}");
}

/// The management-account fallback (issue 3): an account whose member role is refused still gets
/// its contacts and regions read and set, from the management account with `AccountId`, once
/// trusted access for account.amazonaws.com is on; govern plans that itself. Without a key-rotation
/// policy nothing else needs the role, so the organization converges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_and_regions_from_the_management_account_when_the_role_is_refused() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::none());
    let cfg = emu.sdk_config().await;
    let (ids, sessions) = seed_members(&cfg, 3, |i| format!("f{i}")).await;
    let refused = ids[1].clone();
    // The refused account: security right, operations wrong, billing missing; an opt-in region on.
    let inside = member(&sessions, &refused, "us-east-1").await;
    put_contact(&inside, "SECURITY", SECURITY).await;
    let mut wrong = OPERATIONS;
    wrong[0] = "Someone Else";
    put_contact(&inside, "OPERATIONS", wrong).await;
    proxy
        .regions()
        .set(&refused, "af-south-1", OptStatus::Enabled);
    proxy.deny_assume_role(&refused);

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("org.toml");
    let toml = org_toml();
    let toml = &toml[..toml.find("[key_rotation]").unwrap()];
    std::fs::write(&config, toml).unwrap();

    // ---- 1. trusted access is off: the account cannot be read; the plan enables trusted access.
    let (out, _) = govern(&proxy, &emu, &config, &["plan", "--json"]);
    assert_eq!(out.status.code(), Some(1), "incomplete: {}", stderr(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = listed(&plan, "changes");
    assert!(changes.contains(&(
        "enable_service_access".into(),
        "org:service-access/account.amazonaws.com".into()
    )));
    assert!(
        !changes.iter().any(|(_, a)| a.contains(refused.as_str())),
        "{changes:?}"
    );
    assert_eq!(
        listed(&plan, "findings"),
        pairs(vec![("error", format!("account:{refused}"))])
    );
    let message = plan["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("cannot assume") && message.contains("this plan enables it"),
        "{message}"
    );

    // ---- 2. apply: trusted access on, the others' contacts set; the refused account's
    // differences are newly visible, named, and left for the next plan (nobody reviewed them);
    // the organization does not match org.toml, so apply exits 3 (issue 13: CI must notice).
    let (out, _) = govern(&proxy, &emu, &config, &["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("other difference(s) appeared since the plan was made")
            && text.contains(&format!("account:{refused}/contact:operations")),
        "{text}"
    );

    // ---- 3. the plan now reads the account from the management account.
    let before = proxy.counts();
    let (out, _) = govern(
        &proxy,
        &emu,
        &config,
        &["plan", "--json", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let reads = delta(&before, &proxy.counts());
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let contact = |t: &str| ("put_contact", format!("account:{refused}/contact:{t}"));
    assert_eq!(
        listed(&plan, "changes"),
        pairs(vec![
            contact("operations"),
            contact("billing"),
            (
                "disable_region",
                format!("account:{refused}/region:af-south-1")
            ),
        ])
    );
    assert_eq!(
        listed(&plan, "findings"),
        pairs(vec![("skipped", format!("account:{refused}"))])
    );
    let note = plan["findings"][0]["message"].as_str().unwrap();
    assert!(
        note.contains("read and set from the management account"),
        "{note}"
    );
    // 4 accounts × 3 contact types and 3 members' ListRegions; the refused account's three and
    // its ListRegions went from the management account (one refused AssumeRole per plan).
    assert_eq!(
        reads.get("account:GetAlternateContact"),
        Some(&12),
        "{reads:?}"
    );
    assert_eq!(reads.get("sts:AssumeRole"), Some(&3), "{reads:?}");

    // ---- 4. apply sets them from the management account; the organization then matches.
    let (out, _) = govern(&proxy, &emu, &config, &["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the organization matches org.toml"),
        "{}",
        stdout(&out)
    );
    let management = aws_sdk_account::Client::new(&cfg);
    for (kind, want) in [("OPERATIONS", OPERATIONS), ("BILLING", BILLING)] {
        let got = management
            .get_alternate_contact()
            .account_id(&refused)
            .alternate_contact_type(kind.into())
            .send()
            .await
            .unwrap();
        let c = got.alternate_contact().unwrap();
        assert_eq!(
            [c.name(), c.title(), c.email_address(), c.phone_number()],
            want.map(Some),
            "{kind}"
        );
    }
    assert_eq!(
        proxy.regions().get(&refused, "af-south-1"),
        Some(OptStatus::Disabled)
    );
    let (out, _) = govern(&proxy, &emu, &config, &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The sharding tests' directory: org.toml (contacts only) and the reports written beside it.
struct ShardDir {
    dir: tempfile::TempDir,
    config: std::path::PathBuf,
}

impl ShardDir {
    fn new() -> ShardDir {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("org.toml");
        let toml = org_toml();
        std::fs::write(&config, &toml[..toml.find("[key_rotation]").unwrap()]).unwrap();
        ShardDir { dir, config }
    }

    fn file(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn report(&self, name: &str) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.file(name)).unwrap()).unwrap()
    }

    /// The unsharded `govern drift --format json` (exit 2: the seeded contacts differ) into
    /// all.json: the report, and the requests it made.
    fn whole_drift(
        &self,
        proxy: &Proxy,
        emu: &Emulator,
    ) -> (Value, std::collections::BTreeMap<String, u64>) {
        let before = proxy.counts();
        let (out, _) = govern(
            proxy,
            emu,
            &self.config,
            &[
                "drift",
                "--format",
                "json",
                "--output",
                &self.file("all.json"),
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        (self.report("all.json"), delta(&before, &proxy.counts()))
    }
}

/// `--shard I/N` (issue 6): three drift jobs split the member accounts, each account read by exactly
/// one of them, and `govern drift merge` gives the report one job would have given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_split_the_accounts_and_merge_into_one_report() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::none());
    let cfg = emu.sdk_config().await;
    let (mut ids, _) = seed_members(&cfg, 9, |i| format!("s{i}")).await;
    ids.push(MGMT.to_string());
    // Account ids are random: how many each shard owns (id mod 3 = index - 1) is computed, not
    // assumed; a shard that owns none has nothing to report and exits 0.
    let owned = |i: u64| {
        ids.iter()
            .filter(|id| id.parse::<u64>().unwrap() % 3 == i - 1)
            .count()
    };
    let d = ShardDir::new();
    let config = d.config.clone();
    let file = |name: &str| d.file(name);
    let report = |name: &str| d.report(name);

    let (whole, whole_reads) = d.whole_drift(&proxy, &emu);
    let all = listed(&whole["plan"], "changes");
    assert_eq!(all.len(), 10 * 3, "3 contacts in each of 10 accounts");

    let mut union = Vec::new();
    let mut contact_reads = 0;
    for i in 1..=3 {
        let before = proxy.counts();
        let shard = format!("{i}/3");
        let name = format!("drift-{i}.json");
        let (out, _) = govern(
            &proxy,
            &emu,
            &config,
            &[
                "drift",
                "--shard",
                &shard,
                "--format",
                "json",
                "--output",
                &file(&name),
            ],
        );
        let want = if owned(i) > 0 { 2 } else { 0 };
        assert_eq!(out.status.code(), Some(want), "{}", stderr(&out));
        contact_reads += delta(&before, &proxy.counts())
            .get("account:GetAlternateContact")
            .copied()
            .unwrap_or(0);
        let part = report(&name);
        assert_eq!(part["shard"], serde_json::json!({"index": i, "count": 3}));
        let mine = listed(&part["plan"], "changes");
        assert_eq!(
            mine.len(),
            3 * owned(i),
            "shard {shard}: 3 contacts per owned account"
        );
        for (_, address) in &mine {
            assert!(
                !union.iter().any(|(_, a)| a == address),
                "{address} in two shards"
            );
        }
        union.extend(mine);
    }
    union.sort();
    assert_eq!(union, all, "the shards together plan what one job plans");
    assert_eq!(
        Some(&contact_reads),
        whole_reads.get("account:GetAlternateContact"),
        "each account's contacts read by exactly one shard"
    );

    let merge = |files: &[&str]| {
        let mut args = vec!["drift", "merge", "--format", "json"];
        args.extend(files);
        govern(&proxy, &emu, &config, &args)
    };
    let (d1, d2, d3) = (
        file("drift-1.json"),
        file("drift-2.json"),
        file("drift-3.json"),
    );
    let (out, _) = merge(&[&d3, &d1, &d2]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let merged: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed(&merged["plan"], "changes"), all);
    for field in ["classification", "reason", "organization_id", "config"] {
        assert_eq!(merged[field], whole[field], "{field}");
    }
    assert_eq!(merged["plan"]["summary"], whole["plan"]["summary"]);
    assert!(merged["shard"].is_null());

    let (out, _) = merge(&[&d1, &d3]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("shard(s) 2/3 missing"),
        "{}",
        stderr(&out)
    );
    let (out, _) = merge(&[&d1, &d2, &d2, &d3]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("are both shard 2/3"),
        "{}",
        stderr(&out)
    );
}

/// Issue 18: the shards of one run share one read of the organization. `govern drift organization`
/// reads it (Organizations only), every shard starts from the file and reads inside its accounts
/// only (no Organizations request at all), and the merge equals the unsharded report and names
/// the snapshot. A stale file is refused before anything is read; the merge refuses shards that
/// started from different organizations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_share_one_organization_snapshot() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::none());
    let cfg = emu.sdk_config().await;
    seed_members(&cfg, 6, |i| format!("o{i}")).await;
    let d = ShardDir::new();
    let config = d.config.clone();
    let file = |name: &str| d.file(name);
    let report = |name: &str| d.report(name);
    let organizations = |counts: &std::collections::BTreeMap<String, u64>| -> u64 {
        counts
            .iter()
            .filter(|(op, _)| op.starts_with("organizations:"))
            .map(|(_, n)| n)
            .sum()
    };

    let (whole, whole_reads) = d.whole_drift(&proxy, &emu);
    assert!(
        whole.get("organization_snapshot").is_none(),
        "read from AWS: no snapshot named"
    );

    let before = proxy.counts();
    let (out, _) = govern(
        &proxy,
        &emu,
        &config,
        &["drift", "organization", "--output", &file("org.json")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let snapshot_reads = delta(&before, &proxy.counts());
    assert!(
        snapshot_reads
            .keys()
            .all(|op| op.starts_with("organizations:") || op == "sts:GetCallerIdentity"),
        "the snapshot reads the organization only: {snapshot_reads:?}"
    );
    assert_eq!(
        organizations(&snapshot_reads),
        organizations(&whole_reads),
        "the same organization read an unsharded drift makes"
    );
    let printed = stdout(&out);
    let sha = printed
        .split("sha256 ")
        .nth(1)
        .and_then(|rest| rest.get(..64))
        .unwrap_or_else(|| panic!("no sha256 in {printed}"))
        .to_string();

    let mut parts = Vec::new();
    for i in 1..=3 {
        let name = format!("drift-{i}.json");
        let before = proxy.counts();
        let (out, _) = govern(
            &proxy,
            &emu,
            &config,
            &[
                "--shard",
                &format!("{i}/3"),
                "drift",
                "--organization",
                &file("org.json"),
                "--format",
                "json",
                "--output",
                &file(&name),
            ],
        );
        assert!(matches!(out.status.code(), Some(0 | 2)), "{}", stderr(&out));
        let reads = delta(&before, &proxy.counts());
        assert_eq!(
            organizations(&reads),
            0,
            "shard {i}/3 read the organization again: {reads:?}"
        );
        assert_eq!(
            report(&name)["organization_snapshot"]["sha256"],
            sha.as_str()
        );
        parts.push(file(&name));
    }
    let mut args = vec!["drift", "merge", "--format", "json"];
    args.extend(parts.iter().map(String::as_str));
    let (out, _) = govern(&proxy, &emu, &config, &args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let merged: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        listed(&merged["plan"], "changes"),
        listed(&whole["plan"], "changes")
    );
    assert_eq!(merged["plan"]["summary"], whole["plan"]["summary"]);
    assert_eq!(merged["organization_snapshot"]["sha256"], sha.as_str());
    let schema = crate::drift::validator("drift.schema.json");
    crate::drift::assert_valid(&schema, &merged);
    crate::drift::assert_valid(&schema, &report("drift-2.json"));

    // Shard 2 of the same run read from AWS instead: two moments of the organization, refused.
    let (out, _) = govern(
        &proxy,
        &emu,
        &config,
        &[
            "--shard",
            "2/3",
            "drift",
            "--format",
            "json",
            "--output",
            &file("aws-2.json"),
        ],
    );
    assert!(matches!(out.status.code(), Some(0 | 2)), "{}", stderr(&out));
    let aws2 = file("aws-2.json");
    let (out, _) = govern(
        &proxy,
        &emu,
        &config,
        &[
            "drift", "merge", "--format", "json", &parts[0], &aws2, &parts[2],
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("started from different organization snapshots"),
        "{}",
        stderr(&out)
    );

    // A snapshot two hours old is refused, and nothing is read.
    let text = std::fs::read_to_string(file("org.json")).unwrap();
    let at = text
        .split("\"read_at\":\"")
        .nth(1)
        .unwrap()
        .get(..20)
        .unwrap();
    let old = ::govern::time::rfc3339(::govern::time::parse_rfc3339(at).unwrap().0 as u64 - 7200);
    std::fs::write(file("old.json"), text.replace(at, &old)).unwrap();
    let before = proxy.counts();
    let (out, _) = govern(
        &proxy,
        &emu,
        &config,
        &[
            "--shard",
            "1/3",
            "drift",
            "--organization",
            &file("old.json"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("old.json") && err.contains("at most 3600 s old"),
        "{err}"
    );
    assert!(err.contains("govern drift organization --output"), "{err}");
    assert!(
        delta(&before, &proxy.counts()).is_empty(),
        "refused before any request"
    );
}

/// Golden outputs (tests/it/golden/baselines/) of the 21-account organization: plan, drift before and
/// after apply, evidence controls and what import writes. Ids come from a seeded emulator.
#[tokio::test(flavor = "multi_thread")]
async fn golden_outputs_of_the_twenty_one_account_organization() {
    use crate::support::golden::{assert_golden, files_under, normalize};
    let (emu, proxy) = baselines_stack();
    emu.seed_ids(12);
    let seeded = seed_twenty_one(&emu, &proxy).await;
    let config = &seeded.config;
    let dir = config.parent().unwrap().to_path_buf();
    let run = |args: &[&str]| {
        let (out, _) = govern(&proxy, &emu, config, args);
        (out.status.code(), normalize(&stdout(&out), &dir))
    };
    let (code, plan) = run(&["plan", "--json"]);
    assert_eq!(code, Some(1));
    assert_golden("baselines/plan.json", &plan);
    // What people read (issue 17): names beside ids, values before → after, and the findings
    // summarized by kind and reason (every error in full) unless `--findings all`.
    let (_, text) = run(&["plan", "--color", "never"]);
    assert_golden("baselines/plan.txt", &text);
    let (_, all) = run(&["plan", "--color", "never", "--findings", "all"]);
    assert_golden("baselines/plan-findings-all.txt", &all);
    let (_, markdown) = run(&["plan", "--format", "markdown"]);
    assert_golden("baselines/plan.md", &markdown);
    let (_, drift) = run(&["drift", "--format", "markdown"]);
    assert_golden("baselines/drift-before.md", &drift);
    let (_, drift) = run(&["drift", "--format", "json"]);
    assert_golden("baselines/drift-before.json", &drift);
    let (code, _) = run(&["apply", "--auto-approve"]);
    assert_eq!(code, Some(1));
    let (_, drift) = run(&["drift", "--format", "json"]);
    assert_golden("baselines/drift-after.json", &drift);
    let bundle = dir.join("bundle");
    run(&["evidence", "--out", bundle.to_str().unwrap()]);
    let controls = std::fs::read_to_string(bundle.join("controls.json")).expect("controls.json");
    assert_golden("baselines/controls.json", &normalize(&controls, &dir));
    let imported = dir.join("imported");
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
        assert_golden(&format!("baselines/import/{name}"), &normalize(&text, &dir));
    }
}
