//! The organization trail (`[logging.trail]`, issue 16 part 1) end to end: the real binary against
//! moto behind the test proxy. moto implements CloudTrail, S3 and KMS; it does not check trusted
//! access for an organization trail, the bucket policy or the key policy, so these tests check
//! what govern writes and the order it writes in (the plan's `depends_on`), not AWS's refusals.

use std::path::PathBuf;

use ::govern::aws::MemberSessions;
use ::govern::model::AccountId;
use aws_config::SdkConfig;
use govern_testkit::seed::Seeder;
use govern_testkit::{Emulator, Faults, Proxy};
use serde_json::Value;

use crate::support::{govern, member, stderr, stdout};

const BUCKET: &str = "acme-org-trail-logs";

const BASE: &str = r#"[organization]
management_account = "123456789012"
home_region = "us-east-1"
allowed_regions = ["us-east-1", "eu-west-1"]

[accounts.log-archive]
email = "log@example.com"

[logging]
account = "log-archive"
trusted_services = ["cloudtrail.amazonaws.com", "config-multiaccountsetup.amazonaws.com"]
delegated_admin_for = ["config-multiaccountsetup.amazonaws.com"]
"#;

pub(crate) fn config(trail: &str) -> String {
    format!("{BASE}{trail}")
}

pub(crate) const TRAIL: &str = "[logging.trail]\nname = \"org-trail\"\nbucket = \"acme-org-trail-logs\"\nretention_days = 400\nobject_lock = \"governance\"\nobject_lock_days = 30\n";

struct Stack {
    emu: Emulator,
    proxy: Proxy,
    dir: tempfile::TempDir,
    log: String,
    sessions: MemberSessions,
}

impl Stack {
    async fn new(trail: &str) -> Stack {
        let emu = Emulator::start();
        let proxy = Proxy::start(&emu.endpoint(), Faults::none());
        let cfg = emu.sdk_config().await;
        let seeder = Seeder::new(&cfg).await;
        let log = seeder.account("log-archive", "log@example.com", None).await;
        // Through the proxy: it gives moto's S3 answers the shape S3's have.
        let sessions = MemberSessions::new(
            proxy.sdk_config().await,
            AccountId::parse("123456789012").unwrap(),
            "arn:aws:iam::123456789012:user/moto",
            "OrganizationAccountAccessRole",
            None,
            "seed",
        );
        let dir = tempfile::tempdir().unwrap();
        let s = Stack {
            emu,
            proxy,
            dir,
            log,
            sessions,
        };
        std::fs::write(s.config(), config(trail)).unwrap();
        s
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
    /// As someone in the console would (through the proxy, uncounted by govern's runs).
    async fn s3(&self) -> aws_sdk_s3::Client {
        let cfg: SdkConfig = member(&self.sessions, &self.log, "us-east-1").await;
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&cfg)
                .force_path_style(true)
                .build(),
        )
    }
    async fn cloudtrail(&self) -> aws_sdk_cloudtrail::Client {
        aws_sdk_cloudtrail::Client::new(&self.emu.sdk_config().await)
    }
    fn evidence_rows(&self) -> Vec<Value> {
        let out_dir = self.dir.path().join(format!(
            "bundle-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let out = self.run(&["evidence", "--out", out_dir.to_str().unwrap()]);
        assert!(
            matches!(out.status.code(), Some(0) | Some(2)),
            "{}\n{}",
            stdout(&out),
            stderr(&out)
        );
        let controls: Value =
            serde_json::from_str(&std::fs::read_to_string(out_dir.join("controls.json")).unwrap())
                .unwrap();
        controls["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["control_id"].as_str().unwrap().starts_with("GOV.TRAIL."))
            .cloned()
            .collect()
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

fn trail_addresses(plan: &Value) -> Vec<String> {
    addresses(plan)
        .into_iter()
        .filter(|a| a.starts_with("org:trail/") || a.contains("cloudtrail"))
        .collect()
}

fn row_status(rows: &[Value], control: &str, resource: &str) -> String {
    rows.iter()
        .find(|r| r["control_id"] == control && r["resource"] == resource)
        .unwrap_or_else(|| panic!("no {control} row on {resource}: {rows:#?}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_orders_the_bucket_before_the_trail_and_apply_converges_then_replans_empty() {
    let s = Stack::new(TRAIL).await;
    let plan = s.plan_json();
    assert_eq!(
        trail_addresses(&plan),
        [
            "org:service-access/cloudtrail.amazonaws.com",
            "org:trail/key",
            "org:trail/bucket",
            "org:trail/versioning",
            "org:trail/encryption",
            "org:trail/public-access-block",
            "org:trail/ownership",
            "org:trail/bucket-policy",
            "org:trail/lifecycle",
            "org:trail/object-lock",
            "org:trail/trail",
            "org:trail/logging",
        ],
        "{plan:#}"
    );
    let change = |addr: &str| {
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == addr)
            .unwrap()
            .clone()
    };
    // The trail after trusted access for CloudTrail and every part of the bucket and key.
    let deps = change("org:trail/trail")["depends_on"].clone();
    for needed in [
        "org:service-access/cloudtrail.amazonaws.com",
        "org:trail/key",
        "org:trail/bucket",
        "org:trail/bucket-policy",
        "org:trail/encryption",
    ] {
        assert!(
            deps.as_array().unwrap().iter().any(|d| d == needed),
            "{needed} not in {deps}"
        );
    }
    assert_eq!(change("org:trail/trail")["change"]["type"], "set_trail");
    let text = stdout(&s.run(&["plan"]));
    assert!(text.contains("call:    cloudtrail:CreateTrail"), "{text}");

    s.apply();
    // What AWS holds now.
    let ct = s.cloudtrail().await;
    let t = ct
        .get_trail()
        .name("org-trail")
        .send()
        .await
        .unwrap()
        .trail
        .unwrap();
    assert_eq!(t.is_organization_trail(), Some(true));
    assert_eq!(t.is_multi_region_trail(), Some(true));
    assert_eq!(t.include_global_service_events(), Some(true));
    assert_eq!(t.log_file_validation_enabled(), Some(true));
    assert_eq!(t.s3_bucket_name(), Some(BUCKET));
    let key = t.kms_key_id().unwrap().to_string();
    assert!(
        key.starts_with(&format!("arn:aws:kms:us-east-1:{}:key/", s.log)),
        "the key is in the logging account: {key}"
    );
    let status = ct
        .get_trail_status()
        .name("org-trail")
        .send()
        .await
        .unwrap();
    assert_eq!(status.is_logging(), Some(true));
    let s3 = s.s3().await;
    let v = s3
        .get_bucket_versioning()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    assert_eq!(v.status().map(|s| s.as_str()), Some("Enabled"));
    let policy = s3.get_bucket_policy().bucket(BUCKET).send().await.unwrap();
    let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    let text = policy.to_string();
    assert!(text.contains("aws:SourceOrgID"), "{text}");
    assert!(text.contains("\"aws:SecureTransport\":\"false\""), "{text}");
    let enc = s3
        .get_bucket_encryption()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    let rule = enc.server_side_encryption_configuration().unwrap().rules()[0]
        .apply_server_side_encryption_by_default()
        .unwrap()
        .clone();
    assert_eq!(rule.sse_algorithm().as_str(), "aws:kms");
    assert_eq!(rule.kms_master_key_id(), Some(key.as_str()));

    let again = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_proxy_refuses_an_organization_trail_without_trusted_access_and_govern_enables_it_first(
) {
    let s = Stack::new(TRAIL).await;
    // As CloudTrail does (moto does not): no organization trail before trusted access. The bucket
    // need not exist for the refusal, which comes first.
    let ct = aws_sdk_cloudtrail::Client::new(&s.proxy.sdk_config().await);
    let err = ct
        .create_trail()
        .name("early")
        .s3_bucket_name(BUCKET)
        .is_organization_trail(true)
        .send()
        .await
        .expect_err("refused without trusted access");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_cloud_trail_access_not_enabled_exception()),
        "{err:?}"
    );
    // govern's apply enables trusted access before CreateTrail, so it succeeds through the proxy.
    s.apply();
    // The refused one above, and govern's.
    assert_eq!(s.proxy.count("cloudtrail:CreateTrail"), 2);
    assert_eq!(s.proxy.count("cloudtrail:StartLogging"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_names_each_property_changed_out_of_band_and_evidence_fails_then_passes_after_apply()
{
    let s = Stack::new(TRAIL).await;
    s.apply();
    let rows = s.evidence_rows();
    assert!(
        rows.iter().all(|r| r["status"] == "PASS"),
        "all PASS after apply: {rows:#?}"
    );

    // Out of band: the trail stopped, validation off, versioning suspended, the public access
    // block removed, the bucket policy replaced.
    let ct = s.cloudtrail().await;
    ct.stop_logging().name("org-trail").send().await.unwrap();
    ct.update_trail()
        .name("org-trail")
        .enable_log_file_validation(false)
        .send()
        .await
        .unwrap();
    let s3 = s.s3().await;
    s3.put_bucket_versioning()
        .bucket(BUCKET)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.delete_public_access_block()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    s3.put_bucket_policy()
        .bucket(BUCKET)
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::acme-org-trail-logs/*"}]}"#)
        .send()
        .await
        .unwrap();

    let out = s.run(&["drift", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let drift: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        addresses(&drift["plan"]),
        [
            "org:trail/versioning",
            "org:trail/public-access-block",
            "org:trail/bucket-policy",
            "org:trail/settings",
            "org:trail/logging",
        ],
        "{drift:#}"
    );
    let details = |addr: &str| {
        drift["plan"]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == addr)
            .unwrap()["change"]
            .clone()
    };
    assert_eq!(details("org:trail/versioning")["before"], "Suspended");
    assert_eq!(
        details("org:trail/public-access-block")["before"],
        "BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets off"
    );
    assert_eq!(
        details("org:trail/bucket-policy")["before"],
        "another policy"
    );
    assert_eq!(
        details("org:trail/settings")["before"],
        "log file validation off"
    );
    assert_eq!(details("org:trail/logging")["before"], "stopped");

    let rows = s.evidence_rows();
    for (control, resource) in [
        ("GOV.TRAIL.1", "org:trail/logging"),
        ("GOV.TRAIL.1", "org:trail/settings"),
        ("GOV.TRAIL.2", "org:trail/settings"),
        ("GOV.TRAIL.4", "org:trail/versioning"),
        ("GOV.TRAIL.4", "org:trail/public-access-block"),
        ("GOV.TRAIL.4", "org:trail/bucket-policy"),
    ] {
        assert_eq!(
            row_status(&rows, control, resource),
            "FAIL",
            "{control} {resource}"
        );
    }
    assert_eq!(
        row_status(&rows, "GOV.TRAIL.3", "org:trail/encryption"),
        "PASS"
    );

    s.apply();
    let again = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    let rows = s.evidence_rows();
    assert!(
        rows.iter().all(|r| r["status"] == "PASS"),
        "all PASS after apply: {rows:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_writes_the_trail_and_bucket_so_the_plan_stays_empty() {
    let s = Stack::new(TRAIL).await;
    s.apply();
    let out_dir = tempfile::tempdir().unwrap();
    let imported = out_dir.path().join("org.toml");
    let out = govern(
        &s.proxy,
        &s.emu,
        &s.config(),
        &["import", "--out", imported.to_str().unwrap()],
    )
    .0;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&imported).unwrap();
    assert!(
        text.contains("[logging.trail]\nname = \"org-trail\"\nbucket = \"acme-org-trail-logs\"\nretention_days = 400\nobject_lock = \"governance\"\nobject_lock_days = 30\n"),
        "{text}"
    );
    let plan = govern(&s.proxy, &s.emu, &imported, &["plan", "--json"]).0;
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let plan: Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(trail_addresses(&plan), Vec::<String>::new(), "{plan:#}");
}

/// `govern validate` on `[logging.trail]` with `body`: its stderr.
fn validate(body: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.toml");
    std::fs::write(&path, config(body)).unwrap();
    let out = crate::support::Govern::new(&["validate"])
        .config(&path)
        .run();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    stderr(&out)
}

#[test]
fn validate_refuses_a_bucket_name_s3_would_refuse() {
    let err = validate(
        "[logging.trail]\nname = \"org-trail\"\nbucket = \"Acme_Logs\"\nretention_days = 365\n",
    );
    assert!(
        err.contains("org.toml:15:10: logging.trail.bucket: bucket name `Acme_Logs` contains `A`; S3 allows only lowercase letters, digits, `.` and `-`"),
        "{err}"
    );
    assert!(
        err.contains("help: a name like \"acme-org-trail-logs\""),
        "{err}"
    );
    let err = validate(
        "[logging.trail]\nname = \"org-trail\"\nbucket = \"xn--logs\"\nretention_days = 365\n",
    );
    assert!(
        err.contains(
            "logging.trail.bucket: bucket name `xn--logs` starts with `xn--`, which S3 reserves"
        ),
        "{err}"
    );
}

#[test]
fn validate_refuses_a_retention_shorter_than_object_lock() {
    let err = validate("[logging.trail]\nname = \"org-trail\"\nbucket = \"acme-logs\"\nretention_days = 30\nobject_lock = \"compliance\"\nobject_lock_days = 90\n");
    assert!(
        err.contains("org.toml:16:18: logging.trail.retention_days: retention_days (30) is shorter than object_lock_days (90): locked log files cannot expire before their retention ends"),
        "{err}"
    );
    assert!(
        err.contains("help: set retention_days to at least 90, or lower object_lock_days"),
        "{err}"
    );
}

#[test]
fn validate_refuses_a_trail_region_outside_allowed_regions() {
    let err = validate("[logging.trail]\nname = \"org-trail\"\nregion = \"ap-south-1\"\nbucket = \"acme-logs\"\nretention_days = 365\n");
    assert!(
        err.contains(
            "org.toml:15:10: logging.trail.region: region `ap-south-1` is not in allowed_regions"
        ),
        "{err}"
    );
    assert!(
        err.contains("help: one of allowed_regions: us-east-1, eu-west-1"),
        "{err}"
    );
}
