//! What org.toml declares, after validation: every reference resolves, every limit holds.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{
    AccountId, Baselines, Contact, ContactType, Email, OuPath, Parent, PolicyDocument, PolicyKind,
    PolicyName, Region,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desired {
    pub management_account: AccountId,
    pub home_region: Region,
    pub allowed_regions: Vec<Region>,
    /// Role assumed in member accounts (used from the member-account baselines on).
    pub member_role: String,
    /// The ExternalId the member role's trust policy requires, if any.
    #[serde(default)]
    pub external_id: Option<String>,
    pub limits: Limits,
    /// Custom SCPs; `FullAWSAccess` is AWS-managed and never appears here.
    pub policies: BTreeMap<PolicyName, DesiredPolicy>,
    /// SCPs attached to the root; `None` leaves the root's attachments alone.
    pub root_policies: Option<BTreeSet<PolicyName>>,
    /// Every OU in the file, including parents implied by a deeper path.
    pub ous: BTreeMap<OuPath, DesiredOu>,
    /// Keyed by the account's name in the file (its `[accounts.<name>]` key).
    pub accounts: BTreeMap<String, DesiredAccount>,
    /// Contacts, key rotation, logging and exemptions for member accounts.
    #[serde(default)]
    pub baselines: Baselines,
}

/// Quotas that differ between partitions and over time; defaults are AWS's current commercial values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Characters of a minified SCP document (10,240 since 15 May 2026; 5,120 before).
    pub scp_max_chars: usize,
    /// SCPs attached to one root, OU or account, FullAWSAccess included (10 since 15 May 2026; 5 before).
    pub scps_per_target: usize,
}

impl Limits {
    /// Characters of one minified document of `kind`.
    pub fn max_chars(&self, kind: PolicyKind) -> usize {
        match kind {
            PolicyKind::ServiceControlPolicy => self.scp_max_chars,
        }
    }
    /// Policies of `kind` attached to one target.
    pub fn per_target(&self, kind: PolicyKind) -> usize {
        match kind {
            PolicyKind::ServiceControlPolicy => self.scps_per_target,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            scp_max_chars: 10_240,
            scps_per_target: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredPolicy {
    #[serde(default, skip_serializing_if = "PolicyKind::is_default")]
    pub kind: PolicyKind,
    pub description: String,
    pub document: PolicyDocument,
    /// Where the document came from, for messages: a file path or `template deny-regions`.
    pub source: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredOu {
    /// The exact set of SCPs attached to this OU; `None` leaves its attachments alone (also the case
    /// for parents implied by a deeper path).
    pub policies: Option<BTreeSet<PolicyName>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredAccount {
    pub name: String,
    /// Known id; without one, the account is matched by email or created.
    pub id: Option<AccountId>,
    pub email: Email,
    pub parent: Parent,
    /// The exact set of SCPs attached directly to this account; `None` leaves them alone.
    pub policies: Option<BTreeSet<PolicyName>>,
    /// Per-account contacts that replace the org-wide ones (`[accounts.<name>.contacts.<type>]`).
    #[serde(default)]
    pub contacts: BTreeMap<ContactType, Contact>,
}
