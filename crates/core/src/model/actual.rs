//! What AWS holds, as discovery read it: a plain snapshot, serializable so saved plans and evidence
//! bundles can carry it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{AccountId, OuPath, Parent, PolicyDocument, PolicyKey, PolicyKind, PolicyName};

/// Service → Region → the accounts AWS lists as its administrator there.
pub type SecurityAdmins = BTreeMap<super::SecurityService, BTreeMap<String, BTreeSet<AccountId>>>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actual {
    pub organization_id: String,
    pub management_account: AccountId,
    pub root_id: String,
    /// The policy types enabled on the root (attachments of a type fail without it).
    pub policy_types: BTreeSet<PolicyKind>,
    /// Policy types enabled on the root that this govern does not know (the SDK's `PolicyType` is
    /// non-exhaustive): listed as unmanaged, never an error.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub unknown_policy_types: BTreeSet<String>,
    pub ous: BTreeMap<OuPath, ActualOu>,
    pub accounts: BTreeMap<AccountId, ActualAccount>,
    /// Every policy read, of every kind discovery listed, keyed by (kind, name): names are unique
    /// within a kind only.
    pub policies: BTreeMap<PolicyKey, ActualPolicy>,
    /// Policies (of every kind) attached directly to each target.
    pub attachments: BTreeMap<TargetKey, BTreeSet<PolicyKey>>,
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
    /// What AWS holds under a name govern cannot address (issue 14: an OU named `Slash/Child`, a
    /// name with a control character), with why, its name escaped. Such an OU is in `ous` under
    /// its [`OuPath::by_id`]; such an SCP is left out of `policies`. The plan lists each as
    /// unmanaged with this note and never touches it; import declares none of it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unaddressable: BTreeMap<super::Address, String>,
    /// Centralized root access features enabled (IAM ListOrganizationsFeatures), when read; empty
    /// while trusted access for IAM is off (IAM then answers ServiceAccessNotEnabledException).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_features: Option<BTreeSet<super::RootFeature>>,
    /// The administrators of the security services designated through their own API, by service
    /// and Region (ListOrganizationAdminAccounts), when read; services designated through
    /// Organizations are in `delegated_admins`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_admins: Option<SecurityAdmins>,
    /// The organization trail, its bucket and key (`[logging.trail]`), when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail: Option<super::TrailActual>,
    /// Tags of OUs and accounts (ListTagsForResource), read only where org.toml declares `tags`
    /// (import: everywhere); a target absent here was not read. Policies carry their own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<TargetKey, super::Tags>,
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

/// Something an SCP can be attached to, as it exists in AWS. Serialized as its display form
/// (`root`, `ou:<path>`, `account:<id>`), so maps keyed by it are JSON objects (the organization
/// snapshot shards share, govern_core::snapshot) and read back through the types' parsers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKey {
    Root,
    Ou(OuPath),
    Account(AccountId),
}

impl Serialize for TargetKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TargetKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let s = String::deserialize(d)?;
        if s == "root" {
            return Ok(TargetKey::Root);
        }
        if let Some(path) = s.strip_prefix("ou:") {
            return OuPath::try_from(path.to_string())
                .map(TargetKey::Ou)
                .map_err(D::Error::custom);
        }
        if let Some(id) = s.strip_prefix("account:") {
            return AccountId::parse(id)
                .map(TargetKey::Account)
                .map_err(D::Error::custom);
        }
        Err(D::Error::custom(format!(
            "{:?} is not a target: `root`, `ou:<path>` or `account:<id>`",
            s.chars().take(80).collect::<String>()
        )))
    }
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
    /// An organization with nothing in it yet: no policy type enabled, no OU, account or policy,
    /// nothing read inside accounts. Discovery and tests fill it in.
    pub fn empty(organization_id: &str, management_account: AccountId, root_id: &str) -> Actual {
        Actual {
            organization_id: organization_id.to_string(),
            management_account,
            root_id: root_id.to_string(),
            policy_types: BTreeSet::new(),
            unknown_policy_types: BTreeSet::new(),
            ous: BTreeMap::new(),
            accounts: BTreeMap::new(),
            policies: BTreeMap::new(),
            attachments: BTreeMap::new(),
            members: BTreeMap::new(),
            service_access: BTreeSet::new(),
            service_access_read: false,
            delegated_admins: BTreeMap::new(),
            unaddressable: BTreeMap::new(),
            root_features: None,
            security_admins: None,
            trail: None,
            tags: BTreeMap::new(),
        }
    }

    /// Whether `kind` is enabled on the root.
    pub fn enabled(&self, kind: PolicyKind) -> bool {
        self.policy_types.contains(&kind)
    }
    /// Every policy attached directly to `target`, of every kind.
    pub fn attached_all(&self, target: &TargetKey) -> BTreeSet<PolicyKey> {
        self.attachments.get(target).cloned().unwrap_or_default()
    }
    /// The policies of `kind` attached directly to `target`, by name.
    pub fn attached(&self, target: &TargetKey, kind: PolicyKind) -> BTreeSet<PolicyName> {
        self.attachments
            .get(target)
            .into_iter()
            .flatten()
            .filter(|k| k.kind == kind)
            .map(|k| k.name.clone())
            .collect()
    }
    /// The SCPs attached directly to `target`.
    pub fn attached_scps(&self, target: &TargetKey) -> BTreeSet<PolicyName> {
        self.attached(target, PolicyKind::ServiceControlPolicy)
    }
    /// The policy of `kind` named `name`.
    pub fn policy(&self, kind: PolicyKind, name: &PolicyName) -> Option<&ActualPolicy> {
        self.policies.get(&PolicyKey::new(kind, name.clone()))
    }
    /// The organization as it is once the OU at `from` is named `to` (same parent): it, every OU
    /// below it, the accounts in them, their attachments and tags under the new paths.
    pub fn rename_ou(&mut self, from: &OuPath, to: &OuPath) {
        let re = |p: &OuPath| p.renamed(from, to).unwrap_or_else(|| p.clone());
        self.ous = std::mem::take(&mut self.ous)
            .into_iter()
            .map(|(p, o)| (re(&p), o))
            .collect();
        for a in self.accounts.values_mut() {
            if let Parent::Ou(p) = &a.parent {
                a.parent = Parent::Ou(re(p));
            }
        }
        let key = |k: TargetKey| match k {
            TargetKey::Ou(p) => TargetKey::Ou(re(&p)),
            other => other,
        };
        self.attachments = std::mem::take(&mut self.attachments)
            .into_iter()
            .map(|(k, v)| (key(k), v))
            .collect();
        self.tags = std::mem::take(&mut self.tags)
            .into_iter()
            .map(|(k, v)| (key(k), v))
            .collect();
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
    /// What was not read inside the account, each part on its own (a key whose policy shuts govern
    /// out, a refused ListRegions, a region the account has not enabled): the rest of the account
    /// was read and is planned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<Unread>,
}

/// One part of an account that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unread {
    /// What it is about: a key, the account's regions, one region, a contact.
    pub address: super::Address,
    /// The baselines it concerns: an exemption from all of them makes it moot.
    pub baselines: BTreeSet<super::BaselineKind>,
    pub reason: String,
    /// AWS refused the read (the plan is incomplete there), as opposed to a part govern did not
    /// read on purpose (a region the account has not enabled).
    pub refused: bool,
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
    /// As GetKeyRotationStatus returned it; None when it did not (then the period is unknown, never
    /// assumed).
    pub rotation_period_days: Option<u32>,
    /// MultiRegionKeyType (PRIMARY or REPLICA) of a Multi-Region key; None for a single-Region key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_region: Option<String>,
    /// The Region of a Multi-Region key's primary key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_region: Option<String>,
}

/// A secret as ListSecrets reports it: metadata only, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretInfo {
    pub region: String,
    pub arn: String,
    pub name: String,
    pub rotation_enabled: bool,
    /// The interval of RotationRules.ScheduleExpression when there is one (N of `rate(N days)`;
    /// None for a cron schedule), else AutomaticallyAfterDays (which AWS derives from the schedule
    /// only after each rotation, so it is stale when a schedule is set).
    pub rotation_days: Option<u32>,
    pub rotation_lambda: Option<String>,
    /// RotationRules.ScheduleExpression (`rate(…)` or `cron(…)`), when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// RotationRules.Duration, the rotation window (`3h`), when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// The service that manages the secret's rotation (OwningService: `rds`, …), when one does:
    /// managed rotation needs no rotation function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owning_service: Option<String>,
    /// The primary secret's Region when this is a replica (PrimaryRegion): a replica is changed
    /// through its primary only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_region: Option<String>,
}

impl SecretInfo {
    /// A replica of a secret whose primary is in another Region.
    pub fn replica_of(&self) -> Option<&str> {
        self.primary_region
            .as_deref()
            .filter(|p| !p.is_empty() && *p != self.region)
    }
}

impl KmsKey {
    /// A Multi-Region replica key: rotation follows its primary key.
    pub fn is_replica(&self) -> bool {
        self.multi_region.as_deref() == Some("REPLICA")
    }
}
