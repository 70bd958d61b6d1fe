//! The security services' delegated administrator (`[security]`, issue 16 part 3), an
//! organization-wide capability: which account administers each declared service (per Region for
//! a regional one), the change that designates or removes one, its place in the plan, import, and
//! the evidence control GOV.SEC.1. The table of services and how AWS documents each one is
//! `crate::model::SERVICES`; the AWS side is `govern::security`.
//!
//! What govern manages: only the services `[security] services` lists. Removing `[security]`, or a
//! service from the list, stops managing it: nothing is disabled or deregistered. For a listed
//! service, an administrator other than the declared account is removed (a `delete` change, so
//! `--max-removals` counts it) before the declared one is designated, since GuardDuty and Security
//! Hub accept one administrator per organization.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::control::{Control, Eval, On, Status};
use crate::model::{AccountId, Action, Actual, Address, Desired, Enablement, SecurityService};

/// Designates (`enable`) or removes an administrator of one service in one Region (`region` is
/// `None` for a service designated through Organizations, which is global).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityAdminChange {
    pub service: SecurityService,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub enable: bool,
    /// The declared administrator's name (enable), or the removed account's name as AWS knows it.
    pub account_name: String,
    /// `None` while the declared administrator is an account this plan creates.
    pub account: Option<AccountId>,
}

/// Removals run after trusted access (rank 8), designations after removals and after
/// Organizations' delegated administrators (9).
const RANK_REMOVE: u8 = 9;
const RANK_DESIGNATE: u8 = 10;

impl SecurityAdminChange {
    pub fn rank(&self) -> u8 {
        if self.enable {
            RANK_DESIGNATE
        } else {
            RANK_REMOVE
        }
    }

    pub fn address(&self) -> Address {
        Address::SecurityAdmin {
            service: self.service,
            region: self.region.clone(),
            former: if self.enable {
                None
            } else {
                self.account.clone()
            },
        }
    }

    /// The address of the designation this change is about (without `former`).
    pub fn scope(&self) -> Address {
        Address::SecurityAdmin {
            service: self.service,
            region: self.region.clone(),
            former: None,
        }
    }

    pub fn action(&self) -> Action {
        if self.enable {
            Action::Create
        } else {
            Action::Delete
        }
    }

    /// The call apply makes, as IAM names it (`guardduty:EnableOrganizationAdminAccount`).
    pub fn operation(&self) -> &'static str {
        match (self.service.spec().enablement, self.enable) {
            (Enablement::ServiceApi { enable, .. }, true) => enable,
            (Enablement::ServiceApi { disable, .. }, false) => disable,
            (Enablement::Organizations, true) => "organizations:RegisterDelegatedAdministrator",
            (Enablement::Organizations, false) => "organizations:DeregisterDelegatedAdministrator",
        }
    }

    /// The lines under the change in text and Markdown plans.
    pub fn details(&self) -> Vec<String> {
        let spec = self.service.spec();
        let account = match &self.account {
            Some(id) => format!("{} ({id})", self.account_name),
            None => format!("{} (created by this plan)", self.account_name),
        };
        let mut out = vec![
            format!("service: {} ({})", spec.title, spec.principal),
            if self.enable {
                format!("admin:   {account}")
            } else {
                format!("removes: {account}, an administrator org.toml does not declare")
            },
        ];
        if let Some(r) = &self.region {
            out.push(format!("region:  {r}"));
        }
        out.push(format!("call:    {}", self.operation()));
        out
    }

    /// The part of AWS this change was planned against, for a saved plan's fingerprint.
    pub fn fingerprint(&self, actual: &Actual) -> serde_json::Value {
        let admins: Option<Vec<String>> = admins(actual, self.service, self.region.as_deref())
            .map(|s| s.iter().map(ToString::to_string).collect());
        serde_json::json!({
            "administrators": admins,
            "trusted_access": actual.service_access.contains(self.service.spec().principal),
        })
    }

    /// The simulation: what AWS holds after this change, the account resolved.
    pub fn simulate(&self, actual: &mut Actual, id: AccountId) -> Result<(), String> {
        let spec = self.service.spec();
        match spec.enablement {
            Enablement::Organizations => {
                // Organizations refuses a delegated administrator before trusted access.
                if self.enable && !actual.service_access.contains(spec.principal) {
                    return Err(format!(
                        "{} before trusted access for {}",
                        self.operation(),
                        spec.principal
                    ));
                }
                let entry = actual.delegated_admins.entry(id.clone()).or_default();
                if self.enable {
                    entry.insert(spec.principal.to_string());
                } else {
                    entry.remove(spec.principal);
                    if entry.is_empty() {
                        actual.delegated_admins.remove(&id);
                    }
                }
            }
            Enablement::ServiceApi { .. } => {
                let region = self.region.clone().unwrap_or_default();
                let set = actual
                    .security_admins
                    .get_or_insert_with(Default::default)
                    .entry(self.service)
                    .or_default()
                    .entry(region)
                    .or_default();
                if self.enable {
                    // GuardDuty and Security Hub take one administrator per organization.
                    if set.iter().any(|a| *a != id) {
                        return Err(format!(
                            "{} while another administrator is designated",
                            self.operation()
                        ));
                    }
                    set.insert(id);
                } else {
                    set.remove(&id);
                }
            }
        }
        Ok(())
    }
}

/// Where a regional service is designated: every allowed Region, or the home Region when
/// `allowed_regions` is absent.
pub fn regions(desired: &Desired) -> Vec<String> {
    if desired.allowed_regions.is_empty() {
        vec![desired.home_region.to_string()]
    } else {
        desired
            .allowed_regions
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}

/// The scopes of one service: its Regions, or `[None]` for a global one.
pub fn scopes(desired: &Desired, service: SecurityService) -> Vec<Option<String>> {
    if service.spec().regional {
        regions(desired).into_iter().map(Some).collect()
    } else {
        vec![None]
    }
}

/// Who administers `service` in `region` (`None`: not read).
pub fn admins(
    actual: &Actual,
    service: SecurityService,
    region: Option<&str>,
) -> Option<BTreeSet<AccountId>> {
    let spec = service.spec();
    match spec.enablement {
        Enablement::Organizations => Some(
            actual
                .delegated_admins
                .iter()
                .filter(|(_, s)| s.contains(spec.principal))
                .map(|(id, _)| id.clone())
                .collect(),
        ),
        Enablement::ServiceApi { .. } => actual
            .security_admins
            .as_ref()?
            .get(&service)
            .map(|r| {
                r.get(region.unwrap_or_default())
                    .cloned()
                    .unwrap_or_default()
            })
            .or(Some(BTreeSet::new())),
    }
}

/// A name for an account AWS holds (its name, else its id).
fn name_of(actual: &Actual, id: &AccountId) -> String {
    actual
        .accounts
        .get(id)
        .map_or_else(|| id.to_string(), |a| a.name.clone())
}

/// What one plan must do for `[security]`: the trusted access the Organizations-designated
/// services need first, and the removals and designations. `admin` is the declared
/// administrator's id (`None`: created by this plan).
pub fn changes(
    desired: &Desired,
    actual: &Actual,
    admin: Option<&AccountId>,
) -> (Vec<&'static str>, Vec<SecurityAdminChange>) {
    let Some(want) = desired.baselines.security.as_ref() else {
        return (Vec::new(), Vec::new());
    };
    let mut access = Vec::new();
    let mut out = Vec::new();
    for &service in &want.services {
        let spec = service.spec();
        if spec.enablement == Enablement::Organizations
            && !actual.service_access.contains(spec.principal)
        {
            access.push(spec.principal);
        }
        for region in scopes(desired, service) {
            let have = admins(actual, service, region.as_deref()).unwrap_or_default();
            for other in have.iter().filter(|a| Some(*a) != admin) {
                out.push(SecurityAdminChange {
                    service,
                    region: region.clone(),
                    enable: false,
                    account_name: name_of(actual, other),
                    account: Some(other.clone()),
                });
            }
            if !admin.is_some_and(|a| have.contains(a)) {
                out.push(SecurityAdminChange {
                    service,
                    region: region.clone(),
                    enable: true,
                    account_name: want.administrator.clone(),
                    account: admin.cloned(),
                });
            }
        }
    }
    (access, out)
}

/// What `govern import` writes: the services that one account
/// administers in every scope `regions` gives (import's allowed Regions), when that account is one
/// and the same for all of them. Services administered by another account, or not everywhere, are
/// left out (the plan of the imported file would otherwise change them).
pub fn import(actual: &Actual, regions: &[String]) -> Option<(AccountId, Vec<SecurityService>)> {
    let mut found: Option<AccountId> = None;
    let mut services = Vec::new();
    for spec in crate::model::SERVICES {
        let scopes: Vec<Option<&str>> = if spec.regional {
            regions.iter().map(|r| Some(r.as_str())).collect()
        } else {
            vec![None]
        };
        let mut one: Option<AccountId> = None;
        let mut everywhere = !scopes.is_empty();
        for scope in scopes {
            let have = admins(actual, spec.service, scope).unwrap_or_default();
            match (have.len(), &one) {
                (1, None) => one = have.into_iter().next(),
                (1, Some(a)) if have.contains(a) => {}
                _ => everywhere = false,
            }
        }
        let Some(id) = one.filter(|_| everywhere) else {
            continue;
        };
        match &found {
            None => found = Some(id),
            Some(f) if *f == id => {}
            Some(_) => continue, // another account: `[security]` names one administrator
        }
        services.push(spec.service);
    }
    Some((found?, services))
}

// CIS AWS Foundations "Ensure AWS Security Hub is enabled" (4.16 in v1.5, v2.0 and v3.0) and
// "Ensure that IAM Access analyzer is enabled for all regions" (1.20 in v1.5, v2.0 and v3.0), and
// Security Hub GuardDuty.1 ("GuardDuty should be enabled"), are checked per account and Region; a
// delegated administrator is how an organization turns these services on and keeps them on in
// every member account, so this control supports them (Prowler checks guardduty_is_enabled,
// securityhub_enabled, accessanalyzer_enabled).
pub const SECURITY_ADMIN: Control = Control {
    id: "GOV.SEC.1",
    title: "Security services administered by the declared account",
    checks: "For each service [security] lists, in each allowed Region for a regional one, the declared account is the service's delegated administrator and no other account is.",
    frameworks: &[
        "CIS AWS Foundations 4.16 (v1.5, v2.0, v3.0: Security Hub enabled; supports)",
        "CIS AWS Foundations 1.20 (v1.5, v2.0, v3.0: IAM Access Analyzer enabled; supports)",
        "AWS Security Hub GuardDuty.1 (supports)",
        "Prowler guardduty_is_enabled, securityhub_enabled, accessanalyzer_enabled (supports)",
    ],
};

/// One row per declared service and scope, or one not-applicable row.
pub fn evaluate(e: &mut Eval<'_>) {
    let Some(want) = e.desired.baselines.security.clone() else {
        e.push(
            &SECURITY_ADMIN,
            On::org(Address::Capability("org"), String::new()),
            Status::NotApplicable,
            "",
            "org.toml has no [security]",
        );
        return;
    };
    let admin = e.declared.get(&want.administrator).cloned();
    for &service in &want.services {
        for region in scopes(e.desired, service) {
            let expected = format!("`{}` administers {}", want.administrator, service.key());
            let have = admins(e.actual, service, region.as_deref());
            let (status, observed) = match &have {
                None => (Status::Error, "not read".to_string()),
                Some(h) => {
                    let listed = if h.is_empty() {
                        "no administrator".to_string()
                    } else {
                        format!(
                            "administered by {}",
                            h.iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    let ok = admin
                        .as_ref()
                        .is_some_and(|a| h.len() == 1 && h.contains(a));
                    (if ok { Status::Pass } else { Status::Fail }, listed)
                }
            };
            let mut on = On::org(
                Address::SecurityAdmin {
                    service,
                    region: region.clone(),
                    former: None,
                },
                String::new(),
            );
            on.region = region;
            e.push(&SECURITY_ADMIN, on, status, expected, observed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SERVICES;

    /// The table builds on issue 13's list of principals that take a delegated administrator.
    #[test]
    fn every_service_has_a_principal_organizations_knows_and_a_unique_name() {
        for spec in SERVICES {
            assert!(
                crate::config::delegated::supported(spec.principal),
                "{} ({}) is not in config::delegated::SUPPORTED",
                spec.key,
                spec.principal
            );
            assert_eq!(SecurityService::from_key(spec.key), Some(spec.service));
            assert!(spec.source.starts_with("https://docs.aws.amazon.com/"));
            // Designated per Region exactly when through the service's own API.
            assert_eq!(
                spec.regional,
                matches!(spec.enablement, Enablement::ServiceApi { .. }),
                "{}",
                spec.key
            );
        }
        let mut keys: Vec<_> = SERVICES.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), SERVICES.len());
    }

    #[test]
    fn addresses_read_back() {
        for text in [
            "org:security-admin/guardduty/eu-west-1",
            "org:security-admin/access-analyzer",
            "org:security-admin/config/former/111122223333",
            "org:security-admin/detective/us-east-1/former/111122223333",
        ] {
            let a: Address = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
        for bad in [
            "org:security-admin/gaurdduty/eu-west-1",
            "org:security-admin/guardduty/",
            "org:security-admin/guardduty/eu-west-1/former/12",
        ] {
            assert!(bad.parse::<Address>().is_err(), "{bad}");
        }
    }
}
