//! Member-account baselines: what every active account of the organization must have, declared in
//! the file or not — the account nobody declared is where governance matters most.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::AccountId;

/// The Account Management API's alternate contact types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactType {
    Security,
    Operations,
    Billing,
}

impl ContactType {
    pub const ALL: [ContactType; 3] = [Self::Security, Self::Operations, Self::Billing];
    /// The value the API takes (`AlternateContactType`).
    pub fn api_name(self) -> &'static str {
        match self {
            Self::Security => "SECURITY",
            Self::Operations => "OPERATIONS",
            Self::Billing => "BILLING",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Self::Security => "security",
            Self::Operations => "operations",
            Self::Billing => "billing",
        }
    }
}

impl fmt::Display for ContactType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// An alternate contact, field for field as PutAlternateContact takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub title: String,
    pub email: String,
    pub phone: String,
}

/// A baseline an account can be exempted from, with a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineKind {
    Contacts,
    Regions,
    Kms,
    Secrets,
}

impl BaselineKind {
    pub fn key(self) -> &'static str {
        match self {
            Self::Contacts => "contacts",
            Self::Regions => "regions",
            Self::Kms => "kms",
            Self::Secrets => "secrets",
        }
    }
}

/// `[key_rotation]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRotation {
    /// 90..=2560 (EnableKeyRotation's RotationPeriodInDays range).
    pub kms_rotation_period_days: u32,
    /// Secrets whose automatic rotation interval is longer get RotateSecret with this interval.
    pub secret_max_rotation_days: u32,
    /// Key ARN → reason.
    pub exempt_keys: BTreeMap<String, String>,
    /// Secret ARN → reason.
    pub exempt_secrets: BTreeMap<String, String>,
}

/// `[logging]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logging {
    /// The name of a declared account (`[accounts.<name>]`).
    pub account: String,
    /// Service principals that get trusted access (EnableAWSServiceAccess).
    pub trusted_services: BTreeSet<String>,
    /// Service principals for which the logging account is registered as delegated administrator.
    pub delegated_admin_for: BTreeSet<String>,
}

/// Baselines as declared; defaults apply to every active account unless exempted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baselines {
    /// Org-wide alternate contacts (`[contacts.security]` …); types not declared are not managed.
    pub contacts: BTreeMap<ContactType, Contact>,
    pub key_rotation: Option<KeyRotation>,
    pub logging: Option<Logging>,
    /// `[root_access]`: centralized root access for member accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_access: Option<super::RootAccess>,
    /// `[security]`: the security services' delegated administrator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<super::Security>,
    /// `[logging.trail]`: the organization trail and its bucket in the logging account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail: Option<super::Trail>,
    /// Account id → exempted baselines with the reason given (`[exemptions."<id>"]`).
    pub exemptions: BTreeMap<AccountId, BTreeMap<BaselineKind, String>>,
}
