//! Centralized root access (`[root_access]`, issue 16 part 2) end to end: the real binary against
//! moto behind the test proxy, which answers IAM's root access calls (moto has none of them) as the
//! IAM API reference documents, refusing them while trusted access for IAM is off.

use std::path::{Path, PathBuf};

use aws_sdk_iam::types::FeatureType;
use govern_testkit::seed::Seeder;
use govern_testkit::{Emulator, Faults, Proxy};
use serde_json::Value;

use crate::support::{govern, stderr, stdout};

const BASE: &str =
    "[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n";

struct Stack {
    emu: Emulator,
    proxy: Proxy,
    dir: tempfile::TempDir,
}

impl Stack {
    async fn new(root_access: &str) -> Stack {
        let emu = Emulator::start();
        let proxy = Proxy::start(&emu.endpoint(), Faults::none());
        Seeder::new(&emu.sdk_config().await).await;
        let dir = tempfile::tempdir().unwrap();
        let s = Stack { emu, proxy, dir };
        s.write(root_access);
        s
    }
    fn write(&self, root_access: &str) {
        std::fs::write(self.config(), format!("{BASE}\n{root_access}")).unwrap();
    }
    fn config(&self) -> PathBuf {
        self.dir.path().join("org.toml")
    }
    fn run(&self, args: &[&str]) -> std::process::Output {
        govern(&self.proxy, &self.emu, &self.config(), args).0
    }
    fn run_at(&self, config: &Path, args: &[&str]) -> std::process::Output {
        govern(&self.proxy, &self.emu, config, args).0
    }
    fn plan_json(&self) -> Value {
        let out = self.run(&["plan", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("plan --json prints JSON")
    }
    fn apply(&self) {
        let out = self.run(&["apply", "--auto-approve"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}\n{}",
            stdout(&out),
            stderr(&out)
        );
    }
    async fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.proxy.sdk_config().await)
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

const BOTH_ON: &str = "[root_access]\ncredentials_management = true\nroot_sessions = true\n";

#[tokio::test(flavor = "multi_thread")]
async fn plan_enables_trusted_access_first_then_apply_converges_and_replans_empty() {
    let s = Stack::new(BOTH_ON).await;
    let plan = s.plan_json();
    assert_eq!(
        addresses(&plan),
        [
            "org:service-access/iam.amazonaws.com",
            "org:root-access/credentials-management",
            "org:root-access/root-sessions",
        ],
        "{plan:#}"
    );
    for c in &plan["changes"].as_array().unwrap()[1..] {
        assert_eq!(c["action"], "create");
        assert_eq!(c["change"]["type"], "set_root_access");
        assert_eq!(c["change"]["enabled"], true);
        assert_eq!(
            c["depends_on"],
            serde_json::json!(["org:service-access/iam.amazonaws.com"])
        );
    }
    let text = stdout(&s.run(&["plan"]));
    assert!(
        text.contains("call:    iam:EnableOrganizationsRootSessions"),
        "{text}"
    );

    s.apply();
    assert_eq!(
        s.proxy.root_features().get(),
        ["RootCredentialsManagement", "RootSessions"]
            .map(String::from)
            .into(),
    );
    assert_eq!(s.proxy.count("iam:EnableOrganizationsRootSessions"), 1);
    let again = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));

    // Declared off: Disable, with no trusted access change (it is on and stays on).
    s.write("[root_access]\ncredentials_management = true\nroot_sessions = false\n");
    let plan = s.plan_json();
    assert_eq!(addresses(&plan), ["org:root-access/root-sessions"]);
    assert_eq!(plan["changes"][0]["action"], "delete");
    s.apply();
    assert_eq!(
        s.proxy.root_features().get(),
        ["RootCredentialsManagement"].map(String::from).into()
    );
    assert_eq!(s.proxy.count("iam:DisableOrganizationsRootSessions"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_proxy_refuses_root_access_without_trusted_access_and_govern_orders_it_first() {
    let s = Stack::new(BOTH_ON).await;
    // As IAM documents: no feature before trusted access for IAM.
    let iam = s.iam().await;
    let err = iam
        .enable_organizations_root_sessions()
        .send()
        .await
        .expect_err("refused without trusted access");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_service_access_not_enabled_exception()),
        "{err:?}"
    );
    let err = iam
        .list_organizations_features()
        .send()
        .await
        .expect_err("refused without trusted access");
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_service_access_not_enabled_exception()));
    assert!(s.proxy.root_features().get().is_empty());

    // A plan with only the root access changes (--target) still carries trusted access, first.
    let out = s.run(&[
        "plan",
        "--json",
        "--target",
        "org:root-access/root-sessions",
    ]);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        addresses(&plan),
        [
            "org:service-access/iam.amazonaws.com",
            "org:root-access/root-sessions"
        ]
    );
    let out = s.run(&[
        "apply",
        "--auto-approve",
        "--target",
        "org:root-access/root-sessions",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        s.proxy.root_features().get(),
        ["RootSessions"].map(String::from).into()
    );
    let features = iam.list_organizations_features().send().await.unwrap();
    assert_eq!(features.enabled_features(), [FeatureType::RootSessions]);
    assert!(features
        .organization_id()
        .is_some_and(|o| o.starts_with("o-")));
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_and_evidence_see_a_feature_disabled_out_of_band() {
    let s = Stack::new(BOTH_ON).await;
    s.apply();
    let clean = s.run(&["drift", "--format", "json"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    let pass = s.dir.path().join("pass");
    let out = s.run(&["evidence", "--out", pass.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = root_rows(&pass);
    assert_eq!(
        rows,
        [
            (
                "org:root-access/credentials-management".into(),
                "PASS".into()
            ),
            ("org:root-access/root-sessions".into(), "PASS".into()),
            ("org:service-access/iam.amazonaws.com".into(), "PASS".into()),
        ]
    );

    // Someone turns root sessions off with IAM directly.
    s.iam()
        .await
        .disable_organizations_root_sessions()
        .send()
        .await
        .unwrap();
    let out = s.run(&["drift", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["classification"], "drift", "{report}");
    assert_eq!(
        addresses(&report["plan"]),
        ["org:root-access/root-sessions"]
    );
    let fail = s.dir.path().join("fail");
    let out = s.run(&["evidence", "--out", fail.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(root_rows(&fail).contains(&("org:root-access/root-sessions".into(), "FAIL".into())));
}

/// The GOV.ROOT.1 rows of a bundle: (resource, status).
fn root_rows(bundle: &Path) -> Vec<(String, String)> {
    let controls: Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("controls.json")).unwrap())
            .unwrap();
    let catalogued = controls["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "GOV.ROOT.1")
        .expect("GOV.ROOT.1 is in the catalogue");
    assert!(catalogued["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f.as_str().unwrap().starts_with("CIS AWS Foundations")));
    let mut rows: Vec<(String, String)> = controls["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["control_id"] == "GOV.ROOT.1")
        .map(|r| {
            (
                r["resource"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn import_writes_the_features_and_the_plan_stays_empty() {
    let s = Stack::new("").await;
    // Set up by hand: trusted access for IAM, then root credentials management only.
    let org = aws_sdk_organizations::Client::new(&s.proxy.sdk_config().await);
    org.enable_aws_service_access()
        .service_principal("iam.amazonaws.com")
        .send()
        .await
        .unwrap();
    s.iam()
        .await
        .enable_organizations_root_credentials_management()
        .send()
        .await
        .unwrap();

    let imported = s.dir.path().join("imported/org.toml");
    std::fs::create_dir_all(imported.parent().unwrap()).unwrap();
    let out = s.run_at(&imported, &["import", "--out", imported.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&imported).unwrap();
    assert!(
        text.contains("[root_access]\ncredentials_management = true\nroot_sessions = false\n"),
        "{text}"
    );
    let out = s.run_at(&imported, &["validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = s.run_at(&imported, &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}
