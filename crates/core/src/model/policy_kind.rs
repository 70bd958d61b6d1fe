//! The kind of an Organizations policy: the dimension that keys policies, attachments, enabled
//! policy types, limits, the AWS-managed full-access policy and document validation. Service
//! control policies are the one kind wired up so far; a new kind is a new variant here and the
//! per-kind facts in its `match` arms.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyKind {
    /// SERVICE_CONTROL_POLICY: the default, so every org.toml written before kinds keeps working.
    #[default]
    ServiceControlPolicy,
}

impl PolicyKind {
    pub const ALL: [PolicyKind; 1] = [PolicyKind::ServiceControlPolicy];

    /// The `Type` Organizations takes and returns (`PolicyType`, `EnablePolicyType`).
    pub fn api_name(self) -> &'static str {
        match self {
            PolicyKind::ServiceControlPolicy => "SERVICE_CONTROL_POLICY",
        }
    }

    /// The short name addresses start with: `scp:deny-leave-org`, `attach:scp:…`.
    pub fn prefix(self) -> &'static str {
        match self {
            PolicyKind::ServiceControlPolicy => "scp",
        }
    }

    /// What messages call one policy of this kind.
    pub fn noun(self) -> &'static str {
        match self {
            PolicyKind::ServiceControlPolicy => "SCP",
        }
    }

    /// The AWS-managed policy of this kind that allows everything, attached by AWS to every root, OU
    /// and account when the kind is enabled (and to every new OU and account after that), if the kind
    /// has one.
    pub fn full_access(self) -> Option<&'static str> {
        match self {
            PolicyKind::ServiceControlPolicy => Some(super::FULL_AWS_ACCESS),
        }
    }

    /// Whether every target must keep at least one policy of this kind attached (AWS refuses to
    /// detach the last SCP; govern refuses before AWS does).
    pub fn needs_one_attached(self) -> bool {
        match self {
            PolicyKind::ServiceControlPolicy => true,
        }
    }

    pub fn from_prefix(prefix: &str) -> Option<PolicyKind> {
        Self::ALL.into_iter().find(|k| k.prefix() == prefix)
    }

    pub fn from_api_name(name: &str) -> Option<PolicyKind> {
        Self::ALL.into_iter().find(|k| k.api_name() == name)
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
