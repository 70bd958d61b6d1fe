//! The IAM policies in docs/iam/ list exactly the actions the code calls.
//!
//! The operations are found in `src/` as SDK fluent calls (`.list_accounts_for_parent()`); the SDK
//! crates' own sources give each operation's wire name (`EnableAWSServiceAccess`, which snake case
//! cannot restore) and service. Which policy must hold a call depends on where it is made:
//! `src/apply/` and a baseline's `write` (in `src/baselines/`) only run for apply; `src/discover/`,
//! `src/apply/` and `src/baselines/` also run inside member accounts for the account, KMS and
//! Secrets Manager services.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The services govern calls: the SDK crate `aws-sdk-<name>`, whose name is the IAM prefix.
const SERVICES: &[&str] = &[
    "organizations",
    "sts",
    "account",
    "kms",
    "secretsmanager",
    "securityhub",
    "iam",
    "guardduty",
    "macie2",
    "inspector2",
    "detective",
    "cloudtrail",
    "s3",
    "accessanalyzer",
];
/// Services whose calls are also made inside member accounts, through the member role.
const MEMBER_SERVICES: &[&str] = &["account", "kms", "secretsmanager", "securityhub", "s3"];
/// How the code names its clients, for operations more than one service has (`tag_resource`).
const RECEIVERS: &[(&str, &str)] = &[
    ("org", "organizations"),
    ("sts", "sts"),
    ("account", "account"),
    ("kms", "kms"),
    ("sm", "secretsmanager"),
    ("iam", "iam"),
    ("gd", "guardduty"),
    ("hub", "securityhub"),
    ("macie", "macie2"),
    ("inspector", "inspector2"),
    ("detective", "detective"),
    ("ct", "cloudtrail"),
    ("s3", "s3"),
    ("s3c", "s3"),
    ("analyzer", "accessanalyzer"),
];
/// S3 operations whose IAM action has another name (Service Authorization Reference, Amazon S3:
/// "PutBucketEncryption" is authorized by s3:PutEncryptionConfiguration, and so on).
const RENAMED: &[(&str, &str)] = &[
    ("s3:GetBucketEncryption", "s3:GetEncryptionConfiguration"),
    ("s3:PutBucketEncryption", "s3:PutEncryptionConfiguration"),
    ("s3:GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
    ("s3:PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
    (
        "s3:GetBucketLifecycleConfiguration",
        "s3:GetLifecycleConfiguration",
    ),
    (
        "s3:PutBucketLifecycleConfiguration",
        "s3:PutLifecycleConfiguration",
    ),
    (
        "s3:GetObjectLockConfiguration",
        "s3:GetBucketObjectLockConfiguration",
    ),
    (
        "s3:PutObjectLockConfiguration",
        "s3:PutBucketObjectLockConfiguration",
    ),
];
/// Actions AWS requires of the caller of an operation besides the operation's own.
const IMPLIED: &[(&str, &str)] = &[
    // "You also need lambda:InvokeFunction permissions on the rotation function" (RotateSecret).
    ("secretsmanager:RotateSecret", "lambda:InvokeFunction"),
    // CreateBucket with ObjectLockEnabledForBucket and ObjectOwnership (S3 API reference:
    // "s3:PutBucketObjectLockConfiguration and s3:PutBucketVersioning permissions are required",
    // "s3:PutBucketOwnershipControls permission is required").
    ("s3:CreateBucket", "s3:PutBucketObjectLockConfiguration"),
    ("s3:CreateBucket", "s3:PutBucketVersioning"),
    ("s3:CreateBucket", "s3:PutBucketOwnershipControls"),
    // An organization trail (CloudTrail user guide, "Required permissions to create an
    // organization trail"): CloudTrail's service-linked role.
    ("cloudtrail:CreateTrail", "iam:GetRole"),
    ("cloudtrail:CreateTrail", "iam:CreateServiceLinkedRole"),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The version of each SDK crate in Cargo.lock.
fn locked_versions() -> BTreeMap<String, String> {
    let lock: toml::Value = toml::from_str(
        &std::fs::read_to_string(repo().join("Cargo.lock")).expect("Cargo.lock is readable"),
    )
    .expect("Cargo.lock is TOML");
    lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            let name = p["name"].as_str()?;
            Some((name.to_string(), p["version"].as_str()?.to_string()))
        })
        .collect()
}

/// `snake_name` → (service, WireName) for every operation of every service, from the SDK sources in
/// cargo's registry.
fn sdk_operations() -> BTreeMap<String, Vec<(String, String)>> {
    let versions = locked_versions();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .expect("CARGO_HOME or HOME is set");
    let registry = cargo_home.join("registry").join("src");
    let mut ops: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for service in SERVICES {
        let krate = format!("aws-sdk-{service}");
        let version = &versions[&krate];
        let dir = std::fs::read_dir(&registry)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", registry.display()))
            .filter_map(Result::ok)
            .map(|index| index.path().join(format!("{krate}-{version}")))
            .find(|d| d.is_dir())
            .unwrap_or_else(|| {
                panic!(
                    "the sources of {krate} {version} are not under {}: run `cargo fetch`",
                    registry.display()
                )
            });
        for entry in std::fs::read_dir(dir.join("src/operation")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // `Metadata::new("EnableAWSServiceAccess", "Organizations")` in every operation module.
            let Some(at) = text.find("Metadata::new(") else {
                continue;
            };
            let rest = &text[at..];
            let name = rest
                .split('"')
                .nth(1)
                .expect("an operation name")
                .to_string();
            let snake = path.file_stem().unwrap().to_string_lossy().into_owned();
            ops.entry(snake)
                .or_default()
                .push((service.to_string(), name));
        }
    }
    assert!(
        ops.len() > 100,
        "too few SDK operations found: {}",
        ops.len()
    );
    ops
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A call the code makes: the IAM action, the file (relative to src/) and the function it is made
/// in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Call {
    action: String,
    file: String,
    function: String,
}

impl Call {
    /// Made only by `govern apply`: anywhere in `apply/`, and in a baseline's or an
    /// organization-wide capability's (`root_access.rs`, `security.rs`, `account_name.rs`) `write`.
    fn apply_only(&self) -> bool {
        self.file.starts_with("apply/")
            || ((self.file.starts_with("baselines/")
                || self.file == "root_access.rs"
                || self.file == "security.rs"
                || self.file == "trail.rs"
                || self.file == "account_name.rs")
                && (self.function == "write" || self.function == "trail_write"))
    }
    /// Made inside member accounts too: discovery, apply, the baselines, account renames
    /// (PutAccountName from inside the account), and the Security Hub import (each account
    /// imports its own findings).
    fn in_members(&self) -> bool {
        [
            "discover/",
            "apply/",
            "baselines/",
            "evidence/security_hub.rs",
            "trail.rs",
            "account_name.rs",
        ]
        .iter()
        .any(|d| self.file.starts_with(d))
    }
}

/// The name of the function whose body holds `at` (the last `fn <name>` before it).
fn enclosing_fn(code: &str, at: usize) -> String {
    code[..at]
        .rfind("fn ")
        .map(|i| {
            code[i + 3..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .unwrap_or_default()
}

/// Every `.<operation>()` call in src/, comments left out.
fn calls() -> Vec<Call> {
    let ops = sdk_operations();
    let src = repo().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out = Vec::new();
    for path in files {
        let file = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let code: String = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let bytes = code.as_bytes();
        for (dot, _) in code.match_indices('.') {
            let name: String = code[dot + 1..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            let after = code[dot + 1 + name.len()..].trim_start();
            let Some(candidates) = ops.get(&name) else {
                continue;
            };
            let args_empty = after
                .strip_prefix('(')
                .is_some_and(|a| a.trim_start().starts_with(')'));
            if !args_empty {
                continue;
            }
            let receiver: String = code[..dot]
                .trim_end()
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
                .chars()
                .rev()
                .collect();
            let (service, wire) = if candidates.len() == 1 {
                candidates[0].clone()
            } else {
                let service = RECEIVERS
                    .iter()
                    .find(|(r, _)| *r == receiver)
                    .map(|(_, s)| *s)
                    .unwrap_or_else(|| {
                        let line = bytes[..dot].iter().filter(|b| **b == b'\n').count() + 1;
                        panic!(
                            "src/{file}:{line}: `.{name}()` exists in several services \
                             ({candidates:?}) and the receiver `{receiver}` is not in RECEIVERS"
                        )
                    });
                candidates
                    .iter()
                    .find(|(s, _)| s == service)
                    .cloned()
                    .unwrap_or_else(|| panic!("{service} has no operation {name}"))
            };
            // The crate's name is the IAM prefix, but for Access Analyzer's.
            let action = format!(
                "{}:{wire}",
                service.replace("accessanalyzer", "access-analyzer")
            );
            let action = RENAMED
                .iter()
                .find(|(op, _)| *op == action)
                .map_or(action, |(_, iam)| iam.to_string());
            out.push(Call {
                action,
                file: file.clone(),
                function: enclosing_fn(&code, dot),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

fn with_implied(actions: BTreeSet<String>) -> BTreeSet<String> {
    let mut all = actions.clone();
    for (called, implied) in IMPLIED {
        if actions.contains(*called) {
            all.insert(implied.to_string());
        }
    }
    all
}

/// Every action of every Allow statement of a policy file, each once.
fn policy_actions(name: &str) -> BTreeSet<String> {
    let path = repo().join("docs/iam").join(name);
    let policy: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
    assert_eq!(policy["Version"], "2012-10-17", "{name}");
    let mut all = BTreeSet::new();
    for statement in policy["Statement"].as_array().unwrap() {
        assert_eq!(statement["Effect"], "Allow", "{name}: {statement}");
        let actions = match &statement["Action"] {
            serde_json::Value::String(a) => vec![a.clone()],
            serde_json::Value::Array(a) => {
                a.iter().map(|v| v.as_str().unwrap().to_string()).collect()
            }
            other => panic!("{name}: Action is {other}"),
        };
        for action in actions {
            assert!(!action.contains('*'), "{name}: no wildcards: {action}");
            let ok = all.insert(action.clone());
            assert!(ok, "{name}: {action} is listed twice");
        }
    }
    all
}

fn assert_same(policy: &str, expected: BTreeSet<String>) {
    let listed = policy_actions(policy);
    let missing: Vec<_> = expected.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/iam/{policy} differs from the code:\n  called but not listed: {missing:?}\n  \
         listed but never called: {extra:?}"
    );
}

#[test]
fn policies_list_exactly_the_actions_the_code_calls() {
    let calls = calls();
    // The scan sees the calls it must: a sample from each part of the code.
    for (action, file) in [
        (
            "organizations:ListAccountsForParent",
            "discover/organization.rs",
        ),
        ("organizations:EnableAWSServiceAccess", "apply/executor.rs"),
        ("organizations:TagResource", "apply/executor.rs"),
        ("sts:AssumeRole", "aws/assume.rs"),
        ("kms:Sign", "evidence/sign.rs"),
        (
            "securityhub:BatchImportFindings",
            "evidence/security_hub.rs",
        ),
        ("account:PutAlternateContact", "baselines/contacts.rs"),
    ] {
        assert!(
            calls.iter().any(|c| c.action == action && c.file == file),
            "{action} in {file} not found by the scan: {calls:#?}"
        );
    }

    let all: BTreeSet<String> = calls.iter().map(|c| c.action.clone()).collect();
    let read: BTreeSet<String> = calls
        .iter()
        .filter(|c| !c.apply_only())
        .map(|c| c.action.clone())
        .collect();
    let member: BTreeSet<String> = calls
        .iter()
        .filter(|c| c.in_members())
        .filter(|c| MEMBER_SERVICES.contains(&c.action.split(':').next().unwrap()))
        .map(|c| c.action.clone())
        .collect();

    assert_same("govern-read.json", with_implied(read.clone()));
    assert_same("govern-apply.json", with_implied(all));
    assert_same("govern-member-role.json", with_implied(member));
    // Nothing a read-only run calls needs a write permission. `evidence --to-security-hub` writes
    // findings to Security Hub, never to the organization.
    assert!(
        read.iter().all(|a| {
            let op = a.split(':').nth(1).unwrap();
            [
                "Describe",
                "List",
                "Get",
                "AssumeRole",
                "Sign",
                "Verify",
                "BatchImportFindings",
                // `validate --online`: IAM Access Analyzer checks a document, changes nothing.
                "ValidatePolicy",
            ]
            .iter()
            .any(|p| op.starts_with(p))
        }),
        "a read-only command calls a write: {read:?}"
    );
}

#[test]
fn trust_policies_are_valid_json_allowing_assume_role() {
    for name in [
        "govern-member-role-trust.json",
        "govern-management-role-trust.json",
    ] {
        let actions = policy_actions(name);
        assert_eq!(
            actions,
            BTreeSet::from(["sts:AssumeRole".to_string()]),
            "{name}"
        );
    }
}
