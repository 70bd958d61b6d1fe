//! The security services' delegated administrator (`[security]`, issue 16 part 3) end to end: the
//! real binary against moto behind the test proxy. moto takes GuardDuty's and Security Hub's
//! EnableOrganizationAdminAccount (and Macie's and Inspector's Enable); the proxy answers the List
//! and Disable calls moto lacks, and Detective's three (govern_testkit::security_admins); IAM
//! Access Analyzer and Config go through Organizations (moto's RegisterDelegatedAdministrator,
//! after trusted access).

use std::path::PathBuf;

use govern_testkit::seed::Seeder;
use govern_testkit::{Emulator, Faults, Proxy};
use serde_json::Value;

use crate::support::{govern, stderr, stdout};

const MGMT: &str = "123456789012";

struct Stack {
    emu: Emulator,
    proxy: Proxy,
    dir: tempfile::TempDir,
    audit: String,
    other: String,
}

impl Stack {
    async fn new(security: &str) -> Stack {
        let emu = Emulator::start();
        let proxy = Proxy::start(&emu.endpoint(), Faults::none());
        let seeder = Seeder::new(&emu.sdk_config().await).await;
        let audit = seeder.account("audit", "audit@example.com", None).await;
        let other = seeder.account("other", "other@example.com", None).await;
        let dir = tempfile::tempdir().unwrap();
        let s = Stack {
            emu,
            proxy,
            dir,
            audit,
            other,
        };
        s.write(security);
        s
    }
    fn write(&self, security: &str) {
        let text = format!(
            "[organization]\nmanagement_account = \"{MGMT}\"\nhome_region = \"us-east-1\"\n\n\
             [accounts.audit]\nemail = \"audit@example.com\"\n\
             [accounts.other]\nemail = \"other@example.com\"\n\n{security}"
        );
        std::fs::write(self.config(), text).unwrap();
    }
    fn config(&self) -> PathBuf {
        self.dir.path().join("org.toml")
    }
    fn run(&self, args: &[&str]) -> std::process::Output {
        govern(&self.proxy, &self.emu, &self.config(), args).0
    }
    fn plan_json(&self) -> Value {
        let out = self.run(&["plan", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("plan --json prints JSON")
    }
    fn apply(&self, extra: &[&str]) -> std::process::Output {
        let mut args = vec!["apply", "--auto-approve"];
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

fn addresses(plan: &Value) -> Vec<String> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap().to_string())
        .collect()
}

const THREE: &str =
    "[security]\nadministrator = \"audit\"\nservices = [\"guardduty\", \"securityhub\", \"access-analyzer\"]\n";

#[tokio::test(flavor = "multi_thread")]
async fn plan_orders_trusted_access_before_the_administrator_then_apply_converges() {
    let s = Stack::new(THREE).await;
    let plan = s.plan_json();
    assert_eq!(
        addresses(&plan),
        [
            "org:service-access/access-analyzer.amazonaws.com",
            "org:security-admin/access-analyzer",
            "org:security-admin/guardduty/us-east-1",
            "org:security-admin/securityhub/us-east-1",
        ],
        "{plan:#}"
    );
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes[1]["change"]["type"], "set_security_admin");
    assert_eq!(
        changes[1]["depends_on"],
        serde_json::json!(["org:service-access/access-analyzer.amazonaws.com"])
    );
    assert_eq!(changes[2]["change"]["account"], s.audit.as_str());
    assert_eq!(changes[2]["action"], "create");
    let text = stdout(&s.run(&["plan"]));
    assert!(
        text.contains("call:    guardduty:EnableOrganizationAdminAccount"),
        "{text}"
    );

    let out = s.apply(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(
        s.proxy.security_admins().get("guardduty", "us-east-1"),
        Some(s.audit.clone())
    );
    assert_eq!(
        s.proxy.security_admins().get("securityhub", "us-east-1"),
        Some(s.audit.clone())
    );
    assert_eq!(
        s.proxy
            .count("organizations:RegisterDelegatedAdministrator"),
        1
    );
    let again = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));

    // Evidence: every declared service PASS.
    assert_eq!(
        sec_rows(&s, "pass"),
        [
            ("org:security-admin/access-analyzer".into(), "PASS".into()),
            (
                "org:security-admin/guardduty/us-east-1".into(),
                "PASS".into()
            ),
            (
                "org:security-admin/securityhub/us-east-1".into(),
                "PASS".into()
            ),
        ]
    );
}

/// The GOV.SEC.1 rows of a new evidence bundle: (resource, status, observed).
fn sec_rows(s: &Stack, name: &str) -> Vec<(String, String)> {
    sec_rows_observed(s, name)
        .into_iter()
        .map(|(r, st, _)| (r, st))
        .collect()
}

fn sec_rows_observed(s: &Stack, name: &str) -> Vec<(String, String, String)> {
    let bundle = s.dir.path().join(name);
    let out = s.run(&["evidence", "--out", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let controls: Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("controls.json")).unwrap())
            .unwrap();
    assert!(controls["controls"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == "GOV.SEC.1"));
    let mut rows: Vec<(String, String, String)> = controls["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["control_id"] == "GOV.SEC.1")
        .map(|r| {
            (
                r["resource"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
                r["observed"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_changed_out_of_band_is_drift_per_region_and_a_counted_removal() {
    let s = Stack::new("").await;
    // Two Regions: allowed_regions is read from [organization], so rewrite the whole file.
    let text = format!(
        "[organization]\nmanagement_account = \"{MGMT}\"\nhome_region = \"us-east-1\"\n\
         allowed_regions = [\"us-east-1\", \"eu-west-1\"]\n\n\
         [accounts.audit]\nemail = \"audit@example.com\"\n\
         [accounts.other]\nemail = \"other@example.com\"\n\n\
         [security]\nadministrator = \"audit\"\nservices = [\"guardduty\"]\n"
    );
    std::fs::write(s.config(), text).unwrap();
    let admins = s.proxy.security_admins();
    admins.set("guardduty", "us-east-1", Some(&s.audit));
    admins.set("guardduty", "eu-west-1", Some(&s.other));

    let plan = s.plan_json();
    let sec: Vec<&Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["address"]
                .as_str()
                .unwrap()
                .starts_with("org:security-admin")
        })
        .collect();
    let removed = format!("org:security-admin/guardduty/eu-west-1/former/{}", s.other);
    assert_eq!(
        sec.iter()
            .map(|c| c["address"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [removed.as_str(), "org:security-admin/guardduty/eu-west-1"],
        "{plan:#}"
    );
    assert_eq!(sec[0]["action"], "delete");
    assert_eq!(sec[1]["depends_on"], serde_json::json!([removed]));

    let drift = s.run(&["drift", "--format", "json"]);
    assert_eq!(drift.status.code(), Some(2), "{}", stdout(&drift));
    let report: Value = serde_json::from_slice(&drift.stdout).unwrap();
    let drifted: Vec<String> = addresses(&report["plan"])
        .into_iter()
        .filter(|a| a.starts_with("org:security-admin"))
        .collect();
    assert_eq!(
        drifted,
        [
            removed.clone(),
            "org:security-admin/guardduty/eu-west-1".into()
        ]
    );

    assert_eq!(
        sec_rows_observed(&s, "fail"),
        [
            (
                "org:security-admin/guardduty/eu-west-1".into(),
                "FAIL".into(),
                format!("administered by {}", s.other)
            ),
            (
                "org:security-admin/guardduty/us-east-1".into(),
                "PASS".into(),
                format!("administered by {}", s.audit)
            ),
        ]
    );

    // The removal counts against --max-removals.
    let refused = s.apply(&["--max-removals", "0"]);
    assert_ne!(refused.status.code(), Some(0), "{}", stdout(&refused));
    assert!(stderr(&refused).contains(&removed), "{}", stderr(&refused));
    let out = s.apply(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(admins.get("guardduty", "eu-west-1"), Some(s.audit.clone()));
    assert_eq!(s.proxy.count("guardduty:POST /admin/disable"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_service_of_the_table_is_designated_its_own_way_and_replans_empty() {
    let s = Stack::new(
        "[security]\nadministrator = \"audit\"\nservices = [\"guardduty\", \"securityhub\", \"access-analyzer\", \"macie\", \"inspector\", \"detective\", \"config\"]\n",
    )
    .await;
    let plan = s.plan_json();
    let calls: Vec<(String, String)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["change"]["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        calls.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
        [
            "org:service-access/access-analyzer.amazonaws.com",
            "org:service-access/config-multiaccountsetup.amazonaws.com",
            "org:security-admin/access-analyzer",
            "org:security-admin/config",
            "org:security-admin/detective/us-east-1",
            "org:security-admin/guardduty/us-east-1",
            "org:security-admin/inspector/us-east-1",
            "org:security-admin/macie/us-east-1",
            "org:security-admin/securityhub/us-east-1",
        ],
        "{plan:#}"
    );
    let out = s.apply(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    for (proxy_name, op) in [
        ("guardduty", "guardduty:POST /admin/enable"),
        ("securityhub", "securityhub:POST /organization/admin/enable"),
        ("macie2", "macie2:POST /admin"),
        (
            "inspector2",
            "inspector2:POST /delegatedadminaccounts/enable",
        ),
        ("detective", "detective:POST /orgs/enableAdminAccount"),
    ] {
        assert_eq!(s.proxy.count(op), 1, "{op}");
        assert_eq!(
            s.proxy.security_admins().get(proxy_name, "us-east-1"),
            Some(s.audit.clone()),
            "{proxy_name}"
        );
    }
    assert_eq!(
        s.proxy
            .count("organizations:RegisterDelegatedAdministrator"),
        2
    );
    let again = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));

    // Detective's Disable names no account: moving the administrator removes the one there is.
    s.proxy
        .security_admins()
        .set("detective", "us-east-1", Some(&s.other));
    let out = s.apply(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(s.proxy.count("detective:POST /orgs/disableAdminAccount"), 1);
    assert_eq!(
        s.proxy.security_admins().get("detective", "us-east-1"),
        Some(s.audit.clone())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_writes_security_and_the_plan_of_the_file_is_empty() {
    let s = Stack::new("").await;
    s.proxy
        .security_admins()
        .set("guardduty", "us-east-1", Some(&s.audit));
    let imported = s.dir.path().join("imported/org.toml");
    std::fs::create_dir_all(imported.parent().unwrap()).unwrap();
    let out = govern(
        &s.proxy,
        &s.emu,
        &imported,
        &["import", "--out", imported.to_str().unwrap()],
    )
    .0;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let written = std::fs::read_to_string(&imported).unwrap();
    assert!(
        written.contains("[security]\nadministrator = \"audit\"\nservices = [\"guardduty\"]"),
        "{written}"
    );
    let plan = govern(&s.proxy, &s.emu, &imported, &["plan", "--json"]).0;
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let plan: Value = serde_json::from_slice(&plan.stdout).unwrap();
    let sec: Vec<String> = addresses(&plan)
        .into_iter()
        .filter(|a| a.contains("security-admin"))
        .collect();
    assert!(sec.is_empty(), "{plan:#}");
}

fn validate(toml: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.toml");
    std::fs::write(&path, toml).unwrap();
    let out = crate::support::Govern::new(&["validate"])
        .config(&path)
        .run();
    (out.status.code(), stderr(&out))
}

const VALIDATE_BASE: &str = "[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n\n[accounts.audit]\nemail = \"audit@example.com\"\n[accounts.mgmt]\nid = \"123456789012\"\nemail = \"root@example.com\"\n\n";

#[test]
fn an_unknown_service_is_refused_with_the_list() {
    let (code, err) = validate(&format!(
        "{VALIDATE_BASE}[security]\nadministrator = \"audit\"\nservices = [\"gaurdduty\"]\n"
    ));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("org.toml:13:"), "{err}");
    assert!(
        err.contains("`gaurdduty` is not a security service govern knows"),
        "{err}"
    );
    assert!(
        err.contains(
            "did you mean `guardduty`? services: guardduty, securityhub, access-analyzer, macie, inspector, detective, config"
        ),
        "{err}"
    );
}

#[test]
fn the_management_account_cannot_be_the_administrator() {
    let (code, err) = validate(&format!(
        "{VALIDATE_BASE}[security]\nadministrator = \"mgmt\"\nservices = [\"guardduty\"]\n"
    ));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("org.toml:12:17"), "{err}");
    assert!(
        err.contains("`mgmt` is the management account (123456789012); AWS refuses the management account as a security services' delegated administrator"),
        "{err}"
    );
}

#[test]
fn the_administrator_must_be_a_declared_account() {
    let (code, err) = validate(&format!(
        "{VALIDATE_BASE}[security]\nadministrator = \"audti\"\nservices = [\"guardduty\"]\n"
    ));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("org.toml:12:17"), "{err}");
    assert!(
        err.contains("no account named `audti` is declared under [accounts]"),
        "{err}"
    );
    assert!(
        err.contains("did you mean `audit`? declared accounts: audit, mgmt"),
        "{err}"
    );
}

#[test]
fn a_service_logging_already_delegates_is_refused() {
    let (code, err) = validate(&format!(
        "{VALIDATE_BASE}[logging]\naccount = \"audit\"\ntrusted_services = [\"config-multiaccountsetup.amazonaws.com\"]\ndelegated_admin_for = [\"config-multiaccountsetup.amazonaws.com\"]\n\n[security]\nadministrator = \"audit\"\nservices = [\"config\"]\n"
    ));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("org.toml:18:"), "{err}");
    assert!(
        err.contains("`config` (config-multiaccountsetup.amazonaws.com) is also in [logging] delegated_admin_for: one table must own its delegated administrator"),
        "{err}"
    );
}
