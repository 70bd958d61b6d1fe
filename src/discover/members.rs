//! Inside every active account, through its own session: alternate contacts, opt-in regions, KMS
//! keys and secrets in each allowed region. Reads only what org.toml's baselines need.
//!
//! Requests per account (R = allowed regions, K = keys, Km = keys whose rotation govern manages,
//! S = secrets; pages aside): GetAlternateContact × declared contact types + ListRegions 1
//! and per region: ListKeys 1 + DescribeKey K + GetKeyRotationStatus Km + ListSecrets 1 (S ≤ 100 a
//! page); and sts:AssumeRole once per member account.

use std::collections::BTreeSet;

use aws_sdk_account::types::RegionOptStatus;
use futures::StreamExt;

use crate::aws::{in_region, Clients};
use crate::model::{
    AccountId, Actual, Contact, ContactType, Desired, KmsKey, Member, MemberState, SecretInfo,
};
use crate::plan::{kms_skip_reason, ACCOUNT_SERVICE};

/// What the baselines in org.toml need read.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub contacts: BTreeSet<ContactType>,
    pub regions: bool,
    /// Regions to read keys and secrets in (empty: none).
    pub key_regions: Vec<String>,
    /// Read only this shard's accounts (`--shard`).
    pub shard: Option<crate::plan::Shard>,
}

impl Scope {
    pub fn of(desired: &Desired) -> Self {
        let mut contacts: BTreeSet<ContactType> =
            desired.baselines.contacts.keys().copied().collect();
        for a in desired.accounts.values() {
            contacts.extend(a.contacts.keys().copied());
        }
        let key_regions = if desired.baselines.key_rotation.is_some() {
            desired
                .allowed_regions
                .iter()
                .map(|r| r.as_str().to_string())
                .collect()
        } else {
            Vec::new()
        };
        Self {
            contacts,
            regions: !desired.allowed_regions.is_empty(),
            key_regions,
            shard: None,
        }
    }
    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty() && !self.regions && self.key_regions.is_empty()
    }
}

/// Default accounts read at once: each account has its own quotas, so the bound is govern's own
/// connections and the organization-wide STS rate, not AWS's per-account limits.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// Fills `actual.members` for every account, running `progress` after each.
pub async fn members(
    clients: &Clients,
    actual: &mut Actual,
    scope: &Scope,
    concurrency: usize,
    progress: impl Fn(),
) {
    if scope.is_empty() {
        return;
    }
    let accounts: Vec<(AccountId, String)> = actual
        .accounts
        .iter()
        .filter(|(id, _)| scope.shard.is_none_or(|s| s.owns(id)))
        .map(|(id, a)| (id.clone(), a.status.clone()))
        .collect();
    let mut read = futures::stream::iter(accounts.into_iter().map(|(id, status)| async move {
        let member = if status != "ACTIVE" {
            Member::Skipped {
                reason: format!("account is {status}: baselines are not read or applied"),
            }
        } else {
            let started = std::time::Instant::now();
            match read_member(clients, &id, scope).await {
                Ok(state) => {
                    tracing::debug!(account = %id, took_ms = started.elapsed().as_millis() as u64, "account read");
                    Member::Read(state)
                }
                Err((reason, unassumable)) => {
                    tracing::warn!(account = %id, %reason, "account could not be read");
                    Member::Failed {
                        reason,
                        unassumable,
                    }
                }
            }
        };
        (id, member)
    }))
    .buffer_unordered(concurrency.max(1));
    while let Some((id, member)) = read.next().await {
        actual.members.insert(id, member);
        progress();
    }
}

/// A one-line reason naming the IAM action: the AWS error code and message when there is one, else
/// the HTTP status, else the SDK's own account of what went wrong.
fn why<E, R>(op: &str, e: aws_smithy_runtime_api::client::result::SdkError<E, R>) -> String
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HttpStatus,
{
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    let op = crate::error::iam_action::<E>(op);
    if let Some(code) = e.code() {
        let message = e.message().unwrap_or("no message");
        if crate::error::is_access_denied(Some(code)) {
            return format!(
                "{op}: {code}: {message} ({})",
                crate::error::access_denied_hint(&op)
            );
        }
        return format!("{op}: {code}: {message}");
    }
    if let Some(status) = e.raw_response().map(HttpStatus::status) {
        return format!("{op}: HTTP {status} with no AWS error in the body (does this endpoint implement {op}?)");
    }
    format!(
        "{op}: {}",
        aws_smithy_types::error::display::DisplayErrorContext(e)
    )
}

trait HttpStatus {
    fn status(&self) -> u16;
}
impl HttpStatus for aws_smithy_runtime_api::http::Response {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

async fn read_member(
    clients: &Clients,
    id: &AccountId,
    scope: &Scope,
) -> Result<MemberState, (String, bool)> {
    let config = clients.members.config(id).await.map_err(|e| (e, true))?;
    let mut state = MemberState::default();
    // From inside the account's own session: no AccountId, the account's own quotas.
    read_account_api(
        &aws_sdk_account::Client::new(&config),
        None,
        scope,
        &mut state,
    )
    .await
    .map_err(|e| (e, false))?;
    read_keys_and_secrets(&config, scope, &mut state)
        .await
        .map_err(|e| (e, false))?;
    Ok(state)
}

/// Alternate contacts and opt-in regions through the Account API: from inside the account
/// (`on` = None) or from the management account for `on` (needs trusted access for
/// account.amazonaws.com, and spends the management account's quotas).
async fn read_account_api(
    account: &aws_sdk_account::Client,
    on: Option<&AccountId>,
    scope: &Scope,
    state: &mut MemberState,
) -> Result<(), String> {
    let on = on.map(AccountId::to_string);
    for t in &scope.contacts {
        match account
            .get_alternate_contact()
            .set_account_id(on.clone())
            .alternate_contact_type(t.api_name().into())
            .send()
            .await
        {
            Ok(out) => {
                if let Some(c) = out.alternate_contact() {
                    state.contacts.insert(
                        *t,
                        Contact {
                            name: c.name().unwrap_or_default().to_string(),
                            title: c.title().unwrap_or_default().to_string(),
                            email: c.email_address().unwrap_or_default().to_string(),
                            phone: c.phone_number().unwrap_or_default().to_string(),
                        },
                    );
                }
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) => {}
            Err(e) => return Err(why("GetAlternateContact", e)),
        }
    }
    if scope.regions {
        // Only opted-in regions can need DisableRegion; asking for just those keeps it one page.
        let mut pages = account
            .list_regions()
            .set_account_id(on.clone())
            .region_opt_status_contains(RegionOptStatus::Enabled)
            .region_opt_status_contains(RegionOptStatus::Enabling)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| why("ListRegions", e))?;
            for r in page.regions() {
                if let (Some(name), Some(status)) = (r.region_name(), r.region_opt_status()) {
                    state
                        .regions
                        .insert(name.to_string(), status.as_str().to_string());
                }
            }
        }
    }
    Ok(())
}

/// The fallback for accounts whose member role could not be assumed: when trusted access for
/// account.amazonaws.com is enabled, read their contacts and regions from the management account
/// (paced by the Account API gates: GetAlternateContact 10/s, ListRegions 5/s for the management
/// account as a whole). Keys and secrets cannot be read this way and stay unread. Reads the
/// organization's trusted access when nothing has yet.
pub async fn fallback(
    clients: &Clients,
    actual: &mut Actual,
    scope: &Scope,
    concurrency: usize,
) -> crate::error::Result<()> {
    if scope.contacts.is_empty() && !scope.regions {
        return Ok(());
    }
    let unassumable: Vec<(AccountId, String)> = actual
        .members
        .iter()
        .filter_map(|(id, m)| match m {
            Member::Failed {
                reason,
                unassumable: true,
            } => Some((id.clone(), reason.clone())),
            _ => None,
        })
        .collect();
    if unassumable.is_empty() {
        return Ok(());
    }
    if !actual.service_access_read {
        service_access(clients, actual).await?;
    }
    if !actual.service_access.contains(ACCOUNT_SERVICE) {
        return Ok(()); // the planner enables it and says so
    }
    let management = aws_sdk_account::Client::new(clients.members.management());
    let management = &management;
    let mut read = futures::stream::iter(unassumable.into_iter().map(|(id, reason)| async move {
        let mut state = MemberState::default();
        let member = match read_account_api(management, Some(&id), scope, &mut state).await {
            Ok(()) => {
                state.via_management = Some(reason);
                Member::Read(state)
            }
            Err(e) => Member::Failed {
                reason: format!("{reason}; from the management account: {e}"),
                unassumable: true,
            },
        };
        (id, member)
    }))
    .buffer_unordered(concurrency.max(1));
    while let Some((id, member)) = read.next().await {
        actual.members.insert(id, member);
    }
    Ok(())
}

async fn read_keys_and_secrets(
    config: &aws_config::SdkConfig,
    scope: &Scope,
    state: &mut MemberState,
) -> Result<(), String> {
    for region in &scope.key_regions {
        let regional = in_region(config, region);
        read_keys(
            &aws_sdk_kms::Client::new(&regional),
            region,
            &mut state.keys,
        )
        .await?;
        read_secrets(
            &aws_sdk_secretsmanager::Client::new(&regional),
            region,
            &mut state.secrets,
        )
        .await?;
    }
    Ok(())
}

async fn read_keys(
    kms: &aws_sdk_kms::Client,
    region: &str,
    out: &mut Vec<KmsKey>,
) -> Result<(), String> {
    let mut pages = kms.list_keys().limit(1000).into_paginator().send();
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| why("ListKeys", e))?;
        ids.extend(
            page.keys()
                .iter()
                .filter_map(|k| k.key_id().map(str::to_string)),
        );
    }
    for id in ids {
        let d = kms
            .describe_key()
            .key_id(&id)
            .send()
            .await
            .map_err(|e| why("DescribeKey", e))?;
        let Some(m) = d.key_metadata() else { continue };
        let mut key = KmsKey {
            region: region.to_string(),
            id: id.clone(),
            arn: m.arn().unwrap_or_default().to_string(),
            manager: m
                .key_manager()
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            spec: m
                .key_spec()
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            usage: m
                .key_usage()
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            origin: m
                .origin()
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            state: m
                .key_state()
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            rotation_enabled: None,
            rotation_period_days: None,
        };
        if kms_skip_reason(&key).is_none() {
            let r = kms
                .get_key_rotation_status()
                .key_id(&id)
                .send()
                .await
                .map_err(|e| why("GetKeyRotationStatus", e))?;
            key.rotation_enabled = Some(r.key_rotation_enabled());
            key.rotation_period_days = r
                .rotation_period_in_days()
                .and_then(|d| u32::try_from(d).ok());
        }
        out.push(key);
    }
    Ok(())
}

/// ListSecrets returns rotation settings with the metadata: one call a page, and never the value.
async fn read_secrets(
    sm: &aws_sdk_secretsmanager::Client,
    region: &str,
    out: &mut Vec<SecretInfo>,
) -> Result<(), String> {
    let mut pages = sm.list_secrets().max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| why("ListSecrets", e))?;
        for s in page.secret_list() {
            let rules = s.rotation_rules();
            let days = rules
                .and_then(|r| r.automatically_after_days())
                .and_then(|d| u32::try_from(d).ok())
                .or_else(|| {
                    rules
                        .and_then(|r| r.schedule_expression())
                        .and_then(rate_days)
                });
            out.push(SecretInfo {
                region: region.to_string(),
                arn: s.arn().unwrap_or_default().to_string(),
                name: s.name().unwrap_or_default().to_string(),
                rotation_enabled: s.rotation_enabled().unwrap_or(false),
                rotation_days: days,
                // ListSecrets can answer "" for "no function"; that is none.
                rotation_lambda: s
                    .rotation_lambda_arn()
                    .filter(|f| !f.is_empty())
                    .map(str::to_string),
            });
        }
    }
    Ok(())
}

/// `rate(10 days)` → 10. Cron schedules have no simple interval and read as unknown.
fn rate_days(expr: &str) -> Option<u32> {
    let inner = expr.strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.split_once(' ')?;
    let n: u32 = n.parse().ok()?;
    match unit {
        "day" | "days" => Some(n),
        "hour" | "hours" => Some(n.div_ceil(24)),
        _ => None,
    }
}

/// The services with trusted access in the organization (ListAWSServiceAccessForOrganization).
async fn service_access(clients: &Clients, actual: &mut Actual) -> crate::error::Result<()> {
    use crate::error::Error;
    let mut pages = clients
        .org
        .list_aws_service_access_for_organization()
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            Error::aws("ListAWSServiceAccessForOrganization", "the organization", e)
        })?;
        for s in page.enabled_service_principals() {
            if let Some(p) = s.service_principal() {
                actual.service_access.insert(p.to_string());
            }
        }
    }
    actual.service_access_read = true;
    Ok(())
}

/// Trusted access and delegated administrators, for the logging baseline.
pub async fn logging(clients: &Clients, actual: &mut Actual) -> crate::error::Result<()> {
    use crate::error::Error;
    if !actual.service_access_read {
        service_access(clients, actual).await?;
    }
    let org = &clients.org;
    let mut admins = Vec::new();
    let mut pages = org.list_delegated_administrators().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| Error::aws("ListDelegatedAdministrators", "the organization", e))?;
        admins.extend(
            page.delegated_administrators()
                .iter()
                .filter_map(|a| a.id().map(str::to_string)),
        );
    }
    // An administrator can be listed with no services left (moto leaves one behind a refused
    // registration); the services per account are what count.
    for id in admins {
        let Ok(account) = AccountId::parse(&id) else {
            continue;
        };
        let mut pages = org
            .list_delegated_services_for_account()
            .account_id(&id)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| Error::aws("ListDelegatedServicesForAccount", &account, e))?;
            for s in page.delegated_services() {
                if let Some(p) = s.service_principal() {
                    actual
                        .delegated_admins
                        .entry(account.clone())
                        .or_default()
                        .insert(p.to_string());
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn rate_expressions() {
        assert_eq!(super::rate_days("rate(30 days)"), Some(30));
        assert_eq!(super::rate_days("rate(1 day)"), Some(1));
        assert_eq!(super::rate_days("rate(36 hours)"), Some(2));
        assert_eq!(super::rate_days("cron(0 16 1,15 * ? *)"), None);
    }
}
