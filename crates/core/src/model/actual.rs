//! What AWS holds, as discovery read it: a plain snapshot, serializable so saved plans and evidence
//! bundles can carry it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{AccountId, OuPath, Parent, PolicyDocument, PolicyKind, PolicyName};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actual {
    pub organization_id: String,
    pub management_account: AccountId,
    pub root_id: String,
    /// The policy types enabled on the root (attachments of a type fail without it).
    pub policy_types: BTreeSet<PolicyKind>,
    pub ous: BTreeMap<OuPath, ActualOu>,
    pub accounts: BTreeMap<AccountId, ActualAccount>,
    pub policies: BTreeMap<PolicyName, ActualPolicy>,
    /// SCP names attached directly to each target.
    pub attachments: BTreeMap<TargetKey, BTreeSet<PolicyName>>,
    /// Inside each account, for the baselines org.toml declares (empty when none are).
    #[serde(default)]
    pub members: BTreeMap<AccountId, Member>,
    /// Service principals with trusted access (ListAWSServiceAccessForOrganization), when read.
    #[serde(default)]
    pub service_access: BTreeSet<String>,
    /// Whether `service_access` was read (it is read only when something needs it).
    #[serde(skip)]
    pub service_access_read: bool,
    /// Delegated administrators and their service principals, when read.
    #[serde(default)]
    pub delegated_admins: BTreeMap<AccountId, BTreeSet<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualOu {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualAccount {
    pub name: String,
    /// As AWS reports it; not validated, AWS's data is what it is.
    pub email: String,
    /// ACTIVE, SUSPENDED, PENDING_CLOSURE, …
    pub status: String,
    pub parent: Parent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualPolicy {
    #[serde(default, skip_serializing_if = "PolicyKind::is_default")]
    pub kind: PolicyKind,
    pub id: String,
    pub description: String,
    pub document: PolicyDocument,
    pub aws_managed: bool,
    pub tags: BTreeMap<String, String>,
}

/// Something an SCP can be attached to, as it exists in AWS.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKey {
    Root,
    Ou(OuPath),
    Account(AccountId),
}

impl TargetKey {
    /// `root`, `ou:<path>` or `account:<id>`.
    pub fn address(&self) -> super::Address {
        match self {
            TargetKey::Root => super::Address::Root,
            TargetKey::Ou(p) => super::Address::Ou(p.clone()),
            TargetKey::Account(a) => super::Address::account(a),
        }
    }
}

impl std::fmt::Display for TargetKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetKey::Root => f.write_str("root"),
            TargetKey::Ou(p) => write!(f, "ou:{p}"),
            TargetKey::Account(a) => write!(f, "account:{a}"),
        }
    }
}

impl Actual {
    /// Whether `kind` is enabled on the root.
    pub fn enabled(&self, kind: PolicyKind) -> bool {
        self.policy_types.contains(&kind)
    }
    pub fn attached(&self, target: &TargetKey) -> BTreeSet<PolicyName> {
        self.attachments.get(target).cloned().unwrap_or_default()
    }
    /// The account with this email, compared case-insensitively as AWS does.
    pub fn account_by_email(&self, email: &str) -> Option<(&AccountId, &ActualAccount)> {
        self.accounts
            .iter()
            .find(|(_, a)| a.email.eq_ignore_ascii_case(email))
    }
}

/// What govern read inside one member account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Member {
    Read(MemberState),
    /// Not read on purpose (a suspended account); shown as a note.
    Skipped {
        reason: String,
    },
    /// Could not be read (role not assumable, access denied); the plan is incomplete.
    Failed {
        reason: String,
        /// The member role could not be assumed (as opposed to a denied read inside the account):
        /// contacts and regions can then still be read from the management account.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unassumable: bool,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberState {
    /// Alternate contacts that are set; a type govern did not read or that is unset is absent.
    pub contacts: BTreeMap<super::ContactType, super::Contact>,
    /// Opt-in status by region name (ENABLED, ENABLED_BY_DEFAULT, DISABLED, …), when read.
    pub regions: BTreeMap<String, String>,
    pub keys: Vec<KmsKey>,
    pub secrets: Vec<SecretInfo>,
    /// Set when the member role could not be assumed (the reason) and contacts and regions were
    /// read from the management account instead, with `AccountId`; keys and secrets were not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_management: Option<String>,
}

impl Member {
    /// Read from the management account because the member role could not be assumed.
    pub fn via_management(&self) -> bool {
        matches!(self, Member::Read(s) if s.via_management.is_some())
    }
}

/// A KMS key as DescribeKey and GetKeyRotationStatus report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KmsKey {
    pub region: String,
    pub id: String,
    pub arn: String,
    /// AWS or CUSTOMER.
    pub manager: String,
    /// SYMMETRIC_DEFAULT, RSA_2048, HMAC_256, …
    pub spec: String,
    /// ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, …
    pub usage: String,
    /// AWS_KMS, EXTERNAL, AWS_CLOUDHSM, EXTERNAL_KEY_STORE.
    pub origin: String,
    /// Enabled, Disabled, PendingDeletion, …
    pub state: String,
    /// Read only for keys whose rotation govern manages.
    pub rotation_enabled: Option<bool>,
    pub rotation_period_days: Option<u32>,
}

/// A secret as ListSecrets reports it: metadata only, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretInfo {
    pub region: String,
    pub arn: String,
    pub name: String,
    pub rotation_enabled: bool,
    /// AutomaticallyAfterDays, or N from a `rate(N days)` schedule.
    pub rotation_days: Option<u32>,
    pub rotation_lambda: Option<String>,
}
