//! Puts changes in the order apply must run them and records what each one needs first:
//! parent OU before child, policy before its attachments, every attach on a target before any detach
//! from it (so a target never has zero SCPs, not even for a moment).

use std::collections::{BTreeMap, BTreeSet};

use super::change::{Change, PlannedChange, Target};
use super::diff::parent_address;
use crate::model::{AccountRef, Address, PolicyKind};

fn rank(c: &Change) -> u8 {
    match c {
        Change::EnablePolicyType { .. } => 0,
        Change::CreateOu { .. } | Change::RenameOu { .. } => 1,
        Change::CreatePolicy { .. } => 2,
        Change::UpdatePolicy { .. } => 3,
        Change::CreateAccount { .. } => 4,
        Change::MoveAccount { .. } => 5,
        // Only on targets that exist: it needs nothing before it.
        Change::SetTags { .. } => 5,
        Change::RenameAccount(_) => crate::account_name::RANK,
        Change::Attach { .. } => 6,
        Change::Detach { .. } => 7,
        // After every detach of it.
        Change::DeletePolicy { .. } => 8,
        Change::EnableServiceAccess { .. } => 8,
        Change::RegisterDelegatedAdmin { .. } => 9,
        Change::RootAccess(_) => crate::root_access::RANK,
        Change::SecurityAdmin(s) => s.rank(),
        Change::Trail(t) => crate::trail::rank(t.part),
        // Baselines rank from 10 (contacts 10, regions 11, KMS 12, secrets 13).
        Change::Member(m) => m.get().rank(),
    }
}

/// The change that creates a target, when the plan may: an OU or an account not created yet.
fn target_address(t: &Target) -> Option<Address> {
    match t {
        Target::Root | Target::Account { id: Some(_), .. } => None,
        Target::Ou { .. } | Target::Account { id: None, .. } => Some(t.address()),
    }
}

pub fn order(mut changes: Vec<Change>) -> Vec<PlannedChange> {
    // OU paths sort parent-first ("A" < "A/B"), so address order within a rank is also dependency order.
    changes.sort_by_cached_key(|c| (rank(c), c.address().to_string()));
    let present: BTreeSet<Address> = changes.iter().map(Change::address).collect();
    let needs = |addr: Option<Address>, out: &mut Vec<Address>| {
        if let Some(a) = addr {
            if present.contains(&a) && !out.contains(&a) {
                out.push(a);
            }
        }
    };
    // Every attach on a target before any detach of the same kind from it.
    let mut attaches_on: BTreeMap<(PolicyKind, &Target), Vec<Address>> = BTreeMap::new();
    for c in &changes {
        if let Change::Attach { kind, target, .. } = c {
            attaches_on
                .entry((*kind, target))
                .or_default()
                .push(c.address());
        }
    }

    // A policy's detaches, which its deletion waits for.
    let mut detaches_of: BTreeMap<(PolicyKind, &crate::model::PolicyName), Vec<Address>> =
        BTreeMap::new();
    for c in &changes {
        if let Change::Detach { kind, policy, .. } = c {
            detaches_of
                .entry((*kind, policy))
                .or_default()
                .push(c.address());
        }
    }

    let planned: Vec<PlannedChange> = changes
        .iter()
        .map(|c| {
            let mut deps = Vec::new();
            match c {
                Change::EnablePolicyType { .. }
                | Change::UpdatePolicy { .. }
                | Change::SetTags { .. }
                | Change::RenameAccount(_)
                | Change::EnableServiceAccess { .. } => {}
                // A policy of a type the plan enables: after it is enabled (SCPs keep their order
                // of before kinds: moto and AWS take CreatePolicy of an SCP before the type is on).
                Change::CreatePolicy { kind, .. } => {
                    if *kind != PolicyKind::ServiceControlPolicy {
                        needs(Some(Address::PolicyType(*kind)), &mut deps)
                    }
                }
                // In an account this plan creates: after CreateAccount.
                Change::Member(m) => {
                    if let name @ AccountRef::Name(_) = m.get().account() {
                        needs(Some(Address::Account(name)), &mut deps);
                    }
                }
                // CloudTrail refuses an organization trail without trusted access; the bucket
                // and key must exist first; parts in the logging account wait for it to exist.
                Change::Trail(t) => {
                    use crate::trail::TrailPart;
                    if t.part.in_logging_account() {
                        if t.account.is_none() {
                            needs(Some(Address::Account(t.account_ref())), &mut deps);
                        }
                        if !matches!(
                            t.part,
                            TrailPart::Key | TrailPart::KeyRotation | TrailPart::Bucket
                        ) {
                            needs(Some(Address::Trail(TrailPart::Bucket)), &mut deps);
                        }
                        if t.part == TrailPart::Encryption || t.part == TrailPart::KeyRotation {
                            needs(Some(Address::Trail(TrailPart::Key)), &mut deps);
                        }
                    } else {
                        needs(
                            Some(Address::ServiceAccess(
                                crate::model::CLOUDTRAIL_SERVICE.to_string(),
                            )),
                            &mut deps,
                        );
                        for p in TrailPart::ALL
                            .into_iter()
                            .filter(|p| p.in_logging_account())
                        {
                            needs(Some(Address::Trail(p)), &mut deps);
                        }
                        if t.part == TrailPart::Logging {
                            needs(Some(Address::Trail(TrailPart::Trail)), &mut deps);
                            needs(Some(Address::Trail(TrailPart::Settings)), &mut deps);
                        }
                    }
                }
                // IAM refuses both features until it has trusted access.
                Change::RootAccess(_) => needs(
                    Some(Address::ServiceAccess(
                        crate::model::IAM_SERVICE.to_string(),
                    )),
                    &mut deps,
                ),
                Change::SecurityAdmin(s) if s.enable => {
                    // Organizations refuses a delegated administrator before trusted access; the
                    // account must exist; the service's other administrators go first (GuardDuty
                    // and Security Hub take one per organization).
                    let spec = s.service.spec();
                    if spec.enablement == crate::model::Enablement::Organizations {
                        needs(
                            Some(Address::ServiceAccess(spec.principal.to_string())),
                            &mut deps,
                        );
                    }
                    if s.account.is_none() {
                        needs(
                            Some(Address::Account(AccountRef::Name(s.account_name.clone()))),
                            &mut deps,
                        );
                    }
                    for other in &changes {
                        if let Change::SecurityAdmin(o) = other {
                            if !o.enable && o.scope() == s.scope() {
                                needs(Some(o.address()), &mut deps);
                            }
                        }
                    }
                }
                Change::SecurityAdmin(_) => {}
                Change::RegisterDelegatedAdmin {
                    service,
                    account_name,
                    account,
                } => {
                    // Trusted access first, and the account must exist.
                    needs(Some(Address::ServiceAccess(service.clone())), &mut deps);
                    if account.is_none() {
                        needs(
                            Some(Address::Account(AccountRef::Name(account_name.clone()))),
                            &mut deps,
                        );
                    }
                }
                Change::DeletePolicy { kind, name, .. } => {
                    for a in detaches_of.get(&(*kind, name)).into_iter().flatten() {
                        needs(Some(a.clone()), &mut deps);
                    }
                }
                Change::CreateOu { path, .. } | Change::RenameOu { path, .. } => {
                    needs(parent_address(&path.parent()), &mut deps)
                }
                Change::CreateAccount { parent, .. }
                | Change::MoveAccount { after: parent, .. } => {
                    needs(parent_address(parent), &mut deps)
                }
                Change::Attach {
                    kind,
                    policy,
                    target,
                } => {
                    needs(Some(Address::PolicyType(*kind)), &mut deps);
                    needs(
                        Some(Address::Policy {
                            kind: *kind,
                            name: policy.clone(),
                        }),
                        &mut deps,
                    );
                    needs(target_address(target), &mut deps);
                }
                Change::Detach { kind, target, .. } => {
                    needs(Some(Address::PolicyType(*kind)), &mut deps);
                    needs(target_address(target), &mut deps);
                    for a in attaches_on.get(&(*kind, target)).into_iter().flatten() {
                        needs(Some(a.clone()), &mut deps);
                    }
                }
            }
            PlannedChange {
                address: c.address(),
                action: c.action(),
                depends_on: deps,
                change: c.clone(),
            }
        })
        .collect();
    planned
}
