//! The security services' delegated administrator, the AWS side (`govern_core::security` plans
//! it; `govern_core::model::SERVICES` says how each service is designated). GuardDuty and Security
//! Hub through their own admin API from the management account, in each Region; IAM Access
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

/// Who administers each of `services` designated through its own API, in each of `regions`
/// (ListOrganizationAdminAccounts). An administrator being disabled is not one any more.
pub async fn read(
    clients: &Clients,
    actual: &mut Actual,
    services: &[SecurityService],
    regions: &[String],
) -> Result<()> {
    let mut out = actual.security_admins.take().unwrap_or_default();
    for &service in services {
        if !matches!(service.spec().enablement, Enablement::ServiceApi { .. }) {
            continue;
        }
        for region in regions {
            let on = format!("{} in {region}", service.key());
            let admins = match service {
                SecurityService::Guardduty => guardduty_admins(clients, region, &on).await?,
                SecurityService::SecurityHub => security_hub_admins(clients, region, &on).await?,
                // Validation refuses the services govern does not call (model::SERVICES).
                _ => continue,
            };
            out.entry(service)
                .or_default()
                .insert(region.clone(), admins);
        }
    }
    actual.security_admins = Some(out);
    Ok(())
}

async fn guardduty_admins(clients: &Clients, region: &str, on: &str) -> Result<BTreeSet<AccountId>> {
    let gd = guardduty(clients, region);
    let mut pages = gd.list_organization_admin_accounts().into_paginator().send();
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
    let mut pages = hub.list_organization_admin_accounts().into_paginator().send();
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

/// One change, the account resolved. Designating the account that is already the administrator,
/// or removing one that is not, is taken as done (a re-run after a lost answer).
pub async fn write(clients: &Clients, change: &SecurityAdminChange, id: &AccountId, on: &str) -> Result<()> {
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
        // Validation refuses the services govern does not call (model::SERVICES `managed`).
        (service, _) => {
            return Err(Error::Discovery(format!(
                "{on}: govern does not call {}'s API",
                service.spec().title
            )))
        }
    }
    Ok(())
}
