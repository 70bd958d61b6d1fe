#![allow(dead_code)] // each suite uses a different part
//! Helpers the end-to-end suites share: running the binary, sessions inside member accounts for
//! seeding, and the proxy's request counts between two snapshots.

use std::collections::BTreeMap;
use std::io::Write;
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

/// A zip archive with one stored (uncompressed) file: the rotation function's code. moto stores it
/// and never runs it (Lambda is configured without Docker).
pub fn function_zip() -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("index.py", options).unwrap();
        zip.write_all(b"def handler(event, context):\n    return None\n")
            .unwrap();
        zip.finish().unwrap();
    }
    buf.into_inner()
}

/// An IAM role and a Lambda function in the account, as RotateSecret needs one; returns its ARN.
pub async fn rotation_function(cfg: &SdkConfig) -> String {
    let iam = aws_sdk_iam::Client::new(cfg);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = iam
        .create_role()
        .role_name("secret-rotation")
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("seed: CreateRole");
    let role_arn = role.role().expect("a role").arn().to_string();
    let function = aws_sdk_lambda::Client::new(cfg)
        .create_function()
        .function_name("rotate-db-password")
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .role(role_arn)
        .handler("index.handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_smithy_types::Blob::new(function_zip()))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("seed: CreateFunction: {e:?}"));
    function.function_arn().expect("a function ARN").to_string()
}

pub mod chromium;
pub mod golden;
pub mod govern;

pub use self::govern::Govern;
