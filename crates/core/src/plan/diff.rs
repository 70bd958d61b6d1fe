//! The pure heart of govern: (Desired, Actual) → the changes that make Actual match Desired.
//! No I/O, no clock, no randomness: the same inputs always give the same plan.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    declarable_tags, AccountId, AccountRef, Actual, Address, Desired, DesiredAccount, Parent,
    PolicyKey, PolicyKind, PolicyName, Tags, TargetKey,
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
    // `[[moved]]`: plan against AWS as if each renamed policy already had its new name, so its
    // attachments stay where they are and only the name changes (UpdatePolicy, same id).
    // OUs first: plan as if each renamed OU already had its new path, so its children, accounts,
    // attachments and tags are where org.toml says and only its name changes (same id).
    let (ou_view, ou_renames) = moved_ous(desired, actual);
    let actual = ou_view.as_ref().unwrap_or(actual);
    let (renamed_view, renamed) = moved(desired, actual);
    let actual = renamed_view.as_ref().unwrap_or(actual);
    let mut changes = ou_renames;
    let mut unmanaged = Vec::new();
    let mut conflicts = Vec::new();
    let mut findings = Vec::new();

    // A declared `policies` list manages attachments, which need their kind enabled on the root:
    // SCPs for any list (as before kinds), another kind where a list names one of its policies.
    // A declared policy needs its kind enabled too ("Before you can create a policy of a given
    // type, you must first enable that policy type", CreatePolicy in the Organizations API
    // reference); SCPs keep their old rule, so an SCP-only file plans as before.
    let mut needed: BTreeSet<PolicyKind> = desired
        .policies
        .values()
        .map(|p| p.kind)
        .filter(|k| *k != PolicyKind::ServiceControlPolicy)
        .collect();
    for list in desired.lists() {
        needed.insert(PolicyKind::ServiceControlPolicy);
        needed.extend(list.iter().filter_map(|p| desired.kind_of(p)));
    }
    for kind in needed {
        if !actual.enabled(kind) {
            changes.push(Change::EnablePolicyType { kind });
        }
    }
    // A type AWS has enabled that this govern does not know: listed, never touched.
    for name in &actual.unknown_policy_types {
        unmanaged.push(Unmanaged {
            address: Address::Root,
            note: format!(
                "policy type {name} is enabled on the root; this govern does not know it"
            ),
        });
    }

    plan_ous(desired, actual, &mut changes, &mut unmanaged);
    plan_policies(
        desired,
        actual,
        &renamed,
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
    plan_deletions(desired, actual, &mut changes, &mut conflicts);
    let declared: DeclaredIds = resolved
        .iter()
        .filter_map(|(name, r)| match r {
            Resolution::Exists(id) => Some((name.clone(), Some(id.clone()))),
            Resolution::ToCreate => Some((name.clone(), None)),
            Resolution::Conflicted => None,
        })
        .collect();
    plan_members(desired, actual, &declared, &mut changes, &mut findings);

    let mut plan = Plan {
        format_version: FORMAT_VERSION,
        changes: order(changes),
        unmanaged,
        conflicts,
        findings,
        account_names: Default::default(),
    };
    plan.name_accounts(|id| actual.accounts.get(id).map(|a| a.name.clone()));
    plan
}

fn plan_ous(
    desired: &Desired,
    actual: &Actual,
    changes: &mut Vec<Change>,
    unmanaged: &mut Vec<Unmanaged>,
) {
    for (path, ou) in &desired.ous {
        if !actual.ous.contains_key(path) {
            changes.push(Change::CreateOu {
                path: path.clone(),
                tags: ou.tags.clone().unwrap_or_default(),
            });
        } else if let Some(want) = &ou.tags {
            let key = TargetKey::Ou(path.clone());
            plan_tags(
                actual,
                &key,
                Target::Ou { path: path.clone() },
                want,
                changes,
            );
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

/// A policy's tags after govern: the declared ones when org.toml has `tags` (else the ones it
/// has), and govern's `managed-by` always.
fn managed_tags(existing: &Tags, declared: Option<&Tags>) -> Tags {
    let mut tags = declared.cloned().unwrap_or_else(|| existing.clone());
    tags.insert(MANAGED_BY_KEY.into(), MANAGED_BY_VALUE.into());
    tags
}

/// SetTags on an existing OU or account whose tags (govern's `managed-by` aside) are not the
/// declared ones. Tags discovery did not read count as none.
fn plan_tags(
    actual: &Actual,
    key: &TargetKey,
    target: Target,
    want: &Tags,
    changes: &mut Vec<Change>,
) {
    let before = actual
        .tags
        .get(key)
        .map(declarable_tags)
        .unwrap_or_default();
    if before != *want {
        changes.push(Change::SetTags {
            target,
            before,
            after: want.clone(),
        });
    }
}

/// The organization with every `[[moved]]` OU that exists under its old path (and not under its
/// new one) renamed, in file order, and their UpdateOrganizationalUnit changes; None when none.
fn moved_ous(desired: &Desired, actual: &Actual) -> (Option<Actual>, Vec<Change>) {
    let mut view: Option<Actual> = None;
    let mut changes = Vec::new();
    for m in &desired.moved_ous {
        let current = view.as_ref().unwrap_or(actual);
        let Some(ou) = current.ous.get(&m.from) else {
            continue;
        };
        if current.ous.contains_key(&m.to) {
            continue;
        }
        changes.push(Change::RenameOu {
            from: m.from.clone(),
            path: m.to.clone(),
            id: ou.id.clone(),
        });
        let mut next = current.clone();
        next.rename_ou(&m.from, &m.to);
        view = Some(next);
    }
    (view, changes)
}

/// The organization with every `[[moved]]` policy that exists under its old name (and not under
/// its new one) renamed, and those renames (kind, new name) → old name; None when nothing moves.
fn moved(desired: &Desired, actual: &Actual) -> (Option<Actual>, BTreeMap<PolicyKey, PolicyName>) {
    let mut renamed = BTreeMap::new();
    let moves: Vec<_> = desired
        .moved
        .iter()
        .filter(|m| {
            actual
                .policy(m.kind, &m.from)
                .is_some_and(|p| !p.aws_managed)
                && actual.policy(m.kind, &m.to).is_none()
        })
        .collect();
    if moves.is_empty() {
        return (None, renamed);
    }
    let mut view = actual.clone();
    for m in moves {
        let old = PolicyKey::new(m.kind, m.from.clone());
        let new = PolicyKey::new(m.kind, m.to.clone());
        if let Some(p) = view.policies.remove(&old) {
            view.policies.insert(new.clone(), p);
        }
        for set in view.attachments.values_mut() {
            if set.remove(&old) {
                set.insert(new.clone());
            }
        }
        renamed.insert(new, m.from.clone());
    }
    (Some(view), renamed)
}

fn plan_policies(
    desired: &Desired,
    actual: &Actual,
    renamed: &BTreeMap<PolicyKey, PolicyName>,
    changes: &mut Vec<Change>,
    unmanaged: &mut Vec<Unmanaged>,
    conflicts: &mut Vec<Conflict>,
) {
    for (name, want) in &desired.policies {
        let from = renamed
            .get(&PolicyKey::new(want.kind, name.clone()))
            .cloned();
        match actual.policy(want.kind, name) {
            Some(have) if have.aws_managed => conflicts.push(Conflict {
                address: policy_address(want.kind, name),
                message: format!(
                    "`{name}` is the name of an AWS-managed policy; give the custom {} another name",
                    want.kind.noun()
                ),
            }),
            // A tag-only difference is not a change: govern tags what it creates and what it
            // updates anyway, but leaves an SCP that already says what org.toml says as it is. So
            // adopting an existing organization (`govern import`) needs no write, and plans empty.
            // Declared `tags` are compared without govern's own tag, for the same reason.
            Some(have)
                if from.is_none()
                    && have.document == want.document
                    && have.description == want.description
                    && want
                        .tags
                        .as_ref()
                        .is_none_or(|t| *t == declarable_tags(&have.tags)) => {}
            Some(have) => {
                let before = PolicyState {
                    description: have.description.clone(),
                    document: have.document.clone(),
                    tags: have.tags.clone(),
                };
                let after = PolicyState {
                    description: want.description.clone(),
                    document: want.document.clone(),
                    tags: managed_tags(&have.tags, want.tags.as_ref()),
                };
                if before != after || from.is_some() {
                    changes.push(Change::UpdatePolicy {
                        kind: want.kind,
                        name: name.clone(),
                        from,
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
                    tags: managed_tags(&Tags::new(), want.tags.as_ref()),
                },
            }),
        }
    }
    for (key, have) in &actual.policies {
        let declared = desired
            .policies
            .get(&key.name)
            .is_some_and(|p| p.kind == key.kind);
        // govern's own, gone from the file: deleted (plan_deletions), not listed.
        if !have.aws_managed && !declared && !is_managed(have) {
            unmanaged.push(Unmanaged {
                address: policy_address(key.kind, &key.name),
                note: format!("{} not declared", key.kind.noun()),
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
                if let Some(rename) = crate::account_name::change(key, want, id, actual) {
                    changes.push(Change::RenameAccount(rename));
                }
                if let Some(tags) = &want.tags {
                    let target = Target::Account {
                        name: key.clone(),
                        id: Some(id.clone()),
                    };
                    plan_tags(
                        actual,
                        &TargetKey::Account(id.clone()),
                        target,
                        tags,
                        changes,
                    );
                }
            }
            Resolution::ToCreate => changes.push(Change::CreateAccount {
                name: key.clone(),
                account_name: want.aws_name.clone(),
                email: want.email.clone(),
                parent: want.parent.clone(),
                tags: want.tags.clone().unwrap_or_default(),
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
    let name = crate::account_name::create_name(&want.name, want);
    if let Some((id, have)) = actual.accounts.iter().find(|(_, a)| a.name == name) {
        return Err(format!(
            "an account named `{}` already exists ({id}, {}) but org.toml gives email {}; declare its id or its email instead of creating a second account",
            crate::model::escape(name), crate::model::escape(&have.email), want.email
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

    let kinds = desired.managed_kinds();
    for (target, want) in targets {
        for kind in &kinds {
            let kind = *kind;
            // RCPFullAWSAccess cannot be detached: listing it or not changes nothing.
            let fixed = |p: &PolicyName| kind.full_access_is_fixed() && kind.is_full_access(p);
            let want: BTreeSet<PolicyName> = want
                .iter()
                .filter(|p| desired.kind_of(p).unwrap_or_default() == kind && !fixed(p))
                .cloned()
                .collect();
            let have: BTreeSet<PolicyName> =
                current_attachments(actual, target.key().as_ref(), kind)
                    .into_iter()
                    .filter(|p| !fixed(p))
                    .collect();
            for policy in want.difference(&have) {
                changes.push(Change::Attach {
                    kind,
                    policy: policy.clone(),
                    target: target.clone(),
                });
            }
            for policy in have.difference(&want) {
                changes.push(Change::Detach {
                    kind,
                    policy: policy.clone(),
                    target: target.clone(),
                });
            }
        }
    }
}

/// What a target will have attached of `kind` when the plan's attachment steps run. AWS attaches
/// the kind's full-access policy (FullAWSAccess) to every new OU and account, and to every target
/// when the policy type is enabled.
fn current_attachments(
    actual: &Actual,
    key: Option<&TargetKey>,
    kind: PolicyKind,
) -> BTreeSet<PolicyName> {
    let exists = match key {
        None => false,
        Some(TargetKey::Root) => true,
        Some(TargetKey::Ou(p)) => actual.ous.contains_key(p),
        Some(TargetKey::Account(id)) => actual.accounts.contains_key(id),
    };
    let mut have = key.map(|k| actual.attached(k, kind)).unwrap_or_default();
    if !exists || !actual.enabled(kind) {
        if let Some(full) = PolicyKey::full_access(kind) {
            have.insert(full.name);
        }
    }
    have
}

/// Whether govern manages the policy: it carries govern's tag (set on what govern creates, adopts
/// and updates).
fn is_managed(p: &crate::model::ActualPolicy) -> bool {
    p.tags.get(MANAGED_BY_KEY).map(String::as_str) == Some(MANAGED_BY_VALUE)
}

/// A policy govern manages that org.toml no longer declares is deleted: detached from every target
/// it is attached to (where the attachments plan has not detached it already), then deleted. A
/// deletion that would leave a target without an SCP is a conflict instead: AWS requires one.
fn plan_deletions(
    desired: &Desired,
    actual: &Actual,
    changes: &mut Vec<Change>,
    conflicts: &mut Vec<Conflict>,
) {
    let gone: Vec<(&PolicyKey, &crate::model::ActualPolicy)> = actual
        .policies
        .iter()
        .filter(|(key, p)| {
            !p.aws_managed
                && is_managed(p)
                && desired
                    .policies
                    .get(&key.name)
                    .is_none_or(|d| d.kind != key.kind)
        })
        .collect();
    if gone.is_empty() {
        return;
    }
    let planned: BTreeSet<Address> = changes.iter().map(Change::address).collect();
    let deleted: BTreeSet<&PolicyKey> = gone.iter().map(|(k, _)| *k).collect();
    for (key, have) in gone {
        let mut detaches = Vec::new();
        let mut blocked = None;
        for (target_key, set) in &actual.attachments {
            if !set.contains(key) {
                continue;
            }
            let target = match target_key {
                TargetKey::Root => Target::Root,
                TargetKey::Ou(path) => Target::Ou { path: path.clone() },
                TargetKey::Account(id) => Target::Account {
                    name: declared_name(desired, actual, id),
                    id: Some(id.clone()),
                },
            };
            let detach = Change::Detach {
                kind: key.kind,
                policy: key.name.clone(),
                target: target.clone(),
            };
            if planned.contains(&detach.address()) {
                continue;
            }
            // What stays of this kind on the target: what is attached and not deleted, plus what
            // the plan attaches there.
            if key.kind.needs_one_attached() {
                let stays = set
                    .iter()
                    .any(|k| k.kind == key.kind && !deleted.contains(k))
                    || changes.iter().any(|c| {
                        matches!(c, Change::Attach { kind, target: t, .. }
                            if *kind == key.kind && t.address() == target.address())
                            // Enabling the type attaches its full-access policy everywhere.
                            || matches!(c, Change::EnablePolicyType { kind }
                                if *kind == key.kind && kind.full_access().is_some())
                    });
                if !stays {
                    blocked = Some(target_key.clone());
                    break;
                }
            }
            detaches.push(detach);
        }
        let address = policy_address(key.kind, &key.name);
        if let Some(target) = blocked {
            conflicts.push(Conflict {
                address,
                message: format!(
                    "`{}` is tagged {MANAGED_BY_KEY} = {MANAGED_BY_VALUE} and no longer in org.toml, but it is the only {} attached to {target}: deleting it would leave the target without one (AWS requires one). Declare the {} of {target} in org.toml, or declare `{}` again",
                    key.name,
                    key.kind.noun(),
                    key.kind.noun(),
                    key.name
                ),
            });
            continue;
        }
        changes.extend(detaches);
        changes.push(Change::DeletePolicy {
            kind: key.kind,
            name: key.name.clone(),
            id: have.id.clone(),
            before: PolicyState {
                description: have.description.clone(),
                document: have.document.clone(),
                tags: have.tags.clone(),
            },
        });
    }
}

/// The name a plan gives an existing account: its key in org.toml, else its name in AWS.
fn declared_name(desired: &Desired, actual: &Actual, id: &AccountId) -> String {
    desired
        .accounts
        .iter()
        .find(|(_, a)| a.id.as_ref() == Some(id))
        .map(|(k, _)| k.clone())
        .or_else(|| actual.accounts.get(id).map(|a| a.name.clone()))
        .unwrap_or_else(|| id.to_string())
}

/// Where a declared account's parent is, for rendering and ordering.
pub(crate) fn parent_address(p: &Parent) -> Option<Address> {
    match p {
        Parent::Root => None,
        Parent::Ou(path) => Some(Address::Ou(path.clone())),
    }
}

fn policy_address(kind: PolicyKind, name: &PolicyName) -> Address {
    Address::Policy {
        kind,
        name: name.clone(),
    }
}
