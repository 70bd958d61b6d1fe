//! The plan's data: what will change, addressed the same way in text, JSON, journal and evidence.
//!
//! Contract per change (as in Terraform's `plans.Change`): a create has no `before`, a delete no
//! `after`; `reason` is for people and never steers apply. Apply reads only the changes.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::baselines::MemberChange;
use crate::model::{
    AccountId, AccountRef, Address, Email, OuPath, Parent, PolicyDocument, PolicyKind, PolicyName,
    Tags, TargetKey,
};
pub use crate::model::{Action, Finding, FindingKind};

/// The plan JSON's `format_version`. Bump it on any change that could break a reader.
pub const FORMAT_VERSION: u32 = 1;

/// An SCP target as a plan names it. An account that does not exist yet has no id: apply resolves
/// it by name once CreateAccount has answered.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Target {
    Root,
    Ou { path: OuPath },
    Account { name: String, id: Option<AccountId> },
}

impl Target {
    pub fn key(&self) -> Option<TargetKey> {
        match self {
            Target::Root => Some(TargetKey::Root),
            Target::Ou { path } => Some(TargetKey::Ou(path.clone())),
            Target::Account { id: Some(id), .. } => Some(TargetKey::Account(id.clone())),
            Target::Account { id: None, .. } => None,
        }
    }
}

impl Target {
    /// `root`, `ou:<path>`, `account:<id>`, or `account:<name>` for an account not created yet.
    pub fn address(&self) -> Address {
        match self {
            Target::Root => Address::Root,
            Target::Ou { path } => Address::Ou(path.clone()),
            Target::Account { id: Some(id), .. } => Address::account(id),
            Target::Account { name, id: None } => Address::Account(AccountRef::Name(name.clone())),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.address().fmt(f)
    }
}

/// The parts of a custom SCP govern manages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyState {
    pub description: String,
    pub document: PolicyDocument,
    pub tags: BTreeMap<String, String>,
}

/// One change to AWS. Variants carry what apply needs and what a reviewer must see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Change {
    /// EnablePolicyType on the root; attachments of the kind fail until it is on. (The JSON name
    /// predates kinds; a kind other than SCP is written out.)
    #[serde(rename = "enable_scp_policy_type")]
    EnablePolicyType {
        #[serde(default, skip_serializing_if = "PolicyKind::is_default")]
        kind: PolicyKind,
    },
    /// CreateOrganizationalUnit under the path's parent, tagged managed-by = govern and with the
    /// tags org.toml declares.
    CreateOu {
        path: OuPath,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        tags: Tags,
    },
    /// UpdateOrganizationalUnit: a `[[moved]]` OU gets its new name (same parent); its id,
    /// children, accounts, attachments and tags stay.
    RenameOu {
        from: OuPath,
        path: OuPath,
        id: String,
    },
    /// CreatePolicy, tagged managed-by = govern.
    CreatePolicy {
        #[serde(default, skip_serializing_if = "PolicyKind::is_default")]
        kind: PolicyKind,
        name: PolicyName,
        after: PolicyState,
    },
    /// UpdatePolicy and/or TagResource on an existing custom SCP whose document or description
    /// differs (also how an SCP of the same name is adopted); the managed-by tag comes along.
    UpdatePolicy {
        #[serde(default, skip_serializing_if = "PolicyKind::is_default")]
        kind: PolicyKind,
        name: PolicyName,
        /// The policy's name before a `[[moved]]` rename (UpdatePolicy sets `name`; the id stays).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<PolicyName>,
        id: String,
        before: PolicyState,
        after: PolicyState,
    },
    /// DeletePolicy of a policy govern manages (tagged managed-by = govern) that org.toml no
    /// longer declares; every detach of it runs first (AWS refuses to delete an attached policy).
    DeletePolicy {
        #[serde(default, skip_serializing_if = "PolicyKind::is_default")]
        kind: PolicyKind,
        name: PolicyName,
        id: String,
        before: PolicyState,
    },
    /// CreateAccount (with the tags org.toml declares), wait for it, then MoveAccount into its OU.
    CreateAccount {
        /// The account's key in org.toml, which names it in the plan and in apply.
        name: String,
        /// The name CreateAccount gives it when org.toml declares `name` (else `name`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account_name: Option<String>,
        email: Email,
        parent: Parent,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        tags: Tags,
    },
    /// TagResource for the keys added or changed, UntagResource for the keys removed, on an
    /// existing OU or account whose tags differ from its declared `tags` (govern's `managed-by`
    /// is never in either map: it is neither added nor removed here).
    SetTags {
        target: Target,
        before: Tags,
        after: Tags,
    },
    /// PutAccountName: an existing account gets its declared `name` (`crate::account_name`).
    #[serde(rename = "rename_account")]
    RenameAccount(crate::account_name::RenameAccount),
    /// MoveAccount between parents.
    MoveAccount {
        name: String,
        id: AccountId,
        before: Parent,
        after: Parent,
    },
    /// AttachPolicy.
    Attach {
        #[serde(default, skip_serializing_if = "PolicyKind::is_default")]
        kind: PolicyKind,
        policy: PolicyName,
        target: Target,
    },
    /// DetachPolicy; planned only after every attach on the same target, and never the last
    /// policy of a kind that needs one (SCP).
    Detach {
        #[serde(default, skip_serializing_if = "PolicyKind::is_default")]
        kind: PolicyKind,
        policy: PolicyName,
        target: Target,
    },
    /// EnableAWSServiceAccess for a service principal.
    EnableServiceAccess { service: String },
    /// RegisterDelegatedAdministrator: the logging account administers `service`.
    RegisterDelegatedAdmin {
        service: String,
        account_name: String,
        account: Option<AccountId>,
    },
    /// Centralized root access: one IAM organization feature on or off (`crate::root_access`).
    #[serde(rename = "set_root_access")]
    RootAccess(crate::root_access::RootAccessChange),
    /// A security service's administrator designated or removed (`crate::security`).
    #[serde(rename = "set_security_admin")]
    SecurityAdmin(crate::security::SecurityAdminChange),
    /// The organization trail: one property of it, its bucket or key (`crate::trail`).
    #[serde(rename = "set_trail")]
    Trail(crate::trail::TrailChange),
    /// A member-account baseline's change (`crate::baselines`): serialized flat like the others.
    #[serde(untagged)]
    Member(MemberChange),
}

pub use crate::model::{MANAGED_BY_KEY, MANAGED_BY_VALUE};

impl Change {
    pub fn action(&self) -> Action {
        match self {
            Change::CreateOu { .. }
            | Change::CreatePolicy { .. }
            | Change::CreateAccount { .. }
            | Change::Attach { .. }
            | Change::EnableServiceAccess { .. }
            | Change::RegisterDelegatedAdmin { .. } => Action::Create,
            Change::EnablePolicyType { .. }
            | Change::UpdatePolicy { .. }
            | Change::SetTags { .. }
            | Change::RenameOu { .. }
            | Change::MoveAccount { .. } => Action::Update,
            Change::RenameAccount(r) => r.action(),
            Change::Detach { .. } | Change::DeletePolicy { .. } => Action::Delete,
            Change::RootAccess(r) => r.action(),
            Change::SecurityAdmin(s) => s.action(),
            Change::Trail(t) => t.action(),
            Change::Member(m) => m.get().action(),
        }
    }

    /// The stable address of what this change touches.
    pub fn address(&self) -> Address {
        match self {
            Change::EnablePolicyType { kind } => Address::PolicyType(*kind),
            Change::CreateOu { path, .. } | Change::RenameOu { path, .. } => {
                Address::Ou(path.clone())
            }
            Change::SetTags { target, .. } => Address::Tags(Box::new(target.address())),
            Change::CreatePolicy { kind, name, .. }
            | Change::UpdatePolicy { kind, name, .. }
            | Change::DeletePolicy { kind, name, .. } => Address::Policy {
                kind: *kind,
                name: name.clone(),
            },
            Change::CreateAccount { name, .. } => Address::Account(AccountRef::Name(name.clone())),
            Change::MoveAccount { id, .. } => Address::AccountParent(id.clone()),
            Change::RenameAccount(r) => r.address(),
            Change::Attach {
                kind,
                policy,
                target,
            }
            | Change::Detach {
                kind,
                policy,
                target,
            } => Address::Attachment {
                kind: *kind,
                policy: policy.clone(),
                target: Box::new(target.address()),
            },
            Change::EnableServiceAccess { service } => Address::ServiceAccess(service.clone()),
            Change::RegisterDelegatedAdmin { service, .. } => {
                Address::DelegatedAdmin(service.clone())
            }
            Change::RootAccess(r) => r.address(),
            Change::SecurityAdmin(s) => s.address(),
            Change::Trail(t) => t.address(),
            Change::Member(m) => m.get().address(),
        }
    }
}

/// A change in the plan, in the order apply runs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedChange {
    pub address: Address,
    pub action: Action,
    /// Addresses of earlier changes this one needs; if one of them fails, this one is not run.
    pub depends_on: Vec<Address>,
    pub change: Change,
}

/// Something in AWS the file does not declare: listed, never touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmanaged {
    pub address: Address,
    pub note: String,
}

/// A declaration govern cannot converge without a person deciding; apply refuses while any remain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub address: Address,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub remove: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub changes: Vec<PlannedChange>,
    pub unmanaged: Vec<Unmanaged>,
    pub conflicts: Vec<Conflict>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// The name of every account an address above names by id, so that people read
    /// `account:111122223333 (prod-app)`. For readers only: apply never looks at it, and a saved
    /// plan's names are not checked against AWS.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub account_names: BTreeMap<AccountId, String>,
}

impl Plan {
    /// Whether some account could not be read, so the plan may miss changes.
    pub fn is_incomplete(&self) -> bool {
        self.findings.iter().any(|f| f.kind == FindingKind::Error)
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Delete => s.remove += 1,
            }
        }
        s
    }
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Every account id an address of the plan names: changes (and what they act on), findings,
    /// unmanaged items, conflicts.
    pub fn account_ids(&self) -> std::collections::BTreeSet<AccountId> {
        let mut ids = std::collections::BTreeSet::new();
        let mut add = |a: &Address| {
            if let Some(id) = a.account_in() {
                ids.insert(id.clone());
            }
        };
        for c in &self.changes {
            add(&c.address);
            match &c.change {
                Change::MoveAccount { id, .. } => add(&Address::account(id)),
                Change::RegisterDelegatedAdmin {
                    account: Some(id), ..
                } => add(&Address::account(id)),
                Change::SecurityAdmin(s) => {
                    if let Some(id) = &s.account {
                        add(&Address::account(id));
                    }
                }
                _ => {}
            }
        }
        self.findings.iter().for_each(|f| add(&f.address));
        self.unmanaged.iter().for_each(|u| add(&u.address));
        self.conflicts.iter().for_each(|c| add(&c.address));
        ids
    }

    /// Names `account_names` from `names` for exactly the ids the plan mentions (call it again
    /// after narrowing, to drop the names of accounts no longer mentioned).
    pub fn name_accounts(&mut self, names: impl Fn(&AccountId) -> Option<String>) {
        self.account_names = self
            .account_ids()
            .into_iter()
            .filter_map(|id| names(&id).map(|n| (id, n)))
            .collect();
    }

    /// `name_accounts` with the names the plan already has (after narrowing).
    pub fn prune_names(&mut self) {
        let names = std::mem::take(&mut self.account_names);
        self.name_accounts(|id| names.get(id).cloned());
    }

    /// An address as people read it: `account:111122223333 (prod-app)` when it names an account
    /// whose name the plan knows.
    pub fn label(&self, address: &Address) -> String {
        label(&self.account_names, address)
    }

    /// The name of the account `address` is in, when the plan knows it.
    pub fn name_of(&self, address: &Address) -> Option<&str> {
        self.account_names
            .get(address.account_in()?)
            .map(String::as_str)
    }
}

/// `address (name)` when `address` is in an account named in `names`.
pub fn label(names: &BTreeMap<AccountId, String>, address: &Address) -> String {
    match address.account_in().and_then(|id| names.get(id)) {
        // A name from AWS: its control characters never reach a terminal raw.
        Some(name) => format!("{address} ({})", crate::model::escape(name)),
        None => address.to_string(),
    }
}
