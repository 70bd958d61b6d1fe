//! Inside every active account, through its own session: alternate contacts, opt-in regions, KMS
//! keys and secrets in each allowed region. Reads only what org.toml's baselines need.
//!
//! Requests per account (R = allowed regions the account has enabled, K = keys, Km = keys whose
//! rotation govern manages, S = secrets; pages aside): GetAlternateContact × declared contact
//! types + ListRegions 1 (none when the account is exempt from the regions baseline) and per
//! region: ListKeys 1 + DescribeKey K + GetKeyRotationStatus Km + ListSecrets 1 (S ≤ 100 a page);
//! and sts:AssumeRole once per member account. A refused read fails only its own part. What each
//! baseline reads is its own module's (`crate::baselines`); this file fans out over accounts and
//! falls back to the management account.

use std::collections::BTreeSet;

use futures::StreamExt;

use super::pace::{Concurrency, Pace};
use crate::aws::{in_region, Clients};
use crate::model::{
    AccountId, Actual, Address, BaselineKind, ContactType, Desired, Member, MemberState, Unread,
};
use crate::plan::ACCOUNT_SERVICE;

/// What the baselines in org.toml need read.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub contacts: BTreeSet<ContactType>,
    pub regions: bool,
    /// Regions to read keys and secrets in (empty: none).
    pub key_regions: Vec<String>,
    /// Read only this shard's accounts (`--shard`).
    pub shard: Option<crate::plan::Shard>,
    /// Accounts exempt from the regions baseline: their Regions are not read (ListRegions is not
    /// called for them).
    pub regions_exempt: BTreeSet<AccountId>,
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
        let regions_exempt = desired
            .baselines
            .exemptions
            .iter()
            .filter(|(_, e)| e.contains_key(&BaselineKind::Regions))
            .map(|(id, _)| id.clone())
            .collect();
        Self {
            contacts,
            regions: !desired.allowed_regions.is_empty(),
            key_regions,
            shard: None,
            regions_exempt,
        }
    }
    /// Requests one account has in flight at its widest: its contact reads beside ListRegions,
    /// or every Region's reads at once (a Region's keys are described a few at a time).
    pub fn width(&self) -> usize {
        (self.contacts.len() + 1).max(2 * self.key_regions.len())
    }

    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty() && !self.regions && self.key_regions.is_empty()
    }
}

/// Fills `actual.members` for every account, running `progress` after each.
pub async fn members(
    clients: &Clients,
    actual: &mut Actual,
    scope: &Scope,
    concurrency: Concurrency,
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
    let read_one = |(id, status): (AccountId, String)| async move {
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
    };
    let mut pace = Pace::new(
        concurrency,
        scope.width(),
        super::pace::budget(),
        crate::aws::answer::throttles(),
    );
    let mut pending = accounts.into_iter();
    let mut running = futures::stream::FuturesUnordered::new();
    loop {
        while running.len() < pace.limit() {
            let Some(next) = pending.next() else { break };
            running.push(read_one(next));
        }
        let Some((id, member)) = running.next().await else {
            break;
        };
        pace.finished(crate::aws::answer::throttles());
        actual.members.insert(id, member);
        progress();
    }
    tracing::debug!(accounts_in_flight = pace.limit(), "member accounts read");
}

async fn read_member(
    clients: &Clients,
    id: &AccountId,
    scope: &Scope,
) -> Result<MemberState, (String, bool)> {
    let config = clients.members.config(id).await.map_err(|e| (e, true))?;
    // From inside the account's own session: no AccountId, the account's own quotas. What AWS
    // refuses is unread on its own (`state.unread`); the rest of the account is read and planned.
    let (mut state, regions_read) =
        read_account_api(&aws_sdk_account::Client::new(&config), None, id, scope).await;
    read_keys_and_secrets(&config, id, scope, regions_read, &mut state).await;
    Ok(state)
}

/// Alternate contacts and opt-in regions through the Account API: from inside the account
/// (`on` = None) or from the management account for `on` (needs trusted access for
/// account.amazonaws.com, and spends the management account's quotas). Whether the account's
/// Regions were read.
async fn read_account_api(
    account: &aws_sdk_account::Client,
    on: Option<&AccountId>,
    id: &AccountId,
    scope: &Scope,
) -> (MemberState, bool) {
    let on = on.map(AccountId::to_string);
    // Contacts and Regions are independent reads with quotas of their own (GetAlternateContact
    // 10/s, ListRegions 5/s per account): read at once, the account costs the longer of the two
    // instead of their sum.
    let contacts = async {
        let mut state = MemberState::default();
        crate::baselines::contacts::read(account, on.as_deref(), id, &scope.contacts, &mut state)
            .await;
        state
    };
    let regions = async {
        let mut state = MemberState::default();
        if !scope.regions || scope.regions_exempt.contains(id) {
            return (state, false);
        }
        match crate::baselines::regions::read(account, on.as_deref(), &mut state).await {
            Ok(()) => (state, true),
            Err(reason) => {
                state.regions.clear();
                state.unread.push(Unread {
                    address: Address::Regions(id.clone()),
                    baselines: [BaselineKind::Regions].into(),
                    reason: format!(
                        "{reason}; the account's Regions were not read (its keys and secrets are read where the services answer)"
                    ),
                    refused: true,
                });
                (state, false)
            }
        }
    };
    let (mut state, (regions, read)) = futures::join!(contacts, regions);
    state.regions = regions.regions;
    state.unread.extend(regions.unread);
    (state, read)
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
    concurrency: Concurrency,
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
        let (mut state, _) = read_account_api(management, Some(&id), &id, scope).await;
        state.via_management = Some(reason);
        let member = Member::Read(state);
        (id, member)
    }))
    .buffer_unordered(match concurrency {
        // From the management account, with its quotas: the Account API's gates pace it, and
        // throttles there would be the management account's own.
        Concurrency::Auto => super::pace::START,
        Concurrency::Fixed(n) => n.get(),
    });
    while let Some((id, member)) = read.next().await {
        actual.members.insert(id, member);
    }
    Ok(())
}

/// Keys and secrets in each region of the scope the account can use, from inside the account.
///
/// With the account's Regions read (`regions_read`), a Region it has not enabled (or is still
/// enabling, or disabling) is not called at all: AWS would refuse the account's credentials there.
/// Without them (the account is exempt from the regions baseline, or ListRegions was refused),
/// govern calls each Region and takes KMS's refusal of the credentials (UnrecognizedClientException)
/// as "not enabled": that costs one refused ListKeys per such Region and no extra permission.
/// Either way the skipped Region is said (a note, not an error: there is nothing there to read).
async fn read_keys_and_secrets(
    config: &aws_config::SdkConfig,
    id: &AccountId,
    scope: &Scope,
    regions_read: bool,
    state: &mut MemberState,
) {
    let skipped = |region: &str, reason: String| Unread {
        address: Address::Region {
            account: id.clone(),
            region: region.to_string(),
        },
        baselines: [BaselineKind::Kms, BaselineKind::Secrets].into(),
        reason,
        refused: false,
    };
    // Every Region at once: KMS and Secrets Manager count their quotas per account *and* Region,
    // so an account's Regions do not compete, and the account costs one Region's chain of
    // requests (ListKeys, DescribeKey, GetKeyRotationStatus, ListSecrets) instead of R of them.
    // Results are merged in the scope's Region order, so the state is the same as a sequential
    // read's.
    let reads = scope.key_regions.iter().map(|region| {
        let status = state.regions.get(region).map(String::as_str);
        let not_enabled = regions_read
            .then_some(match status {
                Some("ENABLED" | "ENABLED_BY_DEFAULT") => None,
                Some("ENABLING") => Some("opt-in Region still enabling in this account: its KMS keys and secrets are read once it is enabled"),
                Some("DISABLING") => Some("opt-in Region being disabled in this account: its KMS keys and secrets are not read"),
                _ => Some("opt-in Region not enabled in this account: AWS refuses calls there, so its KMS keys and secrets are not read"),
            })
            .flatten();
        async move {
            let mut part = MemberState::default();
            if let Some(why) = not_enabled {
                part.unread.push(skipped(region, why.to_string()));
                return part;
            }
            read_region(config, id, region, &mut part).await;
            part
        }
    });
    let parts = futures::future::join_all(reads).await;
    // Exactly the room needed: an account's state is held until the plan is made, and growing by
    // doubling left up to half of it empty (at 50,000 accounts, hundreds of megabytes).
    state
        .keys
        .reserve_exact(parts.iter().map(|p| p.keys.len()).sum());
    state
        .secrets
        .reserve_exact(parts.iter().map(|p| p.secrets.len()).sum());
    for part in parts {
        state.keys.extend(part.keys);
        state.secrets.extend(part.secrets);
        state.unread.extend(part.unread);
    }
}

/// One Region's keys and secrets into `part`, from inside the account.
async fn read_region(
    config: &aws_config::SdkConfig,
    id: &AccountId,
    region: &str,
    part: &mut MemberState,
) {
    let regional = in_region(config, region);
    let kms =
        crate::baselines::kms::read(&aws_sdk_kms::Client::new(&regional), id, region, part).await;
    match kms {
        Err(r) if r.region_not_enabled() => {
            part.unread.push(Unread {
                address: Address::Region {
                    account: id.clone(),
                    region: region.to_string(),
                },
                baselines: [BaselineKind::Kms, BaselineKind::Secrets].into(),
                reason: format!(
                    "{}: the Region does not know the account's credentials, so it is not enabled in this account; its KMS keys and secrets are not read",
                    r.reason
                ),
                refused: false,
            });
            return;
        }
        Err(r) => part.unread.push(Unread {
            address: Address::Keys(id.clone()),
            baselines: [BaselineKind::Kms].into(),
            reason: format!("{region}: {}", r.reason),
            refused: true,
        }),
        Ok(()) => {}
    }
    if let Err(r) = crate::baselines::secrets::read(
        &aws_sdk_secretsmanager::Client::new(&regional),
        region,
        &mut part.secrets,
    )
    .await
    {
        part.unread.push(Unread {
            address: Address::Secrets(id.clone()),
            baselines: [BaselineKind::Secrets].into(),
            reason: format!("{region}: {}", r.reason),
            refused: true,
        });
    }
}

/// The services with trusted access in the organization (ListAWSServiceAccessForOrganization),
/// unless read already.
pub async fn service_access(clients: &Clients, actual: &mut Actual) -> crate::error::Result<()> {
    use crate::error::Error;
    if actual.service_access_read {
        return Ok(());
    }
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
