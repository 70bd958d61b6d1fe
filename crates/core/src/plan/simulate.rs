//! Applies a plan to an `Actual` in memory, the way AWS would. It is the planner's test oracle
//! (planning again after simulating must give nothing to do) and models the AWS behaviours the planner
//! relies on: new OUs and accounts start with FullAWSAccess attached, enabling SCPs attaches it
//! everywhere.

use crate::model::{
    AccountId, AccountRef, Actual, ActualAccount, ActualOu, ActualPolicy, PolicyKey, TargetKey,
};

use super::change::{Change, Plan, Target, MANAGED_BY_KEY, MANAGED_BY_VALUE};

/// Why a simulated step could not run: a bug in the planner or in the plan's order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{address}: {message}")]
pub struct SimulationError {
    pub address: crate::model::Address,
    pub message: String,
}

pub fn simulate(actual: &Actual, plan: &Plan) -> Result<Actual, SimulationError> {
    let mut state = actual.clone();
    let mut next_id = 0u64;
    for planned in &plan.changes {
        let fail = |message: String| SimulationError {
            address: planned.address.clone(),
            message,
        };
        match &planned.change {
            Change::EnablePolicyType { kind } => {
                state.policy_types.insert(*kind);
                // AWS attaches the kind's full-access policy everywhere when it is enabled.
                if let Some(full) = PolicyKey::full_access(*kind) {
                    let mut all = vec![TargetKey::Root];
                    all.extend(state.ous.keys().cloned().map(TargetKey::Ou));
                    all.extend(state.accounts.keys().cloned().map(TargetKey::Account));
                    for key in all {
                        state
                            .attachments
                            .entry(key)
                            .or_default()
                            .insert(full.clone());
                    }
                }
            }
            Change::RenameOu { from, path, .. } => {
                if !state.ous.contains_key(from) {
                    return Err(fail(format!("OU {from} does not exist")));
                }
                if state.ous.contains_key(path) {
                    return Err(fail(format!("OU {path} exists already")));
                }
                state.rename_ou(from, path);
            }
            Change::CreateOu { path, tags } => {
                if let crate::model::Parent::Ou(parent) = path.parent() {
                    if !state.ous.contains_key(&parent) {
                        return Err(fail(format!("parent OU {parent} does not exist yet")));
                    }
                }
                next_id += 1;
                state.ous.insert(
                    path.clone(),
                    ActualOu {
                        id: format!("ou-sim-{next_id}"),
                    },
                );
                state
                    .attachments
                    .entry(TargetKey::Ou(path.clone()))
                    .or_default()
                    .insert(PolicyKey::full_aws_access());
                let mut tags = tags.clone();
                tags.insert(MANAGED_BY_KEY.into(), MANAGED_BY_VALUE.into());
                state.tags.insert(TargetKey::Ou(path.clone()), tags);
            }
            Change::CreatePolicy { kind, name, after } => {
                next_id += 1;
                state.policies.insert(
                    PolicyKey::new(*kind, name.clone()),
                    ActualPolicy {
                        kind: *kind,
                        id: format!("p-sim-{next_id}"),
                        description: after.description.clone(),
                        document: after.document.clone(),
                        aws_managed: false,
                        tags: after.tags.clone(),
                    },
                );
            }
            Change::UpdatePolicy {
                kind,
                name,
                from,
                after,
                ..
            } => {
                if let Some(from) = from {
                    let old = PolicyKey::new(*kind, from.clone());
                    let new = PolicyKey::new(*kind, name.clone());
                    let p = state
                        .policies
                        .remove(&old)
                        .ok_or_else(|| fail(format!("policy {from} does not exist")))?;
                    state.policies.insert(new.clone(), p);
                    for set in state.attachments.values_mut() {
                        if set.remove(&old) {
                            set.insert(new.clone());
                        }
                    }
                }
                let p = state
                    .policies
                    .get_mut(&PolicyKey::new(*kind, name.clone()))
                    .ok_or_else(|| fail("policy does not exist".into()))?;
                p.description = after.description.clone();
                p.document = after.document.clone();
                p.tags = after.tags.clone();
            }
            Change::DeletePolicy { kind, name, .. } => {
                let key = PolicyKey::new(*kind, name.clone());
                if let Some((t, _)) = state.attachments.iter().find(|(_, s)| s.contains(&key)) {
                    return Err(fail(format!("policy is still attached to {t}")));
                }
                if state.policies.remove(&key).is_none() {
                    return Err(fail("policy does not exist".into()));
                }
            }
            // The simulated account goes by its key, which is how the plan's targets name an
            // account it creates (a declared `name` is AWS's, and nothing later in a plan reads it).
            Change::CreateAccount {
                name,
                email,
                parent,
                tags,
                ..
            } => {
                check_parent(&state, parent).map_err(fail)?;
                let id = loop {
                    next_id += 1;
                    let candidate = AccountId::parse(&format!("{:012}", 900_000_000_000 + next_id))
                        .expect("twelve digits");
                    if !state.accounts.contains_key(&candidate) {
                        break candidate;
                    }
                };
                state.accounts.insert(
                    id.clone(),
                    ActualAccount {
                        name: name.clone(),
                        email: email.as_str().to_string(),
                        status: "ACTIVE".into(),
                        parent: parent.clone(),
                    },
                );
                state
                    .attachments
                    .entry(TargetKey::Account(id.clone()))
                    .or_default()
                    .insert(PolicyKey::full_aws_access());
                state
                    .tags
                    .insert(TargetKey::Account(id.clone()), tags.clone());
                // A new account has nothing inside it yet; discovery reads it like any other
                // whenever baselines are read at all.
                if !state.members.is_empty() {
                    state
                        .members
                        .insert(id, crate::model::Member::Read(Default::default()));
                }
            }
            Change::MoveAccount { id, after, .. } => {
                check_parent(&state, after).map_err(fail)?;
                let a = state
                    .accounts
                    .get_mut(id)
                    .ok_or_else(|| fail("account does not exist".into()))?;
                a.parent = after.clone();
            }
            Change::Attach {
                kind,
                policy,
                target,
            } => {
                let policy = PolicyKey::new(*kind, policy.clone());
                if !state.policies.contains_key(&policy) && !policy.is_full_access() {
                    return Err(fail(format!("policy {policy} does not exist yet")));
                }
                if !state.policy_types.contains(kind) {
                    return Err(fail(format!("policy type {kind} is not enabled")));
                }
                let key = resolve_target(&state, target).map_err(fail)?;
                state.attachments.entry(key).or_default().insert(policy);
            }
            Change::EnableServiceAccess { service } => {
                state.service_access.insert(service.clone());
            }
            Change::Trail(t) => {
                // CloudTrail refuses an organization trail without trusted access.
                if !t.part.in_logging_account()
                    && !state
                        .service_access
                        .contains(crate::model::CLOUDTRAIL_SERVICE)
                {
                    return Err(fail(format!(
                        "{} before trusted access for {}",
                        t.part.calls(),
                        crate::model::CLOUDTRAIL_SERVICE
                    )));
                }
                t.simulate(&mut state);
            }
            Change::SetTags { target, after, .. } => {
                let key = resolve_target(&state, target).map_err(fail)?;
                // govern's own tag stays where it is; every other key is the declared one.
                let tags = state.tags.entry(key).or_default();
                let managed = tags.remove(MANAGED_BY_KEY);
                *tags = after.clone();
                if let Some(v) = managed {
                    tags.insert(MANAGED_BY_KEY.into(), v);
                }
            }
            Change::RenameAccount(r) => r.simulate(&mut state),
            Change::RootAccess(r) => {
                // IAM refuses both features until it has trusted access (the proxy does too).
                if !state.service_access.contains(crate::model::IAM_SERVICE) {
                    return Err(fail(format!(
                        "{} before trusted access for {}",
                        r.operation(),
                        crate::model::IAM_SERVICE
                    )));
                }
                r.simulate(&mut state);
            }
            Change::SecurityAdmin(s) => {
                let id = match &s.account {
                    Some(id) => id.clone(),
                    None => resolve_target(
                        &state,
                        &Target::Account {
                            name: s.account_name.clone(),
                            id: None,
                        },
                    )
                    .map(|k| match k {
                        TargetKey::Account(id) => id,
                        _ => unreachable!("an account target resolves to an account"),
                    })
                    .map_err(fail)?,
                };
                s.simulate(&mut state, id).map_err(fail)?;
            }
            Change::RegisterDelegatedAdmin {
                service,
                account_name,
                account,
            } => {
                let id = match account {
                    Some(id) => id.clone(),
                    None => resolve_target(
                        &state,
                        &Target::Account {
                            name: account_name.clone(),
                            id: None,
                        },
                    )
                    .map(|k| match k {
                        TargetKey::Account(id) => id,
                        _ => unreachable!("an account target resolves to an account"),
                    })
                    .map_err(fail)?,
                };
                state
                    .delegated_admins
                    .entry(id)
                    .or_default()
                    .insert(service.clone());
            }
            Change::Member(m) => {
                let id = match m.get().account() {
                    AccountRef::Id(id) => id,
                    AccountRef::Name(name) => {
                        match resolve_target(&state, &Target::Account { name, id: None })
                            .map_err(fail)?
                        {
                            TargetKey::Account(id) => id,
                            _ => unreachable!("an account target resolves to an account"),
                        }
                    }
                };
                m.get()
                    .simulate(member(&mut state, &id).map_err(fail)?)
                    .map_err(fail)?;
            }
            Change::Detach {
                kind,
                policy,
                target,
            } => {
                let key = resolve_target(&state, target).map_err(fail)?;
                let set = state.attachments.entry(key).or_default();
                set.remove(&PolicyKey::new(*kind, policy.clone()));
                if kind.needs_one_attached() && !set.iter().any(|p| p.kind == *kind) {
                    return Err(fail(format!(
                        "detaching would leave the target with no {}",
                        kind.noun()
                    )));
                }
            }
        }
    }
    Ok(state)
}

fn check_parent(state: &Actual, parent: &crate::model::Parent) -> Result<(), String> {
    match parent {
        crate::model::Parent::Ou(p) if !state.ous.contains_key(p) => {
            Err(format!("OU {p} does not exist yet"))
        }
        _ => Ok(()),
    }
}

fn resolve_target(state: &Actual, target: &Target) -> Result<TargetKey, String> {
    match target {
        Target::Root => Ok(TargetKey::Root),
        Target::Ou { path } if state.ous.contains_key(path) => Ok(TargetKey::Ou(path.clone())),
        Target::Ou { path } => Err(format!("OU {path} does not exist")),
        Target::Account { id: Some(id), .. } => Ok(TargetKey::Account(id.clone())),
        Target::Account { name, id: None } => state
            .accounts
            .iter()
            .find(|(_, a)| &a.name == name)
            .map(|(id, _)| TargetKey::Account(id.clone()))
            .ok_or_else(|| format!("account {name} does not exist yet")),
    }
}

fn member<'a>(
    state: &'a mut Actual,
    account: &AccountId,
) -> Result<&'a mut crate::model::MemberState, String> {
    match state.members.get_mut(account) {
        Some(crate::model::Member::Read(m)) => Ok(m),
        _ => Err(format!("account {account} was not read")),
    }
}
