#![allow(dead_code)] // each suite uses a different part
//! Helpers the end-to-end suites share: running the binary, sessions inside member accounts for
//! seeding, and the proxy's request counts between two snapshots.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use ::govern::aws::MemberSessions;
use ::govern::model::AccountId;
use aws_config::SdkConfig;
use govern_testkit::{Emulator, Proxy};

/// A session inside a member account, straight to the emulator (uncounted by the proxy).
pub async fn member(sessions: &MemberSessions, id: &str, region: &str) -> SdkConfig {
    let cfg = sessions
        .config(&AccountId::parse(id).unwrap())
        .await
        .unwrap_or_else(|e| panic!("seed: {e}"));
    ::govern::aws::in_region(&cfg, region)
}

pub async fn put_contact(cfg: &SdkConfig, kind: &str, c: [&str; 4]) {
    aws_sdk_account::Client::new(cfg)
        .put_alternate_contact()
        .alternate_contact_type(kind.into())
        .name(c[0])
        .title(c[1])
        .email_address(c[2])
        .phone_number(c[3])
        .send()
        .await
        .unwrap_or_else(|e| panic!("seed: PutAlternateContact {kind}: {e:?}"));
}

/// Requests made between two snapshots of the proxy's counts, by operation.
pub fn delta(
    before: &BTreeMap<String, u64>,
    after: &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(op, n)| (op.clone(), n - before.get(op).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Runs the govern binary with `--config config` against the emulator through the proxy.
pub fn govern(proxy: &Proxy, emu: &Emulator, config: &Path, args: &[&str]) -> (Output, Duration) {
    Govern::new(&[])
        .config(config)
        .args(args)
        .through(proxy, emu)
        .run_timed()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The problems docs/org.schema.json (the schema editors validate org.toml with) finds in `text`,
/// one line each; empty when it validates.
#[allow(dead_code)]
pub fn schema_problems(text: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/org.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("docs/org.schema.json"))
            .expect("the schema is JSON");
    let validator = jsonschema::draft7::new(&schema).expect("a valid draft-07 schema");
    let value: toml::Value = toml::from_str(text).expect("valid TOML");
    let json = serde_json::to_value(value).expect("TOML maps to JSON");
    validator
        .iter_errors(&json)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

pub mod chromium;
pub mod golden;
pub mod govern;

pub use self::govern::Govern;
