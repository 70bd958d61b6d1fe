//! The organization trail (`[logging.trail]`), an organization-wide capability: the trail in the
//! management account, its bucket and customer-managed KMS key in the logging account. What each
//! part should be, the change that sets one, where it goes in the plan, the bucket and key
//! policies govern writes, import, and the evidence controls. The AWS side (CloudTrail, S3, KMS
//! calls) is `govern::trail`.
//!
//! Every property is its own change (`org:trail/<part>`), so a plan or drift names exactly what
//! was changed out of band (a stopped trail, suspended versioning, a replaced bucket policy), and
//! apply sets only that. govern never deletes the bucket, its key or the trail: removing the table
//! stops managing them.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::control::{Control, Eval, On, Status};
use crate::model::{
    AccountId, AccountRef, Action, Actual, Address, Desired, ObjectLock, Trail, TrailActual,
    TrailBucket, TrailInfo, TrailKey, CLOUDTRAIL_SERVICE,
};

pub use crate::model::TrailPart;

/// Trail changes run after trusted access, account creation and the member baselines (ranks up
/// to 13), in [`TrailPart`] order.
pub fn rank(part: TrailPart) -> u8 {
    14 + TrailPart::ALL
        .iter()
        .position(|p| *p == part)
        .expect("every part is in ALL") as u8
}

/// Sets one part. Carries what apply needs: the declaration, the logging account, and the
/// document (bucket or key policy) the plan computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailChange {
    pub part: TrailPart,
    pub trail: Trail,
    /// The logging account by name, and its id when it exists already.
    pub account_name: String,
    pub account: Option<AccountId>,
    pub before: String,
    pub after: String,
    /// The bucket policy (BucketPolicy) or key policy (Key) written; empty otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub document: String,
}

impl TrailChange {
    pub fn address(&self) -> Address {
        Address::Trail(self.part)
    }

    /// Creating the key, the bucket or the trail adds it; every other part updates.
    pub fn action(&self) -> Action {
        match self.part {
            TrailPart::Key | TrailPart::Bucket | TrailPart::Trail => Action::Create,
            _ => Action::Update,
        }
    }

    /// The account apply writes in, for `AccountRef` ordering.
    pub fn account_ref(&self) -> AccountRef {
        match &self.account {
            Some(id) => AccountRef::Id(id.clone()),
            None => AccountRef::Name(self.account_name.clone()),
        }
    }

    /// The lines under the change in text and Markdown plans.
    pub fn details(&self) -> Vec<String> {
        let place = if self.part.in_logging_account() {
            format!(
                "in:      {} ({}), {}",
                self.account_name,
                self.account
                    .as_ref()
                    .map_or("created by this plan", |a| a.as_str()),
                self.trail.region
            )
        } else {
            format!("in:      the management account, {}", self.trail.region)
        };
        vec![
            format!("{}: {} → {}", self.part.slug(), self.before, self.after),
            place,
            format!("call:    {}", self.part.calls()),
        ]
    }

    /// The part of AWS this change was planned against, for a saved plan's fingerprint.
    pub fn fingerprint(&self, actual: &Actual) -> serde_json::Value {
        json!({
            "trail": actual.trail,
            "trusted_access": actual.service_access.contains(CLOUDTRAIL_SERVICE),
        })
    }

    /// The simulation: what AWS holds after this change.
    pub fn simulate(&self, actual: &mut Actual) {
        let want = &self.trail;
        let t = actual.trail.get_or_insert_with(Default::default);
        let key_arn = t.key.as_ref().map(|k| k.arn.clone()).unwrap_or_default();
        match self.part {
            TrailPart::Key => {
                t.key = Some(TrailKey {
                    arn: want.key_alias(),
                    rotation: true,
                })
            }
            TrailPart::KeyRotation => {
                if let Some(k) = &mut t.key {
                    k.rotation = true;
                }
            }
            TrailPart::Bucket => {
                t.bucket = Some(TrailBucket {
                    name: want.bucket.clone(),
                    object_lock_enabled: want.object_lock.is_some(),
                    ..Default::default()
                })
            }
            TrailPart::Trail => {
                t.trail = Some(TrailInfo {
                    name: want.name.clone(),
                    arn: String::new(),
                    home_region: want.region.clone(),
                    bucket: want.bucket.clone(),
                    organization: true,
                    multi_region: true,
                    global_events: true,
                    validation: true,
                    kms_key: key_arn,
                    logging: false,
                })
            }
            TrailPart::Settings => {
                if let Some(info) = &mut t.trail {
                    info.bucket = want.bucket.clone();
                    info.organization = true;
                    info.multi_region = true;
                    info.global_events = true;
                    info.validation = true;
                    info.kms_key = key_arn;
                }
            }
            TrailPart::Logging => {
                if let Some(info) = &mut t.trail {
                    info.logging = true;
                }
            }
            part => {
                if let Some(b) = &mut t.bucket {
                    match part {
                        TrailPart::Versioning => b.versioning = "Enabled".into(),
                        TrailPart::Encryption => {
                            b.sse_algorithm = "aws:kms".into();
                            b.sse_key = key_arn;
                        }
                        TrailPart::PublicAccessBlock => b.public_access_block = [true; 4],
                        TrailPart::Ownership => b.ownership = OWNERSHIP.into(),
                        TrailPart::BucketPolicy => b.policy = self.document.clone(),
                        TrailPart::Lifecycle => b.expiry_days = Some(want.retention_days),
                        TrailPart::ObjectLock => {
                            b.object_lock_enabled = true;
                            b.object_lock = want.object_lock;
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// The object ownership rule: ACLs off, the bucket owner owns every object.
pub const OWNERSHIP: &str = "BucketOwnerEnforced";

/// The partition of a region (for ARNs).
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The trail's ARN (CloudTrail: `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>`).
pub fn trail_arn(trail: &Trail, management: &AccountId) -> String {
    format!(
        "arn:{}:cloudtrail:{}:{}:trail/{}",
        partition(&trail.region),
        trail.region,
        management,
        trail.name
    )
}

/// The bucket policy govern writes: CloudTrail (only) may read the bucket's ACL and write log
/// files, for this trail of this organization (`aws:SourceArn`, `aws:SourceOrgID`, as the
/// CloudTrail user guide's organization-trail bucket policy has them); and no request over plain
/// HTTP (`aws:SecureTransport` false, CIS S3 "deny HTTP requests").
pub fn bucket_policy(trail: &Trail, management: &AccountId, organization_id: &str) -> String {
    let p = partition(&trail.region);
    let bucket = format!("arn:{p}:s3:::{}", trail.bucket);
    let source = trail_arn(trail, management);
    let doc = json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL_SERVICE},
                "Action": "s3:GetBucketAcl",
                "Resource": bucket,
                "Condition": {"StringEquals": {"aws:SourceArn": source}}
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL_SERVICE},
                "Action": "s3:PutObject",
                "Resource": [
                    format!("{bucket}/AWSLogs/{management}/*"),
                    format!("{bucket}/AWSLogs/{organization_id}/*"),
                ],
                "Condition": {"StringEquals": {
                    "aws:SourceArn": source,
                    "aws:SourceOrgID": organization_id,
                }}
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket.clone(), format!("{bucket}/*")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}
            }
        ]
    });
    doc.to_string()
}

/// The key policy of the trail's key: the logging account administers it; CloudTrail may encrypt
/// with it for this trail only (`aws:SourceArn`, and the encryption context naming the
/// management account's trails), as the CloudTrail user guide's key policy has it.
pub fn key_policy(trail: &Trail, management: &AccountId, logging: &str) -> String {
    let p = partition(&trail.region);
    let source = trail_arn(trail, management);
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "LoggingAccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": format!("arn:{p}:iam::{logging}:root")},
                "Action": "kms:*",
                "Resource": "*"
            },
            {
                "Sid": "CloudTrailEncrypts",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL_SERVICE},
                "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceArn": source},
                    "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": format!("arn:{p}:cloudtrail:*:{management}:trail/*")}
                }
            },
            {
                "Sid": "CloudTrailDescribes",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL_SERVICE},
                "Action": "kms:DescribeKey",
                "Resource": "*"
            }
        ]
    })
    .to_string()
}

/// Whether two policy documents say the same (as JSON values: S3 may return the text reformatted).
pub fn same_policy(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

fn word(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// What the bucket's public access block reads as.
fn pab(b: &[bool; 4]) -> String {
    if b.iter().all(|x| *x) {
        "all four on".into()
    } else {
        let names = [
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        ];
        let off: Vec<&str> = names
            .iter()
            .zip(b)
            .filter(|(_, on)| !**on)
            .map(|(n, _)| *n)
            .collect();
        format!("{} off", off.join(", "))
    }
}

fn lock_text(l: &Option<ObjectLock>, enabled: bool) -> String {
    match (enabled, l) {
        (false, _) => "off".into(),
        (true, None) => "on, no default retention".into(),
        (true, Some(l)) => format!("{} {} days", l.mode.key(), l.days),
    }
}

/// For each part: what AWS holds and what the file wants, when they differ.
pub fn differences(
    want: &Trail,
    actual: &TrailActual,
    management: &AccountId,
    organization_id: &str,
) -> Vec<(TrailPart, String, String, String)> {
    let mut out = Vec::new();
    let mut push =
        |part, before: String, after: String, doc: String| out.push((part, before, after, doc));
    let key_arn = actual.key.as_ref().map(|k| k.arn.clone());
    let key_name = key_arn.clone().unwrap_or_else(|| want.key_alias());
    match &actual.key {
        None => push(
            TrailPart::Key,
            "none".into(),
            format!("{} (rotation on)", want.key_alias()),
            String::new(),
        ),
        Some(k) if !k.rotation => push(
            TrailPart::KeyRotation,
            "off".into(),
            "on".into(),
            String::new(),
        ),
        Some(_) => {}
    }
    let empty = TrailBucket::default();
    let bucket = match &actual.bucket {
        None => {
            push(
                TrailPart::Bucket,
                "none".into(),
                want.bucket.clone(),
                String::new(),
            );
            &empty
        }
        Some(b) => b,
    };
    if bucket.versioning != "Enabled" {
        let was = if bucket.versioning.is_empty() {
            "never enabled".to_string()
        } else {
            bucket.versioning.clone()
        };
        push(TrailPart::Versioning, was, "Enabled".into(), String::new());
    }
    if bucket.sse_algorithm != "aws:kms" || Some(&bucket.sse_key) != key_arn.as_ref() {
        let was = if bucket.sse_algorithm.is_empty() {
            "none".to_string()
        } else if bucket.sse_key.is_empty() {
            bucket.sse_algorithm.clone()
        } else {
            format!("{} {}", bucket.sse_algorithm, bucket.sse_key)
        };
        push(
            TrailPart::Encryption,
            was,
            format!("aws:kms {key_name}"),
            String::new(),
        );
    }
    if bucket.public_access_block != [true; 4] {
        push(
            TrailPart::PublicAccessBlock,
            pab(&bucket.public_access_block),
            "all four on".into(),
            String::new(),
        );
    }
    if bucket.ownership != OWNERSHIP {
        let was = if bucket.ownership.is_empty() {
            "none".to_string()
        } else {
            bucket.ownership.clone()
        };
        push(TrailPart::Ownership, was, OWNERSHIP.into(), String::new());
    }
    let policy = bucket_policy(want, management, organization_id);
    if !same_policy(&bucket.policy, &policy) {
        let was = if bucket.policy.is_empty() {
            "none"
        } else {
            "another policy"
        };
        push(
            TrailPart::BucketPolicy,
            was.into(),
            "CloudTrail writes only, for this trail and organization; HTTPS only".into(),
            policy,
        );
    }
    if bucket.expiry_days != Some(want.retention_days) {
        let was = bucket.expiry_days.map_or("no expiry".to_string(), |d| {
            format!("expire after {d} days")
        });
        push(
            TrailPart::Lifecycle,
            was,
            format!("expire after {} days", want.retention_days),
            String::new(),
        );
    }
    if let Some(lock) = want.object_lock {
        if !bucket.object_lock_enabled || bucket.object_lock != Some(lock) {
            push(
                TrailPart::ObjectLock,
                lock_text(&bucket.object_lock, bucket.object_lock_enabled),
                lock_text(&Some(lock), true),
                String::new(),
            );
        }
    }
    match &actual.trail {
        None => {
            push(
                TrailPart::Trail,
                "none".into(),
                format!(
                    "{} (organization, all regions, global events, log file validation, {key_name})",
                    want.name
                ),
                String::new(),
            );
            push(
                TrailPart::Logging,
                "not logging".into(),
                "logging".into(),
                String::new(),
            );
        }
        Some(t) => {
            let mut was = Vec::new();
            let mut now = Vec::new();
            let mut check = |name: &str, have: String, wants: String| {
                if have != wants {
                    was.push(format!("{name} {have}"));
                    now.push(format!("{name} {wants}"));
                }
            };
            check("organization", word(t.organization).into(), "on".into());
            check("multi-region", word(t.multi_region).into(), "on".into());
            check("global events", word(t.global_events).into(), "on".into());
            check(
                "log file validation",
                word(t.validation).into(),
                "on".into(),
            );
            check("bucket", t.bucket.clone(), want.bucket.clone());
            let kms = if t.kms_key.is_empty() {
                "none".to_string()
            } else {
                t.kms_key.clone()
            };
            check("KMS key", kms, key_name.clone());
            if !was.is_empty() {
                push(
                    TrailPart::Settings,
                    was.join(", "),
                    now.join(", "),
                    String::new(),
                );
            }
            if !t.logging {
                push(
                    TrailPart::Logging,
                    "stopped".into(),
                    "logging".into(),
                    String::new(),
                );
            }
        }
    }
    out
}

/// What one plan must do for `[logging.trail]`: whether trusted access for CloudTrail must be
/// turned on first, and each part that differs. `account` is the logging account (by name, and
/// its id when it exists).
pub fn changes(
    desired: &Desired,
    actual: &Actual,
    account: Option<AccountId>,
) -> (bool, Vec<TrailChange>) {
    let (Some(want), Some(logging)) = (&desired.baselines.trail, &desired.baselines.logging) else {
        return (false, Vec::new());
    };
    let needs_access = !actual.service_access.contains(CLOUDTRAIL_SERVICE);
    // An account created by this plan has nothing yet; one that exists was read (or not, when
    // its role was refused: then its parts are planned from nothing and apply says why).
    let empty = TrailActual::default();
    let have = actual.trail.as_ref().unwrap_or(&empty);
    let logging_id = account
        .as_ref()
        .map_or_else(|| "<logging account>".to_string(), |a| a.to_string());
    let changes = differences(
        want,
        have,
        &desired.management_account,
        &actual.organization_id,
    )
    .into_iter()
    .map(|(part, before, after, mut document)| {
        if part == TrailPart::Key {
            document = key_policy(want, &desired.management_account, &logging_id);
        }
        TrailChange {
            part,
            trail: want.clone(),
            account_name: logging.account.clone(),
            account: account.clone(),
            before,
            after,
            document,
        }
    })
    .collect();
    (needs_access, changes)
}

/// What `govern import` writes: the organization trail as it is, when its bucket and key were
/// read in the logging account; nothing when there is no organization trail.
pub fn import(actual: &Actual) -> Option<Trail> {
    let t = actual.trail.as_ref()?;
    let info = t.trail.as_ref()?;
    let bucket = t.bucket.as_ref()?;
    Some(Trail {
        name: info.name.clone(),
        region: info.home_region.clone(),
        bucket: info.bucket.clone(),
        retention_days: bucket.expiry_days.unwrap_or(365),
        object_lock: if bucket.object_lock_enabled {
            bucket.object_lock
        } else {
            None
        },
    })
}

// CIS AWS Foundations v1.5/2.0 and v3.0/4.0.1 3.1 "Ensure CloudTrail is enabled in all regions",
// Security Hub CloudTrail.1, Prowler cloudtrail_multi_region_enabled (/work/shared
// controls-mapping.md); trusted access and StartLogging are what an organization trail needs.
pub const TRAIL_ON: Control = Control {
    id: "GOV.TRAIL.1",
    title: "Organization trail logging in all regions",
    checks: "Trusted access for CloudTrail is on, and the declared trail exists as an organization trail, multi-region, with global service events, writing to the declared bucket, and is logging.",
    frameworks: &[
        "CIS AWS Foundations 3.1",
        "AWS Security Hub CloudTrail.1",
        "Prowler cloudtrail_multi_region_enabled",
        "SOC 2 CC7.2 (supports)",
    ],
};

// CIS v1.5/2.0 and v3.0/4.0.1 3.2 "Ensure CloudTrail log file validation is enabled", Security Hub
// CloudTrail.4, Prowler cloudtrail_log_file_validation_enabled.
pub const TRAIL_VALIDATION: Control = Control {
    id: "GOV.TRAIL.2",
    title: "Trail log file validation on",
    checks: "The declared trail has log file integrity validation on.",
    frameworks: &[
        "CIS AWS Foundations 3.2",
        "AWS Security Hub CloudTrail.4",
        "Prowler cloudtrail_log_file_validation_enabled",
    ],
};

// CIS v1.5/2.0 3.7 and v3.0/4.0.1 3.5 "Ensure CloudTrail logs are encrypted at rest using KMS
// CMKs" (Security Hub CloudTrail.2, Prowler cloudtrail_kms_encryption_enabled); the key's
// rotation is CIS v1.5/2.0 3.8, v3.0/4.0.1 3.6 (KMS.4, kms_cmk_rotation_enabled).
pub const TRAIL_ENCRYPTION: Control = Control {
    id: "GOV.TRAIL.3",
    title: "Trail logs encrypted with a rotated customer-managed key",
    checks: "The trail and its bucket's default encryption use the declared customer-managed KMS key in the logging account, and the key rotates.",
    frameworks: &[
        "CIS AWS Foundations 3.7 (v1.5, v2.0) / 3.5 (v3.0, v4.0.1)",
        "CIS AWS Foundations 3.8 (v1.5, v2.0) / 3.6 (v3.0, v4.0.1)",
        "AWS Security Hub CloudTrail.2",
        "AWS Security Hub KMS.4",
        "Prowler cloudtrail_kms_encryption_enabled",
        "Prowler kms_cmk_rotation_enabled",
    ],
};

// CIS v1.5/2.0 3.3 "Ensure the S3 bucket used to store CloudTrail logs is not publicly
// accessible" (Prowler cloudtrail_logs_s3_bucket_is_not_publicly_accessible); CIS v1.5/2.0 2.1.2,
// v3.0/4.0.1 2.1.1 "Ensure S3 Bucket Policy is set to deny HTTP requests" (Security Hub S3.5,
// Prowler s3_bucket_secure_transport_policy); CIS v1.5/2.0 2.1.5, v3.0/4.0.1 2.1.4 block public
// access (Security Hub S3.8, Prowler s3_bucket_level_public_access_block); versioning Security
// Hub S3.14 (Prowler s3_bucket_object_versioning).
pub const TRAIL_BUCKET: Control = Control {
    id: "GOV.TRAIL.4",
    title: "Trail bucket locked down",
    checks: "The trail's bucket in the logging account has versioning on, all four S3 Block Public Access settings on, ACLs disabled (BucketOwnerEnforced), the declared bucket policy (CloudTrail-only writes, HTTPS only), the declared expiry and, when declared, Object Lock.",
    frameworks: &[
        "CIS AWS Foundations 3.3 (v1.5, v2.0)",
        "CIS AWS Foundations 2.1.2 (v1.5, v2.0) / 2.1.1 (v3.0, v4.0.1)",
        "CIS AWS Foundations 2.1.5 (v1.5, v2.0) / 2.1.4 (v3.0, v4.0.1)",
        "AWS Security Hub S3.5",
        "AWS Security Hub S3.8",
        "AWS Security Hub S3.14",
        "Prowler cloudtrail_logs_s3_bucket_is_not_publicly_accessible",
        "Prowler s3_bucket_secure_transport_policy",
        "Prowler s3_bucket_level_public_access_block",
    ],
};

pub const CONTROLS: [Control; 4] = [TRAIL_ON, TRAIL_VALIDATION, TRAIL_ENCRYPTION, TRAIL_BUCKET];

/// The control each part is evidence for.
fn control_of(part: TrailPart) -> &'static Control {
    match part {
        TrailPart::Trail | TrailPart::Logging => &TRAIL_ON,
        TrailPart::Key | TrailPart::KeyRotation | TrailPart::Encryption => &TRAIL_ENCRYPTION,
        TrailPart::Settings => &TRAIL_ON,
        _ => &TRAIL_BUCKET,
    }
}

/// One row per part (the trail's settings split into the controls they evidence), or one
/// not-applicable row per control.
pub fn evaluate(e: &mut Eval<'_>) {
    let (Some(want), Some(_)) = (
        e.desired.baselines.trail.clone(),
        e.desired.baselines.logging.as_ref(),
    ) else {
        for c in &CONTROLS {
            e.push(
                c,
                On::org(Address::Capability("trail"), String::new()),
                Status::NotApplicable,
                "",
                "org.toml has no [logging.trail]",
            );
        }
        return;
    };
    let access = e.actual.service_access.contains(CLOUDTRAIL_SERVICE);
    e.push(
        &TRAIL_ON,
        On::org(
            Address::ServiceAccess(CLOUDTRAIL_SERVICE.to_string()),
            String::new(),
        ),
        if access { Status::Pass } else { Status::Fail },
        "trusted access enabled",
        if access { "enabled" } else { "not enabled" },
    );
    let Some(have) = e.actual.trail.clone() else {
        for c in &CONTROLS {
            e.push(
                c,
                On::org(Address::Capability("trail"), String::new()),
                Status::Error,
                "read",
                "not read",
            );
        }
        return;
    };
    let diffs = differences(
        &want,
        &have,
        &e.desired.management_account,
        &e.actual.organization_id.clone(),
    );
    let arn = trail_arn(&want, &e.desired.management_account);
    let bucket_arn = format!("arn:{}:s3:::{}", partition(&want.region), want.bucket);
    // The key by its alias's ARN: stable across runs and recreations, unlike the key id.
    let alias_arn = have.account.as_ref().map_or_else(
        || want.key_alias(),
        |a| {
            format!(
                "arn:{}:kms:{}:{a}:{}",
                partition(&want.region),
                want.region,
                want.key_alias()
            )
        },
    );
    // The trail's settings are evidence for two controls: log file validation on its own.
    let settings = have.trail.as_ref();
    for part in TrailPart::ALL {
        if part == TrailPart::KeyRotation && have.key.is_none() {
            continue; // the key row says it is missing
        }
        if part == TrailPart::ObjectLock && want.object_lock.is_none() {
            continue;
        }
        if part == TrailPart::Bucket || part == TrailPart::Key {
            // Their rows are the properties' rows; a missing one FAILs each of those.
            if !diffs.iter().any(|d| d.0 == part) {
                continue;
            }
        }
        let resource_arn = match part {
            TrailPart::Trail | TrailPart::Settings | TrailPart::Logging => arn.clone(),
            TrailPart::Key | TrailPart::KeyRotation => alias_arn.clone(),
            _ => bucket_arn.clone(),
        };
        let (status, expected, observed) = match diffs.iter().find(|d| d.0 == part) {
            Some((_, before, after, _)) => (Status::Fail, after.clone(), before.clone()),
            None => {
                let now = match part {
                    TrailPart::Trail => format!("{} exists", want.name),
                    TrailPart::Logging => "logging".into(),
                    TrailPart::Settings => {
                        "organization, multi-region, global events, bucket, KMS key as declared"
                            .into()
                    }
                    TrailPart::KeyRotation => "on".into(),
                    TrailPart::Versioning => "Enabled".into(),
                    TrailPart::Encryption => format!("aws:kms {}", want.key_alias()),
                    TrailPart::PublicAccessBlock => "all four on".into(),
                    TrailPart::Ownership => OWNERSHIP.into(),
                    TrailPart::BucketPolicy => "as declared".into(),
                    TrailPart::Lifecycle => format!("expire after {} days", want.retention_days),
                    TrailPart::ObjectLock => lock_text(&want.object_lock, true),
                    TrailPart::Key | TrailPart::Bucket => String::new(),
                };
                (Status::Pass, now.clone(), now)
            }
        };
        if part == TrailPart::Settings {
            // Log file validation is its own control (CIS 3.2); the other settings are TRAIL_ON.
            let validation = settings.map(|t| t.validation);
            let (vs, vo) = match validation {
                Some(true) => (Status::Pass, "on"),
                Some(false) => (Status::Fail, "off"),
                None => (Status::Fail, "no trail"),
            };
            e.push(
                &TRAIL_VALIDATION,
                On::org(Address::Trail(part), resource_arn.clone()),
                vs,
                "log file validation on",
                vo,
            );
        }
        e.push(
            control_of(part),
            On::org(Address::Trail(part), resource_arn),
            status,
            expected,
            observed,
        );
    }
}
