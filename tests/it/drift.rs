//! `govern drift` end to end against moto: exit codes, and drift told from pending by the record of
//! the last successful apply.

use crate::support::Govern;
use std::path::{Path, PathBuf};
use std::process::Output;

use govern_testkit::seed::Seeder;
use govern_testkit::Emulator;
use serde_json::Value;

const DENY_LEAVE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#;

/// A small organization file in its own directory (so its `plans/` is the test's own).
struct Org {
    dir: tempfile::TempDir,
}

impl Org {
    fn new() -> Org {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("scp")).unwrap();
        std::fs::write(dir.path().join("scp/deny-leave.json"), DENY_LEAVE).unwrap();
        std::fs::write(
            dir.path().join("org.toml"),
            "[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n\n\
             [policies.deny-leave-org]\nfile = \"scp/deny-leave.json\"\ndescription = \"no leaving\"\n\n\
             [root]\npolicies = [\"FullAWSAccess\", \"deny-leave-org\"]\n\n\
             [ous.Security]\n",
        )
        .unwrap();
        Org { dir }
    }
    fn config(&self) -> PathBuf {
        self.dir.path().join("org.toml")
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
}

fn govern(emu: &Emulator, config: &Path, args: &[&str]) -> Output {
    Govern::new(&[])
        .config(config)
        .args(args)
        .against(emu)
        .run()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn drift_json(emu: &Emulator, config: &Path, expect: i32) -> Value {
    let out = govern(emu, config, &["drift", "--format", "json"]);
    assert_eq!(out.status.code(), Some(expect), "{}", stdout(&out));
    serde_json::from_slice(&out.stdout).expect("drift --format json prints JSON")
}

fn apply(emu: &Emulator, config: &Path) {
    let out = govern(emu, config, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply failed");
}

#[tokio::test(flavor = "multi_thread")]
async fn clean_then_out_of_band_change_is_drift() {
    let emu = Emulator::start();
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let org = Org::new();
    apply(&emu, &org.config());
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(org.path("plans/last-apply.json")).unwrap())
            .expect("apply records its success");
    assert!(record["organization_id"]
        .as_str()
        .unwrap()
        .starts_with("o-"));
    assert_eq!(
        record["config"]["files"].as_object().unwrap().len(),
        2,
        "org.toml and the SCP file: {record}"
    );

    let out = govern(&emu, &org.config(), &["drift"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("No drift: the organization matches org.toml."));
    let clean = drift_json(&emu, &org.config(), 0);
    assert_eq!(clean["classification"], "clean");
    assert_eq!(clean["kind"], "drift");

    // Someone detaches the SCP from the root by hand.
    let policies = seeder
        .org
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy);
    let policies = policies.send().await.unwrap();
    let id = policies
        .policies()
        .iter()
        .find(|p| p.name() == Some("deny-leave-org"))
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    seeder.detach(&id, &seeder.root_id).await;

    let report = drift_json(&emu, &org.config(), 2);
    assert_eq!(report["classification"], "drift", "{report}");
    assert_eq!(report["format_version"], 1);
    assert_eq!(report["last_apply"], record);
    assert_eq!(
        report["plan"]["changes"][0]["address"],
        "attach:scp:deny-leave-org→root"
    );
    let text = govern(&emu, &org.config(), &["drift"]);
    assert_eq!(text.status.code(), Some(2));
    assert!(
        stdout(&text).contains("so the cloud moved (drift)"),
        "{}",
        stdout(&text)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_edited_after_apply_is_pending() {
    let emu = Emulator::start();
    let _ = Seeder::new(&emu.sdk_config().await).await;
    let org = Org::new();
    apply(&emu, &org.config());
    std::fs::write(
        org.path("scp/deny-leave.json"),
        DENY_LEAVE.replace("organizations:LeaveOrganization", "account:CloseAccount"),
    )
    .unwrap();
    let report = drift_json(&emu, &org.config(), 2);
    assert_eq!(report["classification"], "pending", "{report}");
    assert_eq!(
        report["changed_files"],
        serde_json::json!(["scp/deny-leave.json"])
    );
    assert_eq!(
        report["plan"]["changes"][0]["address"],
        "scp:deny-leave-org"
    );

    // Once applied, the same file is clean again.
    apply(&emu, &org.config());
    assert_eq!(
        drift_json(&emu, &org.config(), 0)["classification"],
        "clean"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_record_it_cannot_tell_and_says_so_in_markdown_too() {
    let emu = Emulator::start();
    let _ = Seeder::new(&emu.sdk_config().await).await;
    let org = Org::new();

    let report = drift_json(&emu, &org.config(), 2);
    assert_eq!(report["classification"], "unknown");
    assert!(report["last_apply"].is_null());

    let md = org.path("drift.md");
    let out = govern(
        &emu,
        &org.config(),
        &[
            "drift",
            "--format",
            "markdown",
            "--output",
            md.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let line = stdout(&out);
    assert_eq!(
        line.lines().count(),
        1,
        "one summary line on stdout: {line}"
    );
    assert!(line.contains("cannot tell drift from pending"), "{line}");
    let md = std::fs::read_to_string(md).unwrap();
    assert!(md.starts_with("## govern drift:"), "{md}");
    assert!(md.contains("no record of a successful apply in"), "{md}");
    assert!(md.contains("| Action | Count |"), "{md}");
    assert!(md.contains("| Address | Action |") || md.contains("| # | Address | Action |"));
    assert!(md.contains("`ou:Security`"), "{md}");
    assert!(md.contains("```diff\n"), "{md}");

    // The same Markdown for `plan`, and `--json` still an alias of `--format json`.
    let plan_md = govern(&emu, &org.config(), &["plan", "--format", "markdown"]);
    assert!(stdout(&plan_md).starts_with("## govern plan"));
    assert!(
        stdout(&plan_md).contains("| `+` create | 3 |"),
        "{}",
        stdout(&plan_md)
    );
    let a = govern(&emu, &org.config(), &["plan", "--json"]);
    let b = govern(&emu, &org.config(), &["plan", "--format", "json"]);
    assert_eq!(stdout(&a), stdout(&b));

    // An explicit --state-dir is where the record goes and is read from.
    let state = org.path("elsewhere");
    let out = govern(
        &emu,
        &org.config(),
        &[
            "--state-dir",
            state.to_str().unwrap(),
            "apply",
            "--auto-approve",
        ],
    );
    assert!(out.status.success());
    assert!(state.join("last-apply.json").exists());
    assert!(!org.path("plans/last-apply.json").exists());
}

pub(crate) fn validator(file: &str) -> jsonschema::Validator {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(file);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft202012::new(&schema).expect("a valid JSON Schema")
}

pub(crate) fn assert_valid(v: &jsonschema::Validator, json: &Value) {
    let errors: Vec<String> = v
        .iter_errors(json)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// Real drift output, with and without a last-apply record, validates against the documented
/// schemas; and the schema is strict enough to reject a wrong classification.
#[tokio::test(flavor = "multi_thread")]
async fn drift_json_matches_its_schema() {
    let emu = Emulator::start();
    let org = Org::new();
    let _ = Seeder::new(&emu.sdk_config().await).await;
    let drift = validator("drift.schema.json");
    let plan = validator("plan.schema.json");

    let before = drift_json(&emu, &org.config(), 2);
    assert_eq!(before["classification"], "unknown");
    assert_valid(&drift, &before);
    assert_valid(&plan, &before["plan"]);

    apply(&emu, &org.config());
    let after = drift_json(&emu, &org.config(), 0);
    assert!(after["last_apply"].is_object());
    assert_valid(&drift, &after);
    assert_valid(&plan, &after["plan"]);

    let mut broken = after.clone();
    broken["classification"] = Value::from("maybe");
    assert!(!drift.is_valid(&broken));
}
