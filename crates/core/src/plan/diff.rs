//! The pure heart of govern: (Desired, Actual) → the changes that make Actual match Desired.
//! No I/O, no clock, no randomness: the same inputs always give the same plan.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    AccountId, AccountRef, Actual, Address, Desired, DesiredAccount, Parent, PolicyKind,
    PolicyName, TargetKey,
};

use super::change::{
    Change, Conflict, Plan, PolicyState, Target, Unmanaged, FORMAT_VERSION, MANAGED_BY_KEY,
    MANAGED_BY_VALUE,
};
use super::members::{plan_members, DeclaredIds};
use super::order::order;

/// How a declared account relates to what exists.
enum Resolution {
    Exists(AccountId),
    ToCreate,
    Conflicted,
}

pub fn plan(desired: &Desired, actual: &Actual) -> Plan {
    let mut changes = Vec::new();
    let mut unmanaged = Vec::new();
    let mut conflicts = Vec::new();
    let mut findings = Vec::new();

    // A declared `policies` list manages attachments, which need their kind enabled on the root.
    let wants_attachments = desired.root_policies.is_some()
        || desired.ous.values().any(|o| o.policies.is_some())
        || desired.accounts.values().any(|a| a.policies.is_some());
    let kind = PolicyKind::ServiceControlPolicy;
    if wants_attachments && !actual.enabled(kind) {
        changes.push(Change::EnablePolicyType { kind });
    }

    plan_ous(desired, actual, &mut changes, &mut unmanaged);
    plan_policies(
        desired,
        actual,
        &mut changes,
        &mut unmanaged,
        &mut conflicts,
    );
    // An SCP that would shut govern's member role out of member accounts (issue 13).
    conflicts.extend(super::lockout::conflicts(desired));
    let resolved = plan_accounts(
        desired,
        actual,
        &mut changes,
        &mut unmanaged,
        &mut conflicts,
    );
    plan_attachments(desired, actual, &resolved, &mut changes);
    let declared: DeclaredIds = resolved
        .iter()
        .filter_map(|(name, r)| match r {
            Resolution::Exists(id) => Some((name.clone(), Some(id.clone()))),
            Resolution::ToCreate => Some((name.clone(), None)),
            Resolution::Conflicted => None,
        })
        .collect();
    plan_members(desired, actual, &declared, &mut changes, &mut findings);

    Plan {
        format_version: FORMAT_VERSION,
        changes: order(changes),
        unmanaged,
        conflicts,
        findings,
    }
}

fn plan_ous(
    desired: &Desired,
    actual: &Actual,
    changes: &mut Vec<Change>,
    unmanaged: &mut Vec<Unmanaged>,
) {
    for path in desired.ous.keys() {
        if !actual.ous.contains_key(path) {
            changes.push(Change::CreateOu { path: path.clone() });
        }
    }
    for path in actual.ous.keys() {
        if !desired.ous.contains_key(path) {
            let address = Address::Ou(path.clone());
            // An OU govern cannot address (issue 14) says why instead.
            let note = actual
                .unaddressable
                .get(&address)
                .cloned()
                .unwrap_or_else(|| "OU not declared".into());
            unmanaged.push(Unmanaged { address, note });
        }
    }
}

fn managed_tags(existing: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut tags = existing.clone();
    tags.insert(MANAGED_BY_KEY.into(), MANAGED_BY_VALUE.into());
    tags
}

fn plan_policies(
    desired: &Desired,
    actual: &Actual,
    changes: &mut Vec<Change>,
    unmanaged: &mut Vec<Unmanaged>,
    conflicts: &mut Vec<Conflict>,
) {
    for (name, want) in &desired.policies {
        match actual.policies.get(name) {
            Some(have) if have.aws_managed => conflicts.push(Conflict {
                address: scp(name),
                message: format!("`{name}` is the name of an AWS-managed policy; give the custom SCP another name"),
            }),
            // A tag-only difference is not a change: govern tags what it creates and what it
            // updates anyway, but leaves an SCP that already says what org.toml says as it is. So
            // adopting an existing organization (`govern import`) needs no write, and plans empty.
            Some(have)
                if have.document == want.document && have.description == want.description => {}
            Some(have) => {
                let before = PolicyState {
                    description: have.description.clone(),
                    document: have.document.clone(),
                    tags: have.tags.clone(),
                };
                let after = PolicyState {
                    description: want.description.clone(),
                    document: want.document.clone(),
                    tags: managed_tags(&have.tags),
                };
                if before != after {
                    changes.push(Change::UpdatePolicy {
                        kind: want.kind,
                        name: name.clone(),
                        id: have.id.clone(),
                        before,
                        after,
                    });
                }
            }
            None => changes.push(Change::CreatePolicy {
                kind: want.kind,
                name: name.clone(),
                after: PolicyState {
                    description: want.description.clone(),
                    document: want.document.clone(),
                    tags: managed_tags(&BTreeMap::new()),
                },
            }),
        }
    }
    for (name, have) in &actual.policies {
        if !have.aws_managed && !desired.policies.contains_key(name) {
            unmanaged.push(Unmanaged {
                address: scp(name),
                note: "SCP not declared".into(),
            });
        }
    }
    // SCPs whose names govern cannot address (issue 14): not in `actual.policies`, listed with why.
    for (address, note) in &actual.unaddressable {
        if matches!(address, Address::Policy { .. }) {
            unmanaged.push(Unmanaged {
                address: address.clone(),
                note: note.clone(),
            });
        }
    }
}

/// Matches each declared account to an existing one (by id, else by email), or decides to create it.
fn plan_accounts(
    desired: &Desired,
    actual: &Actual,
    changes: &mut Vec<Change>,
    unmanaged: &mut Vec<Unmanaged>,
    conflicts: &mut Vec<Conflict>,
) -> BTreeMap<String, Resolution> {
    let mut resolved = BTreeMap::new();
    // Which declared account claimed which existing one, to catch two claiming the same.
    let mut claimed: BTreeMap<AccountId, String> = BTreeMap::new();

    for (key, want) in &desired.accounts {
        let address = Address::Account(AccountRef::Name(key.clone()));
        let mut conflict = |message: String| {
            conflicts.push(Conflict {
                address: address.clone(),
                message,
            });
            Resolution::Conflicted
        };
        let resolution = match resolve(want, actual) {
            Ok(Some(id)) => match claimed.get(&id) {
                Some(other) => conflict(format!(
                    "accounts `{other}` and `{key}` in org.toml both match account {id}"
                )),
                None => {
                    claimed.insert(id.clone(), key.clone());
                    Resolution::Exists(id)
                }
            },
            Ok(None) => Resolution::ToCreate,
            Err(message) => conflict(message),
        };
        match &resolution {
            Resolution::Exists(id) => {
                let have = &actual.accounts[id];
                if have.parent != want.parent {
                    changes.push(Change::MoveAccount {
                        name: key.clone(),
                        id: id.clone(),
                        before: have.parent.clone(),
                        after: want.parent.clone(),
                    });
                }
            }
            Resolution::ToCreate => changes.push(Change::CreateAccount {
                name: key.clone(),
                email: want.email.clone(),
                parent: want.parent.clone(),
            }),
            Resolution::Conflicted => {}
        }
        resolved.insert(key.clone(), resolution);
    }

    for (id, have) in &actual.accounts {
        if !claimed.contains_key(id) {
            let role = if *id == actual.management_account {
                "management account, not declared"
            } else {
                "not declared"
            };
            // The account's name is AWS's: escaped, as it reaches terminals and logs.
            unmanaged.push(Unmanaged {
                address: Address::account(id),
                note: format!("{}, {role}", crate::model::escape(&have.name)),
            });
        }
    }
    resolved
}

/// Ok(Some(id)) when the declared account exists, Ok(None) when it should be created.
fn resolve(want: &DesiredAccount, actual: &Actual) -> Result<Option<AccountId>, String> {
    if let Some(id) = &want.id {
        let Some(have) = actual.accounts.get(id) else {
            return Err(format!(
                "account {id} is not in this organization (govern never invites or removes accounts)"
            ));
        };
        if !have.email.eq_ignore_ascii_case(want.email.as_str()) {
            return Err(format!(
                "account {id} has email {} in AWS but org.toml says {}; fix the file (the root email can only be changed by the account's root user)",
                crate::model::escape(&have.email), want.email
            ));
        }
        return Ok(Some(id.clone()));
    }
    if let Some((id, _)) = actual.account_by_email(want.email.as_str()) {
        return Ok(Some(id.clone()));
    }
    if let Some((id, have)) = actual.accounts.iter().find(|(_, a)| a.name == want.name) {
        return Err(format!(
            "an account named `{}` already exists ({id}, {}) but org.toml gives email {}; declare its id or its email instead of creating a second account",
            want.name, crate::model::escape(&have.email), want.email
        ));
    }
    Ok(None)
}

fn plan_attachments(
    desired: &Desired,
    actual: &Actual,
    resolved: &BTreeMap<String, Resolution>,
    changes: &mut Vec<Change>,
) {
    let mut targets: Vec<(Target, &BTreeSet<PolicyName>)> = Vec::new();
    if let Some(want) = &desired.root_policies {
        targets.push((Target::Root, want));
    }
    for (path, ou) in &desired.ous {
        if let Some(want) = &ou.policies {
            targets.push((Target::Ou { path: path.clone() }, want));
        }
    }
    for (key, acct) in &desired.accounts {
        let Some(want) = &acct.policies else { continue };
        let id = match resolved.get(key) {
            Some(Resolution::Exists(id)) => Some(id.clone()),
            Some(Resolution::ToCreate) => None,
            Some(Resolution::Conflicted) | None => continue,
        };
        targets.push((
            Target::Account {
                name: key.clone(),
                id,
            },
            want,
        ));
    }

    for (target, want) in targets {
        let have = current_attachments(actual, target.key().as_ref());
        for policy in want.difference(&have) {
            changes.push(Change::Attach {
                kind: kind_of(desired, policy),
                policy: policy.clone(),
                target: target.clone(),
            });
        }
        for policy in have.difference(want) {
            changes.push(Change::Detach {
                kind: kind_of(desired, policy),
                policy: policy.clone(),
                target: target.clone(),
            });
        }
    }
}

/// What a target will have attached when the plan's attachment steps run. AWS attaches FullAWSAccess
/// to every new OU and account, and to every target when the SCP policy type is enabled.
fn current_attachments(actual: &Actual, key: Option<&TargetKey>) -> BTreeSet<PolicyName> {
    let exists = match key {
        None => false,
        Some(TargetKey::Root) => true,
        Some(TargetKey::Ou(p)) => actual.ous.contains_key(p),
        Some(TargetKey::Account(id)) => actual.accounts.contains_key(id),
    };
    let mut have = key.map(|k| actual.attached(k)).unwrap_or_default();
    let kind = PolicyKind::ServiceControlPolicy;
    if !exists || !actual.enabled(kind) {
        if let Some(full) = kind.full_access() {
            have.insert(PolicyName::parse(full).expect("an AWS-managed name is valid"));
        }
    }
    have
}

/// The kind of a policy a target lists: its declaration's, or SCP for the AWS-managed
/// FullAWSAccess (and for what no declaration names, which validation refuses first).
fn kind_of(desired: &Desired, policy: &PolicyName) -> PolicyKind {
    desired
        .policies
        .get(policy)
        .map(|p| p.kind)
        .unwrap_or_default()
}

/// Where a declared account's parent is, for rendering and ordering.
pub(crate) fn parent_address(p: &Parent) -> Option<Address> {
    match p {
        Parent::Root => None,
        Parent::Ou(path) => Some(Address::Ou(path.clone())),
    }
}

fn scp(name: &PolicyName) -> Address {
    Address::Policy {
        kind: PolicyKind::ServiceControlPolicy,
        name: name.clone(),
    }
}
