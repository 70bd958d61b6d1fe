//! The organization trail (`[logging.trail]`): what the file declares of the trail and its bucket,
//! and what AWS holds of them (the trail in the management account, the bucket and its KMS key in
//! the logging account).

use serde::{Deserialize, Serialize};

use super::AccountId;

/// The service principal whose trusted access an organization trail needs (CloudTrail API
/// reference, CreateTrail IsOrganizationTrail: "trusted access for CloudTrail must be enabled").
pub const CLOUDTRAIL_SERVICE: &str = "cloudtrail.amazonaws.com";

/// S3 Object Lock's retention mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockMode {
    Governance,
    Compliance,
}

impl LockMode {
    /// As S3 names it (`GOVERNANCE`, `COMPLIANCE`).
    pub fn api_name(self) -> &'static str {
        match self {
            LockMode::Governance => "GOVERNANCE",
            LockMode::Compliance => "COMPLIANCE",
        }
    }
    pub fn from_api_name(s: &str) -> Option<LockMode> {
        match s {
            "GOVERNANCE" => Some(LockMode::Governance),
            "COMPLIANCE" => Some(LockMode::Compliance),
            _ => None,
        }
    }
    /// As org.toml writes it.
    pub fn key(self) -> &'static str {
        match self {
            LockMode::Governance => "governance",
            LockMode::Compliance => "compliance",
        }
    }
}

/// Object Lock's default retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectLock {
    pub mode: LockMode,
    pub days: u32,
}

/// `[logging.trail]` as declared (validated; the region resolved to `home_region` when left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trail {
    /// The trail's name (CreateTrail Name).
    pub name: String,
    /// The trail's home region, where the bucket and its key are too.
    pub region: String,
    /// The bucket in the logging account.
    pub bucket: String,
    /// Log files expire this many days after they are written (a lifecycle rule).
    pub retention_days: u32,
    /// Object Lock, set when the bucket is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_lock: Option<ObjectLock>,
}

impl Trail {
    /// The alias of the trail's customer-managed key in the logging account: how govern finds the
    /// key again (KMS keys have no name of their own).
    pub fn key_alias(&self) -> String {
        format!("alias/govern-trail/{}", self.name)
    }
}

/// What AWS holds of the declared trail, its bucket and key, when read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailActual {
    /// The account the bucket and key were read in (the logging account), when it exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<TrailKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<TrailBucket>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail: Option<TrailInfo>,
}

/// The customer-managed key found under the trail's alias.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailKey {
    pub arn: String,
    pub rotation: bool,
}

/// The bucket's settings as S3 reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailBucket {
    pub name: String,
    /// `Enabled`, `Suspended`, or empty (never enabled).
    pub versioning: String,
    /// Default encryption: the algorithm (`aws:kms`, `AES256`) and the KMS key, if any.
    #[serde(default)]
    pub sse_algorithm: String,
    #[serde(default)]
    pub sse_key: String,
    /// BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets (all false
    /// when the bucket has no public access block).
    pub public_access_block: [bool; 4],
    /// The object ownership rule (`BucketOwnerEnforced`, …), empty when none is set.
    #[serde(default)]
    pub ownership: String,
    /// The bucket policy, as S3 returns it (empty when none).
    #[serde(default)]
    pub policy: String,
    /// The expiry, in days, of an enabled lifecycle rule that covers the whole bucket.
    #[serde(default)]
    pub expiry_days: Option<u32>,
    /// Whether Object Lock is enabled on the bucket, and its default retention.
    #[serde(default)]
    pub object_lock_enabled: bool,
    #[serde(default)]
    pub object_lock: Option<ObjectLock>,
}

/// The trail as CloudTrail reports it (DescribeTrails and GetTrailStatus).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailInfo {
    pub name: String,
    pub arn: String,
    pub home_region: String,
    pub bucket: String,
    pub organization: bool,
    pub multi_region: bool,
    pub global_events: bool,
    pub validation: bool,
    #[serde(default)]
    pub kms_key: String,
    pub logging: bool,
}

/// One property of the trail, its bucket or its key, in the order apply sets them: the key and
/// the bucket with everything on it before the trail that writes there (CloudTrail checks the
/// bucket policy and the key when the trail is created), StartLogging last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrailPart {
    Key,
    KeyRotation,
    Bucket,
    Versioning,
    Encryption,
    PublicAccessBlock,
    Ownership,
    BucketPolicy,
    Lifecycle,
    ObjectLock,
    Trail,
    Settings,
    Logging,
}

impl TrailPart {
    pub const ALL: [TrailPart; 13] = [
        TrailPart::Key,
        TrailPart::KeyRotation,
        TrailPart::Bucket,
        TrailPart::Versioning,
        TrailPart::Encryption,
        TrailPart::PublicAccessBlock,
        TrailPart::Ownership,
        TrailPart::BucketPolicy,
        TrailPart::Lifecycle,
        TrailPart::ObjectLock,
        TrailPart::Trail,
        TrailPart::Settings,
        TrailPart::Logging,
    ];

    /// The last segment of its address (`org:trail/<slug>`).
    pub fn slug(self) -> &'static str {
        match self {
            TrailPart::Key => "key",
            TrailPart::KeyRotation => "key-rotation",
            TrailPart::Bucket => "bucket",
            TrailPart::Versioning => "versioning",
            TrailPart::Encryption => "encryption",
            TrailPart::PublicAccessBlock => "public-access-block",
            TrailPart::Ownership => "ownership",
            TrailPart::BucketPolicy => "bucket-policy",
            TrailPart::Lifecycle => "lifecycle",
            TrailPart::ObjectLock => "object-lock",
            TrailPart::Trail => "trail",
            TrailPart::Settings => "settings",
            TrailPart::Logging => "logging",
        }
    }

    pub fn from_slug(s: &str) -> Option<TrailPart> {
        TrailPart::ALL.into_iter().find(|p| p.slug() == s)
    }

    /// Whether the part lives in the logging account (the bucket and key) rather than in the
    /// management account (the trail).
    pub fn in_logging_account(self) -> bool {
        !matches!(
            self,
            TrailPart::Trail | TrailPart::Settings | TrailPart::Logging
        )
    }

    /// The calls apply makes for it.
    pub fn calls(self) -> &'static str {
        match self {
            TrailPart::Key => "kms:CreateKey, kms:CreateAlias, kms:EnableKeyRotation",
            TrailPart::KeyRotation => "kms:EnableKeyRotation",
            TrailPart::Bucket => "s3:CreateBucket",
            TrailPart::Versioning => "s3:PutBucketVersioning",
            TrailPart::Encryption => "s3:PutBucketEncryption",
            TrailPart::PublicAccessBlock => "s3:PutPublicAccessBlock",
            TrailPart::Ownership => "s3:PutBucketOwnershipControls",
            TrailPart::BucketPolicy => "s3:PutBucketPolicy",
            TrailPart::Lifecycle => "s3:PutLifecycleConfiguration",
            TrailPart::ObjectLock => "s3:PutObjectLockConfiguration",
            TrailPart::Trail => "cloudtrail:CreateTrail",
            TrailPart::Settings => "cloudtrail:UpdateTrail",
            TrailPart::Logging => "cloudtrail:StartLogging",
        }
    }
}
