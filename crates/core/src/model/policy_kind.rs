//! The kind of an Organizations policy: the dimension that keys policies, attachments, enabled
//! policy types, limits, the AWS-managed full-access policy and document validation. Every type of
//! the pinned aws-sdk-organizations `PolicyType` enum (1.137.0) is a variant here; a new kind is a
//! new variant and its facts in the `match` arms of this file (the table `FACTS`), its document
//! rules in `config::grammar`, and its limits in `Limits`' defaults.
//!
//! A type AWS returns that this table does not know (the SDK's enum is non-exhaustive) is kept by
//! name in `Actual::unknown_policy_types` and listed as unmanaged, never an error.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::PolicyName;

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum PolicyKind {
    /// SERVICE_CONTROL_POLICY: the default, so every org.toml written before kinds keeps working.
    #[default]
    #[serde(rename = "SERVICE_CONTROL_POLICY")]
    ServiceControlPolicy,
    #[serde(rename = "RESOURCE_CONTROL_POLICY")]
    ResourceControlPolicy,
    #[serde(rename = "TAG_POLICY")]
    TagPolicy,
    #[serde(rename = "BACKUP_POLICY")]
    BackupPolicy,
    #[serde(rename = "AISERVICES_OPT_OUT_POLICY")]
    AiServicesOptOutPolicy,
    #[serde(rename = "CHATBOT_POLICY")]
    ChatbotPolicy,
    #[serde(rename = "DECLARATIVE_POLICY_EC2")]
    DeclarativePolicyEc2,
    #[serde(rename = "SECURITYHUB_POLICY")]
    SecurityHubPolicy,
    #[serde(rename = "INSPECTOR_POLICY")]
    InspectorPolicy,
    #[serde(rename = "S3_POLICY")]
    S3Policy,
    #[serde(rename = "BEDROCK_POLICY")]
    BedrockPolicy,
    #[serde(rename = "UPGRADE_ROLLOUT_POLICY")]
    UpgradeRolloutPolicy,
    #[serde(rename = "GUARDDUTY_POLICY")]
    GuardDutyPolicy,
    #[serde(rename = "NETWORK_SECURITY_DIRECTOR_POLICY")]
    NetworkSecurityDirectorPolicy,
}

/// What a document of a kind is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grammar {
    /// The IAM policy language (Version, Statement, …): SCPs and RCPs.
    Iam,
    /// A management policy: JSON with inheritance operators (`@@assign`, …) under the top-level
    /// keys the type allows.
    Management,
}

/// One kind's facts.
struct Facts {
    kind: PolicyKind,
    api: &'static str,
    /// org.toml's `kind = "…"` and the address prefix (`tag:owner-tags`, `attach:tag:…`).
    prefix: &'static str,
    noun: &'static str,
    full_access: Option<&'static str>,
}

const FACTS: [Facts; 14] = [
    Facts {
        kind: PolicyKind::ServiceControlPolicy,
        api: "SERVICE_CONTROL_POLICY",
        prefix: "scp",
        noun: "SCP",
        full_access: Some(super::FULL_AWS_ACCESS),
    },
    Facts {
        kind: PolicyKind::ResourceControlPolicy,
        api: "RESOURCE_CONTROL_POLICY",
        prefix: "rcp",
        noun: "RCP",
        full_access: Some(RCP_FULL_AWS_ACCESS),
    },
    Facts {
        kind: PolicyKind::TagPolicy,
        api: "TAG_POLICY",
        prefix: "tag",
        noun: "tag policy",
        full_access: None,
    },
    Facts {
        kind: PolicyKind::BackupPolicy,
        api: "BACKUP_POLICY",
        prefix: "backup",
        noun: "backup policy",
        full_access: None,
    },
    Facts {
        kind: PolicyKind::AiServicesOptOutPolicy,
        api: "AISERVICES_OPT_OUT_POLICY",
        prefix: "ai-opt-out",
        noun: "AI services opt-out policy",
        full_access: None,
    },
    Facts {
        kind: PolicyKind::ChatbotPolicy,
        api: "CHATBOT_POLICY",
        prefix: "chatbot",
        noun: "chat applications policy",
        full_access: None,
    },
    Facts {
        kind: PolicyKind::DeclarativePolicyEc2,
        api: "DECLARATIVE_POLICY_EC2",
        prefix: "declarative-ec2",
        noun: "EC2 declarative policy",
        full_access: None,
    },
    Facts {
        kind: PolicyKind::SecurityHubPolicy,
        api: "SECURITYHUB_POLICY",
        prefix: "securityhub",
        noun: "Security Hub policy",
        full_access: None,
    },
    Facts {
        kind: PolicyKind::InspectorPolicy,
        api: "INSPECTOR_POLICY",
        prefix: "inspector",
        noun: "Inspector policy",
        full_access: None,
    },
    Facts {
        kind: PolicyKind::S3Policy,
        api: "S3_POLICY",
        prefix: "s3",
        noun: "S3 policy",
        full_access: None,
    },
    Facts {
        kind: PolicyKind::BedrockPolicy,
        api: "BEDROCK_POLICY",
        prefix: "bedrock",
        noun: "Bedrock policy",
        full_access: None,
    },
    Facts {
        kind: PolicyKind::UpgradeRolloutPolicy,
        api: "UPGRADE_ROLLOUT_POLICY",
        prefix: "upgrade-rollout",
        noun: "upgrade rollout policy",
        full_access: None,
    },
    Facts {
        kind: PolicyKind::GuardDutyPolicy,
        api: "GUARDDUTY_POLICY",
        prefix: "guardduty",
        noun: "GuardDuty policy",
        full_access: None,
    },
    Facts {
        kind: PolicyKind::NetworkSecurityDirectorPolicy,
        api: "NETWORK_SECURITY_DIRECTOR_POLICY",
        prefix: "network-security-director",
        noun: "Network Security Director policy",
        full_access: None,
    },
];

/// The AWS-managed RCP attached to every root, OU and account once RCPs are enabled. It cannot be
/// detached (AWS Organizations User Guide, "Resource control policies (RCPs)"), so govern never
/// plans its attachments: a target may list it, and listing it or not changes nothing.
pub const RCP_FULL_AWS_ACCESS: &str = "RCPFullAWSAccess";

impl PolicyKind {
    pub const ALL: [PolicyKind; 14] = [
        PolicyKind::ServiceControlPolicy,
        PolicyKind::ResourceControlPolicy,
        PolicyKind::TagPolicy,
        PolicyKind::BackupPolicy,
        PolicyKind::AiServicesOptOutPolicy,
        PolicyKind::ChatbotPolicy,
        PolicyKind::DeclarativePolicyEc2,
        PolicyKind::SecurityHubPolicy,
        PolicyKind::InspectorPolicy,
        PolicyKind::S3Policy,
        PolicyKind::BedrockPolicy,
        PolicyKind::UpgradeRolloutPolicy,
        PolicyKind::GuardDutyPolicy,
        PolicyKind::NetworkSecurityDirectorPolicy,
    ];

    fn facts(self) -> &'static Facts {
        FACTS
            .iter()
            .find(|f| f.kind == self)
            .expect("every kind has its facts")
    }

    /// The `Type` Organizations takes and returns (`PolicyType`, `EnablePolicyType`).
    pub fn api_name(self) -> &'static str {
        self.facts().api
    }

    /// The short name addresses start with (`scp:deny-leave-org`, `attach:tag:…`), and the value
    /// of org.toml's `kind` key.
    pub fn prefix(self) -> &'static str {
        self.facts().prefix
    }

    /// What messages call one policy of this kind.
    pub fn noun(self) -> &'static str {
        self.facts().noun
    }

    /// The AWS-managed policy of this kind that allows everything, attached by AWS to every root, OU
    /// and account when the kind is enabled (and to every new OU and account after that), if the kind
    /// has one.
    pub fn full_access(self) -> Option<&'static str> {
        self.facts().full_access
    }

    /// Whether every target must keep at least one policy of this kind attached (AWS refuses to
    /// detach the last SCP; govern refuses before AWS does).
    pub fn needs_one_attached(self) -> bool {
        self == PolicyKind::ServiceControlPolicy
    }

    /// Whether the AWS-managed full-access policy of this kind cannot be detached, so govern leaves
    /// its attachments out of every plan (RCPFullAWSAccess).
    pub fn full_access_is_fixed(self) -> bool {
        self == PolicyKind::ResourceControlPolicy
    }

    /// What its documents are written in.
    pub fn grammar(self) -> Grammar {
        match self {
            PolicyKind::ServiceControlPolicy | PolicyKind::ResourceControlPolicy => Grammar::Iam,
            _ => Grammar::Management,
        }
    }

    /// Whether AWS computes an effective policy of this kind per account (DescribeEffectivePolicy
    /// takes every management policy type; SCPs and RCPs have none).
    pub fn has_effective_policy(self) -> bool {
        self.grammar() == Grammar::Management
    }

    /// Whether `name` is this kind's AWS-managed full-access policy.
    pub fn is_full_access(self, name: &PolicyName) -> bool {
        self.full_access() == Some(name.as_str())
    }

    pub fn from_prefix(prefix: &str) -> Option<PolicyKind> {
        Self::ALL.into_iter().find(|k| k.prefix() == prefix)
    }

    pub fn from_api_name(name: &str) -> Option<PolicyKind> {
        Self::ALL.into_iter().find(|k| k.api_name() == name)
    }

    /// The kind of an AWS-managed full-access policy named `name`, if it is one.
    pub fn of_full_access(name: &str) -> Option<PolicyKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.full_access() == Some(name))
    }

    /// For serde's `skip_serializing_if`: the default kind is left out of plan JSON, so plans stay
    /// as they were before kinds.
    pub fn is_default(&self) -> bool {
        *self == PolicyKind::default()
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_name())
    }
}

/// A policy as AWS keys it: names are unique within a kind, not across kinds (an SCP and a tag
/// policy may share a name), so what AWS holds is keyed by both.
///
/// As text (JSON map keys in evidence bundles and saved plans) an SCP is its bare name, as it was
/// before kinds, and any other kind is `<prefix>:<name>`; an SCP whose name itself starts with a
/// kind's `<prefix>:` is written `scp:<name>`, so the text reads back as the same key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyKey {
    pub kind: PolicyKind,
    pub name: PolicyName,
}

impl PolicyKey {
    pub fn new(kind: PolicyKind, name: PolicyName) -> Self {
        Self { kind, name }
    }
    pub fn scp(name: PolicyName) -> Self {
        Self::new(PolicyKind::ServiceControlPolicy, name)
    }
    /// FullAWSAccess, the AWS-managed SCP.
    pub fn full_aws_access() -> Self {
        Self::scp(PolicyName::full_aws_access())
    }
    /// The kind's AWS-managed full-access policy, if it has one.
    pub fn full_access(kind: PolicyKind) -> Option<Self> {
        let name = kind.full_access()?;
        Some(Self::new(
            kind,
            PolicyName::parse(name).expect("an AWS-managed name is valid"),
        ))
    }
    pub fn is_full_access(&self) -> bool {
        self.kind.is_full_access(&self.name)
    }

    fn prefixed(s: &str) -> Option<(PolicyKind, &str)> {
        let (prefix, rest) = s.split_once(':')?;
        Some((PolicyKind::from_prefix(prefix)?, rest))
    }

    fn parse_text(s: &str) -> Result<Self, String> {
        let (kind, name) = Self::prefixed(s).unwrap_or((PolicyKind::ServiceControlPolicy, s));
        PolicyName::parse(name)
            .map(|name| Self::new(kind, name))
            .map_err(|e| e.0)
    }
}

impl fmt::Display for PolicyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name.as_str();
        if self.kind.is_default() && Self::prefixed(name).is_none() {
            f.write_str(name)
        } else {
            write!(f, "{}:{name}", self.kind.prefix())
        }
    }
}

impl Serialize for PolicyKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PolicyKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse_text(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_cover_every_kind_once() {
        for k in PolicyKind::ALL {
            assert_eq!(PolicyKind::from_api_name(k.api_name()), Some(k));
            assert_eq!(PolicyKind::from_prefix(k.prefix()), Some(k));
            // serde's name is the API's.
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.api_name())
            );
        }
        assert_eq!(FACTS.len(), PolicyKind::ALL.len());
    }

    #[test]
    fn keys_read_back_as_written() {
        let name = |s: &str| PolicyName::parse(s).unwrap();
        for key in [
            PolicyKey::scp(name("deny-leave")),
            PolicyKey::scp(name("tag:looks-prefixed")),
            PolicyKey::scp(name("a:b")),
            PolicyKey::new(PolicyKind::TagPolicy, name("owner")),
            PolicyKey::new(PolicyKind::TagPolicy, name("rcp:x")),
        ] {
            let text = serde_json::to_string(&key).unwrap();
            assert_eq!(
                serde_json::from_str::<PolicyKey>(&text).unwrap(),
                key,
                "{text}"
            );
        }
        assert_eq!(PolicyKey::scp(name("deny-leave")).to_string(), "deny-leave");
        assert_eq!(PolicyKey::scp(name("a:b")).to_string(), "a:b");
        assert_eq!(
            PolicyKey::scp(name("tag:x")).to_string(),
            "scp:tag:x",
            "an SCP whose name looks prefixed is written with its own prefix"
        );
    }
}
