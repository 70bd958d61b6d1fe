//! Member-account baselines over every account (each baseline plans itself: `crate::baselines`),
//! the management-account fallback, and the central logging account. Pure, like the rest of the
//! planner.

use std::collections::BTreeMap;

use crate::baselines::{skipped, Account, REGISTRY};
use crate::model::{AccountId, Actual, Address, BaselineKind, Desired, Member};

use super::change::{Change, Finding, FindingKind};

/// Declared account name → its id when it exists (None: the plan creates it).
pub(crate) type DeclaredIds = BTreeMap<String, Option<AccountId>>;

pub(crate) fn plan_members(
    desired: &Desired,
    actual: &Actual,
    declared: &DeclaredIds,
    changes: &mut Vec<Change>,
    findings: &mut Vec<Finding>,
) {
    // Existing account id → its name in org.toml.
    let declared_as: BTreeMap<&AccountId, &str> = declared
        .iter()
        .filter_map(|(name, id)| Some((id.as_ref()?, name.as_str())))
        .collect();

    for (id, member) in &actual.members {
        let state = match member {
            Member::Read(s) => s,
            Member::Skipped { reason } => {
                findings.push(Finding {
                    address: Address::account(id),
                    kind: FindingKind::Skipped,
                    message: reason.clone(),
                });
                continue;
            }
            Member::Failed {
                reason,
                unassumable,
            } => {
                let mut message = reason.clone();
                if *unassumable && fallback_needs_access(desired, actual) {
                    message.push_str(
                        "; its contacts and regions can be read and set from the management \
                         account once trusted access for account.amazonaws.com is enabled: this \
                         plan enables it",
                    );
                }
                findings.push(Finding {
                    address: Address::account(id),
                    kind: FindingKind::Error,
                    message,
                });
                continue;
            }
        };
        let exempt = desired.baselines.exemptions.get(id);
        let exempt_from = |k: BaselineKind| exempt.and_then(|e| e.get(&k));
        if let Some(reason) = &state.via_management {
            // Keys and secrets live behind the member role only: unread, the plan is incomplete.
            let rotation_unread = desired.baselines.key_rotation.is_some()
                && (exempt_from(BaselineKind::Kms).is_none()
                    || exempt_from(BaselineKind::Secrets).is_none());
            findings.push(Finding {
                address: Address::account(id),
                kind: if rotation_unread {
                    FindingKind::Error
                } else {
                    FindingKind::Skipped
                },
                message: if rotation_unread {
                    format!("KMS keys and secrets not read: {reason}; contacts and regions were read from the management account")
                } else {
                    format!("{reason}; contacts and regions are read and set from the management account, at its quotas")
                },
            });
        }

        // Parts of the account not read: an error where AWS refused (the plan is incomplete
        // there), a note where govern did not read on purpose; moot when every baseline they
        // concern is exempt or undeclared.
        for unread in &state.unread {
            let concerned = unread.baselines.iter().any(|k| {
                exempt_from(*k).is_none()
                    && REGISTRY
                        .iter()
                        .any(|b| b.kind() == *k && b.declared(desired))
            });
            if concerned {
                findings.push(Finding {
                    address: unread.address.clone(),
                    kind: if unread.refused {
                        FindingKind::Error
                    } else {
                        FindingKind::Skipped
                    },
                    message: unread.reason.clone(),
                });
            }
        }

        let name = actual
            .accounts
            .get(id)
            .map(|a| a.name.as_str())
            .unwrap_or_default();
        let cx = Account {
            desired,
            actual,
            id,
            name,
            state,
            declared_as: declared_as.get(id).copied(),
        };
        for baseline in REGISTRY {
            if !baseline.declared(desired) {
                continue;
            }
            match exempt_from(baseline.kind()) {
                Some(reason) => skipped(findings, baseline.exempt_address(id), reason),
                None => {
                    let mut made = Vec::new();
                    baseline.plan(&cx, &mut made, findings);
                    changes.extend(made.into_iter().map(Change::Member));
                }
            }
        }
    }

    organization_region_quota(actual, changes, findings);

    // Accounts this plan creates have nothing inside them yet: each baseline plans what one apply
    // must set, so the next plan is empty and nothing is changed that the reviewed plan did not show.
    if !actual.members.is_empty() {
        for (name, id) in declared {
            if id.is_none() {
                for baseline in REGISTRY {
                    let mut made = Vec::new();
                    baseline.plan_new(desired, name, &mut made);
                    changes.extend(made.into_iter().map(Change::Member));
                }
            }
        }
    }

    if fallback_needs_access(desired, actual)
        && actual.members.values().any(|m| {
            matches!(
                m,
                Member::Failed {
                    unassumable: true,
                    ..
                }
            )
        })
        && !desired
            .baselines
            .logging
            .as_ref()
            .is_some_and(|l| l.trusted_services.iter().any(|s| s == ACCOUNT_SERVICE))
    {
        changes.push(Change::EnableServiceAccess {
            service: ACCOUNT_SERVICE.to_string(),
        });
    }

    logging(desired, actual, declared, changes);
    root_access(desired, actual, changes);
    security(desired, actual, declared, changes);
    trail(desired, actual, declared, changes);
}

/// `[security]`: trusted access for the services designated through Organizations (once, even if
/// `[logging]` asks for it too), then removals of other administrators and the designations.
fn security(desired: &Desired, actual: &Actual, declared: &DeclaredIds, changes: &mut Vec<Change>) {
    let Some(want) = &desired.baselines.security else {
        return;
    };
    let Some(admin) = declared.get(&want.administrator) else {
        return; // a conflict on the account itself is already reported
    };
    let (access, admins) = crate::security::changes(desired, actual, admin.as_ref());
    for service in access {
        let planned = changes
            .iter()
            .any(|c| matches!(c, Change::EnableServiceAccess { service: s } if s == service));
        if !planned {
            changes.push(Change::EnableServiceAccess {
                service: service.to_string(),
            });
        }
    }
    changes.extend(admins.into_iter().map(Change::SecurityAdmin));
}

/// `[logging.trail]`: trusted access for CloudTrail (once, even if `[logging]` lists it too), then
/// each part of the trail, its bucket and key that differs.
fn trail(desired: &Desired, actual: &Actual, declared: &DeclaredIds, changes: &mut Vec<Change>) {
    let Some(logging) = &desired.baselines.logging else {
        return;
    };
    let Some(id) = declared.get(&logging.account) else {
        return; // a conflict on the account itself is already reported
    };
    let (needs_access, parts) = crate::trail::changes(desired, actual, id.clone());
    let service = crate::model::CLOUDTRAIL_SERVICE;
    let planned = changes
        .iter()
        .any(|c| matches!(c, Change::EnableServiceAccess { service: s } if s == service));
    if needs_access && !planned {
        changes.push(Change::EnableServiceAccess {
            service: service.to_string(),
        });
    }
    changes.extend(parts.into_iter().map(Change::Trail));
}

/// `[root_access]`: trusted access for IAM (once, even if `[logging]` asks for it too), then each
/// feature that differs.
fn root_access(desired: &Desired, actual: &Actual, changes: &mut Vec<Change>) {
    let (needs_access, features) = crate::root_access::changes(desired, actual);
    let service = crate::model::IAM_SERVICE;
    let planned = changes
        .iter()
        .any(|c| matches!(c, Change::EnableServiceAccess { service: s } if s == service));
    if needs_access && !planned {
        changes.push(Change::EnableServiceAccess {
            service: service.to_string(),
        });
    }
    changes.extend(features.into_iter().map(Change::RootAccess));
}

/// Keeps DisableRegion within the organization's quota of opt-in changes in progress (those
/// already running count): the first ones in account and Region order are planned, the rest are
/// findings for a later plan.
fn organization_region_quota(
    actual: &Actual,
    changes: &mut Vec<Change>,
    findings: &mut Vec<Finding>,
) {
    use crate::baselines::regions::{deferred_by_organization, in_progress, ORGANIZATION_QUOTA};
    use crate::baselines::MemberChange;
    let running: usize = actual
        .members
        .values()
        .filter_map(|m| match m {
            Member::Read(s) => Some(in_progress(s)),
            _ => None,
        })
        .sum();
    let mut allowed = ORGANIZATION_QUOTA.saturating_sub(running);
    changes.retain(|c| {
        let Change::Member(MemberChange::DisableRegion(d)) = c else {
            return true;
        };
        if allowed > 0 {
            allowed -= 1;
            return true;
        }
        findings.push(deferred_by_organization(
            crate::baselines::BaselineChange::address(d),
            None,
        ));
        false
    });
}

/// The service principal whose trusted access lets the management account read and set member
/// accounts' contacts and regions (Account API calls with `AccountId`).
pub const ACCOUNT_SERVICE: &str = "account.amazonaws.com";

/// Whether the management-account fallback would help (contacts or regions are managed) and is not
/// yet possible (trusted access for the Account API is off).
fn fallback_needs_access(desired: &Desired, actual: &Actual) -> bool {
    let manages = !desired.baselines.contacts.is_empty()
        || desired.accounts.values().any(|a| !a.contacts.is_empty())
        || !desired.allowed_regions.is_empty();
    manages && !actual.service_access.contains(ACCOUNT_SERVICE)
}

fn logging(desired: &Desired, actual: &Actual, declared: &DeclaredIds, changes: &mut Vec<Change>) {
    let Some(logging) = &desired.baselines.logging else {
        return;
    };
    for service in &logging.trusted_services {
        if !actual.service_access.contains(service) {
            changes.push(Change::EnableServiceAccess {
                service: service.clone(),
            });
        }
    }
    let Some(id) = declared.get(&logging.account) else {
        return; // a conflict on the account itself is already reported
    };
    let registered = id.as_ref().and_then(|id| actual.delegated_admins.get(id));
    for service in &logging.delegated_admin_for {
        if !registered.is_some_and(|s| s.contains(service)) {
            changes.push(Change::RegisterDelegatedAdmin {
                service: service.clone(),
                account_name: logging.account.clone(),
                account: id.clone(),
            });
        }
    }
}
