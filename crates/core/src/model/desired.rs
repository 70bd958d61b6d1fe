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
    /// Custom policies of every kind, by name (unique in the file; each carries its kind). The
    /// AWS-managed full-access policies (`FullAWSAccess`, `RCPFullAWSAccess`) never appear here.
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
    /// `[[moved]]`: policies renamed in place (UpdatePolicy keeps the policy and its id).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved: Vec<Moved>,
    /// `[[moved]]` of OUs: renamed in place (UpdateOrganizationalUnit keeps the OU, its id, its
    /// children and its accounts), in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved_ous: Vec<MovedOu>,
}

/// An OU renamed from `from` to `to`, under one parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovedOu {
    pub from: OuPath,
    pub to: OuPath,
}

/// A policy renamed from `from` to `to`, both of `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub kind: PolicyKind,
    pub from: PolicyName,
    pub to: PolicyName,
}

/// Quotas that differ between partitions and over time; defaults are AWS's current commercial values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Characters of a minified SCP document (10,240 since 15 May 2026; 5,120 before).
    pub scp_max_chars: usize,
    /// SCPs attached to one root, OU or account, FullAWSAccess included (10 since 15 May 2026; 5 before).
    pub scps_per_target: usize,
    /// `[limits]` of the other kinds (`<kind>_max_chars`, `<kind>_per_target`) where org.toml sets
    /// them; a kind absent here has [`KindLimits::default_for`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kinds: BTreeMap<PolicyKind, KindLimits>,
}

/// One kind's quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindLimits {
    pub max_chars: usize,
    pub per_target: usize,
}

impl KindLimits {
    /// AWS's defaults, from "Quotas and service limits for AWS Organizations" (AWS Organizations
    /// User Guide, orgs_reference_limits, "Maximum size of a policy document" and "Number of
    /// policies of each type attached to a root, OU or account"), as read on 2026-12-05. The SCP's
    /// are [`Limits`]' own fields. Types the page does not list yet (Inspector, S3, Bedrock,
    /// upgrade rollout, GuardDuty, Network Security Director) get the management-policy values of
    /// the page (10,000 characters, 10 per target); `[limits]` overrides any of them.
    pub fn default_for(kind: PolicyKind) -> KindLimits {
        let (max_chars, per_target) = match kind {
            PolicyKind::ServiceControlPolicy => (10_240, 10),
            PolicyKind::ResourceControlPolicy => (5_120, 5),
            PolicyKind::AiServicesOptOutPolicy => (2_500, 5),
            PolicyKind::TagPolicy
            | PolicyKind::BackupPolicy
            | PolicyKind::ChatbotPolicy
            | PolicyKind::DeclarativePolicyEc2
            | PolicyKind::SecurityHubPolicy
            | PolicyKind::InspectorPolicy
            | PolicyKind::S3Policy
            | PolicyKind::BedrockPolicy
            | PolicyKind::UpgradeRolloutPolicy
            | PolicyKind::GuardDutyPolicy
            | PolicyKind::NetworkSecurityDirectorPolicy => (10_000, 10),
        };
        KindLimits {
            max_chars,
            per_target,
        }
    }
}

impl Limits {
    fn of(&self, kind: PolicyKind) -> KindLimits {
        match kind {
            PolicyKind::ServiceControlPolicy => KindLimits {
                max_chars: self.scp_max_chars,
                per_target: self.scps_per_target,
            },
            _ => self
                .kinds
                .get(&kind)
                .copied()
                .unwrap_or_else(|| KindLimits::default_for(kind)),
        }
    }
    /// Characters of one minified document of `kind`.
    pub fn max_chars(&self, kind: PolicyKind) -> usize {
        self.of(kind).max_chars
    }
    /// Policies of `kind` attached to one target.
    pub fn per_target(&self, kind: PolicyKind) -> usize {
        self.of(kind).per_target
    }
    /// The `[limits]` keys of a kind: (max characters, per target).
    pub fn keys(kind: PolicyKind) -> (String, String) {
        match kind {
            PolicyKind::ServiceControlPolicy => ("scp_max_chars".into(), "scps_per_target".into()),
            _ => {
                let p = kind.prefix().replace('-', "_");
                (format!("{p}_max_chars"), format!("{p}_per_target"))
            }
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        let scp = KindLimits::default_for(PolicyKind::ServiceControlPolicy);
        Self {
            scp_max_chars: scp.max_chars,
            scps_per_target: scp.per_target,
            kinds: BTreeMap::new(),
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
    /// `tags = { … }`: the policy's tags besides govern's `managed-by`, which it always keeps;
    /// `None` leaves the other tags as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// Tags of an OU, an account or a policy: key → value.
pub type Tags = BTreeMap<String, String>;

/// The tag govern puts on what it creates (and on policies it adopts and updates).
pub const MANAGED_BY_KEY: &str = "managed-by";
pub const MANAGED_BY_VALUE: &str = "govern";

/// `tags` without govern's own `managed-by`: what a declared `tags` table is compared with.
pub fn declarable_tags(tags: &Tags) -> Tags {
    let mut t = tags.clone();
    t.remove(MANAGED_BY_KEY);
    t
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredOu {
    /// The exact set of SCPs attached to this OU; `None` leaves its attachments alone (also the case
    /// for parents implied by a deeper path).
    pub policies: Option<BTreeSet<PolicyName>>,
    /// `tags = { … }`: the OU's tags besides `managed-by` (govern's, on the OUs it creates, never
    /// added or removed here); `None` leaves its tags as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredAccount {
    /// The account's key in org.toml (`[accounts.<key>]`).
    pub name: String,
    /// `name = "…"`: the account's name in AWS, kept by PutAccountName (`crate::account_name`);
    /// `None` leaves the name alone (CreateAccount then names a new account by its key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_name: Option<String>,
    /// Known id; without one, the account is matched by email or created.
    pub id: Option<AccountId>,
    pub email: Email,
    pub parent: Parent,
    /// The exact set of SCPs attached directly to this account; `None` leaves them alone.
    pub policies: Option<BTreeSet<PolicyName>>,
    /// Per-account contacts that replace the org-wide ones (`[accounts.<name>.contacts.<type>]`).
    #[serde(default)]
    pub contacts: BTreeMap<ContactType, Contact>,
    /// `tags = { … }`: the account's tags besides `managed-by`; `None` leaves them as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

impl Desired {
    /// The kind of a policy a `policies` list names: its declaration's, or the kind whose
    /// AWS-managed full-access policy it is. None for an undeclared name (validation refuses it).
    pub fn kind_of(&self, name: &PolicyName) -> Option<PolicyKind> {
        self.policies
            .get(name)
            .map(|p| p.kind)
            .or_else(|| PolicyKind::of_full_access(name.as_str()))
    }

    /// The kinds whose attachments the `policies` lists manage: SCPs always (as before kinds), and
    /// every kind org.toml declares a policy of. A kind the file never declares is left alone
    /// wherever it is attached.
    pub fn managed_kinds(&self) -> BTreeSet<PolicyKind> {
        let mut kinds: BTreeSet<PolicyKind> = self.policies.values().map(|p| p.kind).collect();
        kinds.insert(PolicyKind::ServiceControlPolicy);
        kinds
    }

    /// Every target's declared `policies` list.
    pub fn lists(&self) -> impl Iterator<Item = &BTreeSet<PolicyName>> {
        self.root_policies
            .iter()
            .chain(self.ous.values().filter_map(|o| o.policies.as_ref()))
            .chain(self.accounts.values().filter_map(|a| a.policies.as_ref()))
    }
}
