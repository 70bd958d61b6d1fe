//! Centralized root access (`[root_access]`): the two organization features IAM manages for member
//! accounts' root users, once trusted access for IAM is on in Organizations.

use serde::{Deserialize, Serialize};

/// The service principal whose trusted access both features need (IAM API reference: "Enable
/// trusted access for AWS Identity and Access Management in AWS Organizations").
pub const IAM_SERVICE: &str = "iam.amazonaws.com";

/// One feature of centralized root access, as IAM's ListOrganizationsFeatures names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RootFeature {
    /// `RootCredentialsManagement`: the management account (or IAM's delegated administrator) can
    /// delete and audit member accounts' root credentials, and new accounts get none.
    RootCredentialsManagement,
    /// `RootSessions`: the management account can take short root sessions in member accounts
    /// for the privileged tasks that need root.
    RootSessions,
}

impl RootFeature {
    pub const ALL: [RootFeature; 2] = [
        RootFeature::RootCredentialsManagement,
        RootFeature::RootSessions,
    ];

    /// The name in IAM's `EnabledFeatures`.
    pub fn api_name(self) -> &'static str {
        match self {
            RootFeature::RootCredentialsManagement => "RootCredentialsManagement",
            RootFeature::RootSessions => "RootSessions",
        }
    }

    pub fn from_api_name(s: &str) -> Option<RootFeature> {
        RootFeature::ALL.into_iter().find(|f| f.api_name() == s)
    }

    /// The key in `[root_access]`.
    pub fn key(self) -> &'static str {
        match self {
            RootFeature::RootCredentialsManagement => "credentials_management",
            RootFeature::RootSessions => "root_sessions",
        }
    }

    /// The last segment of its address (`org:root-access/<slug>`).
    pub fn slug(self) -> &'static str {
        match self {
            RootFeature::RootCredentialsManagement => "credentials-management",
            RootFeature::RootSessions => "root-sessions",
        }
    }

    pub fn from_slug(s: &str) -> Option<RootFeature> {
        RootFeature::ALL.into_iter().find(|f| f.slug() == s)
    }
}

/// `[root_access]` as declared: each feature on, off, or (absent) not managed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootAccess {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_management: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_sessions: Option<bool>,
}

impl RootAccess {
    /// What the file says of `feature`, if anything.
    pub fn wants(&self, feature: RootFeature) -> Option<bool> {
        match feature {
            RootFeature::RootCredentialsManagement => self.credentials_management,
            RootFeature::RootSessions => self.root_sessions,
        }
    }

    /// Whether some feature is declared on (and so trusted access for IAM is needed).
    pub fn any_on(&self) -> bool {
        RootFeature::ALL
            .into_iter()
            .any(|f| self.wants(f) == Some(true))
    }
}
