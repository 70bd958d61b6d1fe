//! Member-account baselines: contacts, KMS key rotation, secret rotation, opt-in regions, and the
//! central logging account. Pure, like the rest of the planner.

use std::collections::BTreeMap;

use crate::model::{
    AccountId, Actual, Address, BaselineKind, Contact, ContactType, Desired, KmsKey, Member,
    MemberState, SecretInfo,
};

use super::change::{Change, Finding, FindingKind};

/// The rotation period AWS uses when EnableKeyRotation is called without one. GetKeyRotationStatus
/// reports the period on AWS; moto never does, so an enabled key with no period reads as this.
pub const DEFAULT_KMS_ROTATION_DAYS: u32 = 365;

/// Declared account name → its id when it exists (None: the plan creates it).
pub(crate) type DeclaredIds = BTreeMap<String, Option<AccountId>>;

pub(crate) fn plan_members(
    desired: &Desired,
    actual: &Actual,
    declared: &DeclaredIds,
    changes: &mut Vec<Change>,
    findings: &mut Vec<Finding>,
) {
    let overrides: BTreeMap<&AccountId, &BTreeMap<ContactType, Contact>> = desired
        .accounts
        .iter()
        .filter_map(|(name, a)| Some((declared.get(name)?.as_ref()?, &a.contacts)))
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

        match exempt_from(BaselineKind::Contacts) {
            Some(reason) => skipped(findings, Address::Contacts(id.clone()), reason),
            None => {
                let name = actual
                    .accounts
                    .get(id)
                    .map(|a| a.name.clone())
                    .unwrap_or_default();
                let target = (Some(id.clone()), name);
                contacts(desired, target, state, overrides.get(id).copied(), changes)
            }
        }
        if let Some(rot) = &desired.baselines.key_rotation {
            match exempt_from(BaselineKind::Kms) {
                Some(reason) => skipped(findings, Address::Keys(id.clone()), reason),
                None => {
                    for key in &state.keys {
                        kms_key(rot, id, key, changes, findings);
                    }
                }
            }
            match exempt_from(BaselineKind::Secrets) {
                Some(reason) => skipped(findings, Address::Secrets(id.clone()), reason),
                None => {
                    for secret in &state.secrets {
                        secret_rotation(rot, id, secret, changes, findings);
                    }
                }
            }
        }
        if !desired.allowed_regions.is_empty() {
            match exempt_from(BaselineKind::Regions) {
                Some(reason) => skipped(findings, Address::Regions(id.clone()), reason),
                None => regions(desired, id, state, changes),
            }
        }
    }

    // Accounts this plan creates start with no contacts: plan theirs now, so one apply converges
    // and nothing is changed that the reviewed plan did not show.
    if !actual.members.is_empty() {
        for (name, id) in declared {
            if id.is_none() {
                let overrides = desired.accounts.get(name).map(|a| &a.contacts);
                let target = (None, name.clone());
                contacts(desired, target, &MemberState::default(), overrides, changes);
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

fn skipped(findings: &mut Vec<Finding>, address: Address, reason: &str) {
    findings.push(Finding {
        address,
        kind: FindingKind::Skipped,
        message: format!("exempt: {reason}"),
    });
}

fn contacts(
    desired: &Desired,
    (account, account_name): (Option<AccountId>, String),
    state: &MemberState,
    overrides: Option<&BTreeMap<ContactType, Contact>>,
    changes: &mut Vec<Change>,
) {
    for t in ContactType::ALL {
        let want = overrides
            .and_then(|o| o.get(&t))
            .or_else(|| desired.baselines.contacts.get(&t));
        let Some(want) = want else { continue };
        let have = state.contacts.get(&t);
        if have != Some(want) {
            changes.push(Change::PutContact {
                account: account.clone(),
                account_name: account_name.clone(),
                contact_type: t,
                before: have.cloned(),
                after: want.clone(),
            });
        }
    }
}

/// Why a key's rotation is not govern's to manage, if it is not. Rotation applies only to enabled,
/// customer-managed, symmetric encryption keys with AWS-generated key material.
pub fn kms_skip_reason(key: &KmsKey) -> Option<String> {
    if key.manager != "CUSTOMER" {
        return Some("AWS-managed key: AWS rotates it every year".into());
    }
    if key.state == "PendingDeletion" || key.state == "PendingReplicaDeletion" {
        return Some("pending deletion".into());
    }
    if key.state != "Enabled" {
        return Some(format!(
            "key state is {}: rotation applies to enabled keys",
            key.state
        ));
    }
    if key.spec != "SYMMETRIC_DEFAULT" {
        return Some(format!(
            "{} key: automatic rotation applies to symmetric encryption keys only",
            key.spec
        ));
    }
    if key.origin != "AWS_KMS" {
        return Some(format!(
            "key material origin {}: automatic rotation needs AWS-generated material",
            key.origin
        ));
    }
    None
}

fn kms_key(
    rot: &crate::model::KeyRotation,
    account: &AccountId,
    key: &KmsKey,
    changes: &mut Vec<Change>,
    findings: &mut Vec<Finding>,
) {
    let address = Address::Key {
        account: account.clone(),
        region: key.region.clone(),
        key_id: key.id.clone(),
    };
    if let Some(reason) = rot.exempt_keys.get(&key.arn) {
        return skipped(findings, address, reason);
    }
    if let Some(reason) = kms_skip_reason(key) {
        findings.push(Finding {
            address,
            kind: FindingKind::Skipped,
            message: reason,
        });
        return;
    }
    let enabled = key.rotation_enabled.unwrap_or(false);
    let period = key
        .rotation_period_days
        .or(enabled.then_some(DEFAULT_KMS_ROTATION_DAYS));
    let compliant = enabled && period.is_some_and(|p| p <= rot.kms_rotation_period_days);
    if !compliant {
        changes.push(Change::EnableKeyRotation {
            account: account.clone(),
            region: key.region.clone(),
            key_id: key.id.clone(),
            key_arn: key.arn.clone(),
            before_enabled: enabled,
            before_period_days: key.rotation_period_days,
            period_days: rot.kms_rotation_period_days,
        });
    }
}

fn secret_rotation(
    rot: &crate::model::KeyRotation,
    account: &AccountId,
    secret: &SecretInfo,
    changes: &mut Vec<Change>,
    findings: &mut Vec<Finding>,
) {
    let address = Address::Secret {
        account: account.clone(),
        region: secret.region.clone(),
        name: secret.name.clone(),
    };
    if let Some(reason) = rot.exempt_secrets.get(&secret.arn) {
        return skipped(findings, address, reason);
    }
    if secret.rotation_lambda.as_deref().is_none_or(str::is_empty) {
        findings.push(Finding {
            address,
            kind: FindingKind::NonCompliant,
            message: "no rotation function: rotation cannot be turned on until the secret has one (govern never invents a function)".into(),
        });
        return;
    }
    let compliant = secret.rotation_enabled
        && secret
            .rotation_days
            .is_some_and(|d| d <= rot.secret_max_rotation_days);
    if !compliant {
        changes.push(Change::SetSecretRotation {
            account: account.clone(),
            region: secret.region.clone(),
            secret_arn: secret.arn.clone(),
            name: secret.name.clone(),
            before_enabled: secret.rotation_enabled,
            before_days: secret.rotation_days,
            days: rot.secret_max_rotation_days,
            function: secret.rotation_lambda.clone().unwrap_or_default(),
        });
    }
}

fn regions(desired: &Desired, account: &AccountId, state: &MemberState, changes: &mut Vec<Change>) {
    for (region, status) in &state.regions {
        // ENABLED_BY_DEFAULT regions cannot be disabled: the deny-regions SCP covers them.
        let opted_in = status == "ENABLED" || status == "ENABLING";
        if opted_in && !desired.allowed_regions.iter().any(|r| r.as_str() == region) {
            changes.push(Change::DisableRegion {
                account: account.clone(),
                region: region.clone(),
            });
        }
    }
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
