//! `govern import` end to end: the real binary against moto through the fault proxy (which answers
//! the Account region opt-in APIs moto lacks, adds KMS rotation periods, and counts requests). The
//! acceptance test of issue 7: on each seeded shape, `govern import --out` then `govern validate`
//! and `govern plan --detailed-exitcode` exit 0 with no changes.

use std::collections::BTreeMap;
use std::path::Path;

use ::govern::aws::MemberSessions;
use ::govern::config::templates::deny_regions;
use ::govern::model::{AccountId, Region};
use aws_config::SdkConfig;
use govern_testkit::seed::{demo_brownfield, Seeder};
use govern_testkit::shapes::{self, LongLived, NEAR_LIMIT_SCP, SHARED_SCP};
use govern_testkit::{Emulator, Faults, OptStatus, Proxy};
use serde_json::Value;

use crate::support::{delta, govern, member, put_contact, stderr, stdout};

const MGMT: &str = "123456789012";
const ROLE: &str = "OrganizationAccountAccessRole";

/// `govern import --out DIR/org.toml` (plus `extra`), then validate, then `plan --json
/// --detailed-exitcode`: every step exits 0 and the plan has no changes. Returns the requests
/// import and plan made, by operation.
pub(crate) fn import_then_plan(
    proxy: &Proxy,
    emu: &Emulator,
    dir: &Path,
    extra: &[&str],
) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let config = dir.join("org.toml");
    let before = proxy.counts();
    let mut args = vec!["import", "--out", config.to_str().unwrap()];
    args.extend(extra);
    let (out, took) = govern(proxy, emu, &config, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "import prints nothing on stdout");
    let imported = delta(&before, &proxy.counts());
    eprintln!(
        "import: {:.2} s, {} requests",
        took.as_secs_f64(),
        imported.values().sum::<u64>()
    );

    let (out, _) = govern(proxy, emu, &config, &["validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // What editors check it with (taplo / Even Better TOML, docs/org.schema.json) accepts it too.
    let problems = crate::support::schema_problems(&std::fs::read_to_string(&config).unwrap());
    assert!(
        problems.is_empty(),
        "imported org.toml vs the schema:\n{}",
        problems.join("\n")
    );

    let before = proxy.counts();
    let (out, took) = govern(
        proxy,
        emu,
        &config,
        &["plan", "--json", "--detailed-exitcode"],
    );
    let planned = delta(&before, &proxy.counts());
    let plan: Value = serde_json::from_slice(&out.stdout).expect("plan --json prints JSON");
    assert_eq!(plan["changes"], Value::Array(vec![]), "{plan:#}");
    assert_eq!(plan["conflicts"], Value::Array(vec![]), "{plan:#}");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    eprintln!(
        "plan: {:.2} s, {} requests",
        took.as_secs_f64(),
        planned.values().sum::<u64>()
    );
    (imported, planned)
}

const SECURITY: [&str; 4] = [
    "Sécurité Opérations",
    "Security lead",
    "security@example.com",
    "+1 555 0100",
];
const OTHER_SECURITY: [&str; 4] = [
    "Team Ünicorn",
    "Security lead",
    "unicorn@example.com",
    "+49 30 1234",
];
const OPERATIONS: [&str; 4] = [
    "Platform Operations",
    "Operations lead",
    "ops@example.com",
    "+1 555 0101",
];
const BILLING: [&str; 4] = [
    "Cloud Finance",
    "Billing lead",
    "billing@example.com",
    "+1 555 0102",
];

/// The deny-regions template for us-east-1 and eu-west-1, minified as govern sends it, and a near
/// miss of it (one global service less in NotAction).
fn region_deny_documents() -> (String, String) {
    let regions = [
        Region::parse("us-east-1").unwrap(),
        Region::parse("eu-west-1").unwrap(),
    ];
    let exact = deny_regions(&regions, &[ROLE.to_string()]);
    let mut near = exact.value().clone();
    near["Statement"][0]["NotAction"]
        .as_array_mut()
        .unwrap()
        .retain(|a| a != "health:*");
    (exact.minified(), serde_json::to_string(&near).unwrap())
}

/// Contacts, an opted-in region and KMS keys inside the accounts of the long-lived shape.
async fn seed_members(org: &LongLived, cfg: &SdkConfig, proxy: &Proxy) {
    let sessions = MemberSessions::new(
        cfg.clone(),
        AccountId::parse(MGMT).unwrap(),
        "arn:aws:iam::123456789012:user/moto",
        ROLE,
        None,
        "seed",
    );
    let mut everyone: Vec<&str> = org.accounts.iter().map(|(_, id)| id.as_str()).collect();
    everyone.push(MGMT);
    for (i, id) in everyone.iter().enumerate() {
        let m = member(&sessions, id, "us-east-1").await;
        match i {
            4 => put_contact(&m, "SECURITY", OTHER_SECURITY).await,
            5 => continue,
            _ => put_contact(&m, "SECURITY", SECURITY).await,
        }
        if i != 6 {
            put_contact(&m, "OPERATIONS", OPERATIONS).await;
        }
        if i == 7 {
            put_contact(&m, "BILLING", BILLING).await;
        }
    }
    proxy
        .regions()
        .set(&org.accounts[8].1, "af-south-1", OptStatus::Enabled);
    let kms = aws_sdk_kms::Client::new(&member(&sessions, &org.accounts[10].1, "us-east-1").await);
    for rotate in [true, false] {
        let key = kms.create_key().send().await.unwrap();
        let id = key.key_metadata().unwrap().key_id().to_string();
        if rotate {
            kms.enable_key_rotation().key_id(&id).send().await.unwrap();
            proxy.kms_periods().set(&id, 730);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_lived_organization_imports_plans_empty_and_reimports_with_a_small_diff() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::none());
    let cfg = emu.sdk_config().await;
    let (exact, near_miss) = region_deny_documents();
    let org = shapes::long_lived(&cfg, &exact, &near_miss).await;
    seed_members(&org, &cfg, &proxy).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("org.toml");

    let (imported, planned) = import_then_plan(&proxy, &emu, dir.path(), &[]);
    let text = std::fs::read_to_string(&config).unwrap();
    let id = |i: usize| org.accounts[i].1.clone();

    // The region deny round trip: the template is recognised, the near miss stays a file, and the
    // account with a region opted in outside the list is exempt rather than planned.
    for expected in [
        "allowed_regions = [\"eu-west-1\", \"us-east-1\"]".to_string(),
        "[policies.region-deny]\ntemplate = \"deny-regions\"\ndescription = \"Deny every region outside the allowed ones\"".into(),
        "[policies.region-deny-old]\nfile = \"baselines/scp/region-deny-old.json\"".into(),
        format!("[exemptions.{}]\nregions = \"imported: af-south-1 opted in", id(8)),
        // Deep, non-ASCII, spaced, shared and near-limit.
        "[ous.\"Ünits/Zwei Drei/c/d/e\"]\npolicies = [\"FullAWSAccess\", \"legacy-02\", \"near limit\"]".into(),
        "[policies.\"Zugriff für Prüfer\"]\nfile = \"baselines/scp/zugriff-f-r-pr-fer.json\"\ndescription = \"Prüfer dürfen nichts löschen\"".into(),
        "[root]\npolicies = [\"FullAWSAccess\", \"legacy-00\"]".into(),
        format!("[accounts.\"acct 03\"]\nid = \"{}\"\nemail = \"acct-03@example.com\"\npolicies = [\"FullAWSAccess\", \"Zugriff für Prüfer\", \"legacy-04\"]", id(3)),
        format!("[accounts.\"acct 00\"]\nid = \"{}\"\nemail = \"acct-00@example.com\"\nou = \"Ünits/Zwei Drei/c/d/e\"", id(0)),
        // Contacts: the common ones org-wide, one account's own, the accounts without exempt,
        // billing (one account has it) unmanaged.
        "[contacts.security]\nname = \"Sécurité Opérations\"".into(),
        "[contacts.operations]\nname = \"Platform Operations\"".into(),
        "Not managed (billing)".into(),
        "[accounts.\"acct 04\".contacts.security]\nname = \"Team Ünicorn\"".into(),
        format!("[exemptions.{}]\ncontacts = \"imported: no security, operations contact;", id(5)),
        format!("[exemptions.{}]\ncontacts = \"imported: no operations contact;", id(6)),
        // Logging, recovered exactly; key rotation commented out with what is there today.
        "[logging]\naccount = \"acct 01\"\ntrusted_services = [\"cloudtrail.amazonaws.com\", \"config-multiaccountsetup.amazonaws.com\", \"config.amazonaws.com\"]\ndelegated_admin_for = [\"config-multiaccountsetup.amazonaws.com\"]".into(),
        "2 customer-managed keys whose rotation govern would manage, 1 rotating (1 every 730 days), 1 not".into(),
        "# [key_rotation]\n# kms_rotation_period_days = 730\n".into(),
    ] {
        // Comments wrap: compare them as one line.
        let flat = text.replace("\n# ", " ");
        assert!(
            text.contains(&expected) || flat.contains(&expected),
            "missing {expected:?} in\n{text}"
        );
    }
    let scp_dir = dir.path().join("baselines/scp");
    let mut files: Vec<String> = std::fs::read_dir(&scp_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), shapes::LEGACY_SCPS + 3, "{files:?}");
    let near: Value =
        serde_json::from_str(&std::fs::read_to_string(scp_dir.join("near-limit.json")).unwrap())
            .unwrap();
    assert_eq!(
        near,
        serde_json::from_str::<Value>(&shapes::near_limit_document()).unwrap()
    );
    assert!(text.contains(&format!("[policies.\"{NEAR_LIMIT_SCP}\"]")));
    assert!(text.contains(&format!("\"{SHARED_SCP}\"")));

    // Reading once: import asks no more of Organizations than plan does (but the tags of OUs and
    // accounts); inside accounts it adds only the KMS and Secrets Manager reads of the rotation note.
    eprintln!("requests by operation (import, plan):");
    let ops: std::collections::BTreeSet<&String> = imported.keys().chain(planned.keys()).collect();
    for op in ops {
        eprintln!(
            "  {op:45} {:5} {:5}",
            imported.get(op).copied().unwrap_or(0),
            planned.get(op).copied().unwrap_or(0)
        );
    }
    for (op, n) in &imported {
        if op.starts_with("organizations:")
            && !op.contains("Delegated")
            && !op.contains("ServiceAccess")
            && op != "organizations:ListTagsForResource"
        {
            assert_eq!(Some(n), planned.get(op), "{op}");
        }
    }
    // Besides the policies' tags plan reads too, import reads every OU's and account's (the
    // management account's included) to declare them; the file declares no `tags` here (the
    // shape tags none), so plan reads none of those.
    assert_eq!(
        imported["organizations:ListTagsForResource"],
        planned["organizations:ListTagsForResource"]
            + (shapes::LONG_LIVED_OUS.len() + shapes::LONG_LIVED_MEMBERS + 1) as u64
    );
    assert_eq!(
        imported["sts:AssumeRole"],
        shapes::LONG_LIVED_MEMBERS as u64
    );

    // ---- Refusal: the file exists, so a second import without --force changes nothing.
    let (out, _) = govern(
        &proxy,
        &emu,
        &config,
        &["import", "--out", config.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("org.toml exists; govern import does not overwrite it")
            && stderr(&out).contains("--force"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);

    // ---- One attachment added in AWS: the re-import differs in exactly that line.
    org.seeder.attach(&org.policies["legacy-06"], &id(11)).await;
    import_then_plan(&proxy, &emu, dir.path(), &["--force"]);
    let again = std::fs::read_to_string(&config).unwrap();
    let diff: Vec<String> = similar::TextDiff::from_lines(&text, &again)
        .iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .map(|c| format!("{}{}", c.tag(), c.value().trim_end()))
        .collect();
    assert_eq!(
        diff,
        [
            "-policies = [\"FullAWSAccess\", \"Zugriff für Prüfer\"]",
            "+policies = [\"FullAWSAccess\", \"Zugriff für Prüfer\", \"legacy-06\"]",
        ]
    );
    // …and that line is acct 11's.
    let section = again.split(&format!("id = \"{}\"", id(11))).nth(1).unwrap();
    assert_eq!(
        section.lines().nth(2),
        Some("policies = [\"FullAWSAccess\", \"Zugriff für Prüfer\", \"legacy-06\"]")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_brownfield_with_scps_disabled_imports_and_plans_empty() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::none());
    demo_brownfield(&emu.sdk_config().await).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("org.toml");
    import_then_plan(&proxy, &emu, dir.path(), &[]);
    let text = std::fs::read_to_string(&config).unwrap();
    // Listing attachments would plan enabling SCPs: none are listed, and the file says why.
    assert!(!text.contains("policies = ["), "{text}");
    assert!(text.contains("SCPs are not enabled on the root"));
    assert!(text.contains("[policies.legacy-deny-s3]"));
    assert!(text.contains("No alternate contact type"));
    assert!(text.contains("allowed_regions is not set"));

    // An account whose role cannot be assumed: the file is still written (and still plans no
    // change), the account is named, and import exits 1.
    let log_archive = text
        .split("[accounts.log-archive]\nid = \"")
        .nth(1)
        .and_then(|rest| rest.get(..12))
        .unwrap()
        .to_string();
    proxy.deny_assume_role(&log_archive);
    let (out, _) = govern(
        &proxy,
        &emu,
        &config,
        &["import", "--out", config.to_str().unwrap(), "--force"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "the import is incomplete: 1 account could not be read inside ({log_archive}: cannot assume"
        )),
        "{}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains(&format!(
        "Incomplete: {log_archive} could not be read inside"
    )));
    let (out, _) = govern(&proxy, &emu, &config, &["plan", "--json"]);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["changes"], Value::Array(vec![]), "{plan:#}");
    // This file declares no member baseline, so plan reads inside no account and is complete.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_organization_with_only_the_management_account() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::none());
    Seeder::new(&emu.sdk_config().await).await;
    let dir = tempfile::tempdir().unwrap();
    import_then_plan(&proxy, &emu, dir.path(), &[]);
    assert!(
        !dir.path().join("baselines").exists(),
        "no custom SCP, no files"
    );
}
