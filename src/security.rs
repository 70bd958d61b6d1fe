//! The security services' delegated administrator, the AWS side (`govern_core::security` plans
//! it; `govern_core::model::SERVICES` says how each service is designated). GuardDuty, Security
//! Hub, Macie, Inspector and Detective through their own admin API from the management account, in
//! each Region; IAM Access
//! Analyzer and AWS Config through Organizations' delegated administrators (read with
//! `crate::discover::logging`).

use std::collections::BTreeSet;

use crate::aws::Clients;
use crate::error::{Error, Result};
use crate::model::{AccountId, Actual, Enablement, SecurityService};
use govern_core::security::SecurityAdminChange;

fn guardduty(clients: &Clients, region: &str) -> aws_sdk_guardduty::Client {
    aws_sdk_guardduty::Client::new(&crate::aws::in_region(clients.members.management(), region))
}

fn security_hub(clients: &Clients, region: &str) -> aws_sdk_securityhub::Client {
    aws_sdk_securityhub::Client::new(&crate::aws::in_region(clients.members.management(), region))
}

fn macie(clients: &Clients, region: &str) -> aws_sdk_macie2::Client {
    aws_sdk_macie2::Client::new(&crate::aws::in_region(clients.members.management(), region))
}

fn inspector(clients: &Clients, region: &str) -> aws_sdk_inspector2::Client {
    aws_sdk_inspector2::Client::new(&crate::aws::in_region(clients.members.management(), region))
}

fn detective(clients: &Clients, region: &str) -> aws_sdk_detective::Client {
    aws_sdk_detective::Client::new(&crate::aws::in_region(clients.members.management(), region))
}

/// An account id AWS listed, if it is one.
fn id(s: Option<&str>) -> Option<AccountId> {
    AccountId::parse(s?).ok()
}

/// Who administers each of `services` designated through its own API, in each of `regions`
/// (ListOrganizationAdminAccounts). An administrator being disabled is not one any more.
pub async fn read(
    clients: &Clients,
    actual: &mut Actual,
    services: &[SecurityService],
    regions: &[String],
) -> Result<()> {
    // Each Region is recorded as it is read, so a failed read keeps what was read before it.
    actual.security_admins.get_or_insert_with(Default::default);
    for &service in services {
        if !matches!(service.spec().enablement, Enablement::ServiceApi { .. }) {
            continue;
        }
        for region in regions {
            let on = format!("{} in {region}", service.key());
            let admins = match service {
                SecurityService::Guardduty => guardduty_admins(clients, region, &on).await?,
                SecurityService::SecurityHub => security_hub_admins(clients, region, &on).await?,
                SecurityService::Macie => macie_admins(clients, region, &on).await?,
                SecurityService::Inspector => inspector_admins(clients, region, &on).await?,
                SecurityService::Detective => detective_admins(clients, region, &on).await?,
                // Designated through Organizations: read with the delegated administrators.
                SecurityService::AccessAnalyzer | SecurityService::Config => continue,
            };
            actual
                .security_admins
                .get_or_insert_with(Default::default)
                .entry(service)
                .or_default()
                .insert(region.clone(), admins);
        }
    }
    Ok(())
}

async fn guardduty_admins(
    clients: &Clients,
    region: &str,
    on: &str,
) -> Result<BTreeSet<AccountId>> {
    let gd = guardduty(clients, region);
    let mut pages = gd
        .list_organization_admin_accounts()
        .into_paginator()
        .send();
    let mut out = BTreeSet::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::aws("ListOrganizationAdminAccounts", on, e))?;
        for a in page.admin_accounts() {
            let enabled = a
                .admin_status()
                .is_some_and(|s| *s == aws_sdk_guardduty::types::AdminStatus::Enabled);
            if let (true, Some(id)) = (enabled, a.admin_account_id()) {
                if let Ok(id) = AccountId::parse(id) {
                    out.insert(id);
                }
            }
        }
    }
    Ok(out)
}

async fn security_hub_admins(
    clients: &Clients,
    region: &str,
    on: &str,
) -> Result<BTreeSet<AccountId>> {
    let hub = security_hub(clients, region);
    let mut pages = hub
        .list_organization_admin_accounts()
        .into_paginator()
        .send();
    let mut out = BTreeSet::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::aws("ListOrganizationAdminAccounts", on, e))?;
        for a in page.admin_accounts() {
            let enabled = a
                .status()
                .is_some_and(|s| *s == aws_sdk_securityhub::types::AdminStatus::Enabled);
            if let (true, Some(id)) = (enabled, a.account_id()) {
                if let Ok(id) = AccountId::parse(id) {
                    out.insert(id);
                }
            }
        }
    }
    Ok(out)
}

async fn macie_admins(clients: &Clients, region: &str, on: &str) -> Result<BTreeSet<AccountId>> {
    let macie = macie(clients, region);
    let mut pages = macie
        .list_organization_admin_accounts()
        .into_paginator()
        .send();
    let mut out = BTreeSet::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::aws("ListOrganizationAdminAccounts", on, e))?;
        out.extend(
            page.admin_accounts()
                .iter()
                .filter(|a| {
                    a.status()
                        .is_some_and(|s| *s == aws_sdk_macie2::types::AdminStatus::Enabled)
                })
                .filter_map(|a| id(a.account_id())),
        );
    }
    Ok(out)
}

async fn inspector_admins(
    clients: &Clients,
    region: &str,
    on: &str,
) -> Result<BTreeSet<AccountId>> {
    let inspector = inspector(clients, region);
    let mut pages = inspector
        .list_delegated_admin_accounts()
        .into_paginator()
        .send();
    let mut out = BTreeSet::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::aws("ListDelegatedAdminAccounts", on, e))?;
        out.extend(
            page.delegated_admin_accounts()
                .iter()
                .filter(|a| {
                    a.status().is_some_and(|s| {
                        *s == aws_sdk_inspector2::types::DelegatedAdminStatus::Enabled
                    })
                })
                .filter_map(|a| id(a.account_id())),
        );
    }
    Ok(out)
}

/// Detective lists administrators with no status: each one listed is one.
async fn detective_admins(
    clients: &Clients,
    region: &str,
    on: &str,
) -> Result<BTreeSet<AccountId>> {
    let detective = detective(clients, region);
    let mut pages = detective
        .list_organization_admin_accounts()
        .into_paginator()
        .send();
    let mut out = BTreeSet::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::aws("ListOrganizationAdminAccounts", on, e))?;
        out.extend(
            page.administrators()
                .iter()
                .filter_map(|a| id(a.account_id())),
        );
    }
    Ok(out)
}

/// One change, the account resolved. Designating the account that is already the administrator,
/// or removing one that is not, is taken as done (a re-run after a lost answer).
pub async fn write(
    clients: &Clients,
    change: &SecurityAdminChange,
    id: &AccountId,
    on: &str,
) -> Result<()> {
    let region = change.region.as_deref().unwrap_or_default();
    let op = change
        .operation()
        .split_once(':')
        .map_or(change.operation(), |(_, o)| o);
    match (change.service, change.enable) {
        (SecurityService::Guardduty, true) => {
            let gd = guardduty(clients, region);
            gd.enable_organization_admin_account()
                .admin_account_id(id.as_str())
                .send()
                .await
                .map_err(|e| Error::aws(op, on, e))?;
        }
        (SecurityService::Guardduty, false) => {
            let gd = guardduty(clients, region);
            gd.disable_organization_admin_account()
                .admin_account_id(id.as_str())
                .send()
                .await
                .map_err(|e| Error::aws(op, on, e))?;
        }
        (SecurityService::SecurityHub, true) => {
            let hub = security_hub(clients, region);
            hub.enable_organization_admin_account()
                .admin_account_id(id.as_str())
                .send()
                .await
                .map_err(|e| Error::aws(op, on, e))?;
        }
        (SecurityService::SecurityHub, false) => {
            let hub = security_hub(clients, region);
            hub.disable_organization_admin_account()
                .admin_account_id(id.as_str())
                .send()
                .await
                .map_err(|e| Error::aws(op, on, e))?;
        }
        (SecurityService::Macie, true) => {
            let macie = macie(clients, region);
            macie
                .enable_organization_admin_account()
                .admin_account_id(id.as_str())
                .send()
                .await
                .map_err(|e| Error::aws(op, on, e))?;
        }
        (SecurityService::Macie, false) => {
            let macie = macie(clients, region);
            macie
                .disable_organization_admin_account()
                .admin_account_id(id.as_str())
                .send()
                .await
                .map_err(|e| Error::aws(op, on, e))?;
        }
        (SecurityService::Inspector, true) => {
            let inspector = inspector(clients, region);
            inspector
                .enable_delegated_admin_account()
                .delegated_admin_account_id(id.as_str())
                .send()
                .await
                .map_err(|e| Error::aws(op, on, e))?;
        }
        (SecurityService::Inspector, false) => {
            let inspector = inspector(clients, region);
            inspector
                .disable_delegated_admin_account()
                .delegated_admin_account_id(id.as_str())
                .send()
                .await
                .map_err(|e| Error::aws(op, on, e))?;
        }
        (SecurityService::Detective, true) => {
            let detective = detective(clients, region);
            detective
                .enable_organization_admin_account()
                .account_id(id.as_str())
                .send()
                .await
                .map_err(|e| Error::aws(op, on, e))?;
        }
        // Detective's call names no account: it removes the Region's administrator, the one the
        // plan read.
        (SecurityService::Detective, false) => {
            let detective = detective(clients, region);
            detective
                .disable_organization_admin_account()
                .send()
                .await
                .map_err(|e| Error::aws(op, on, e))?;
        }
        (service, enable) if service.spec().enablement == Enablement::Organizations => {
            let principal = service.spec().principal;
            let org = &clients.org;
            if enable {
                match org
                    .register_delegated_administrator()
                    .account_id(id.as_str())
                    .service_principal(principal)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|s| s.is_account_already_registered_exception()) => {}
                    Err(e) => return Err(Error::aws(op, on, e)),
                }
            } else {
                match org
                    .deregister_delegated_administrator()
                    .account_id(id.as_str())
                    .service_principal(principal)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|s| s.is_account_not_registered_exception()) => {}
                    Err(e) => return Err(Error::aws(op, on, e)),
                }
            }
        }
        (service, _) => {
            return Err(Error::Discovery(format!(
                "{on}: {} has no designation in model::SERVICES",
                service.spec().title
            )))
        }
    }
    Ok(())
}
