//! What AWS holds, as discovery read it: a plain snapshot, serializable so saved plans and evidence
//! bundles can carry it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{AccountId, OuPath, Parent, PolicyDocument, PolicyName};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actual {
    pub organization_id: String,
    pub management_account: AccountId,
    pub root_id: String,
    /// Whether the SERVICE_CONTROL_POLICY type is enabled on the root (attachments fail without it).
    pub scp_enabled: bool,
    pub ous: BTreeMap<OuPath, ActualOu>,
    pub accounts: BTreeMap<AccountId, ActualAccount>,
    pub policies: BTreeMap<PolicyName, ActualPolicy>,
    /// SCP names attached directly to each target.
    pub attachments: BTreeMap<TargetKey, BTreeSet<PolicyName>>,
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
