//! Opt-in regions through the Account API (`govern_core::baselines::regions` for the rule).

use aws_sdk_account::types::RegionOptStatus;

use super::{note, why, At};
use crate::error::{Error, Result};
use crate::model::MemberState;
use govern_core::baselines::regions::DisableRegion;

/// The account's opted-in regions. Only opted-in regions can need DisableRegion; asking for just
/// those (ENABLED, ENABLING) keeps it one page.
pub async fn read(
    account: &aws_sdk_account::Client,
    on: Option<&str>,
    state: &mut MemberState,
) -> std::result::Result<(), String> {
    let mut pages = account
        .list_regions()
        .set_account_id(on.map(str::to_string))
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
    Ok(())
}

/// Enable/DisableRegion: 1 request a second per account, 6 in flight per account and 50 per
/// organization: the session's gates (aws::throttle) keep to those.
pub async fn write(c: &DisableRegion, at: &At<'_>, on: &str, rids: &mut Vec<String>) -> Result<()> {
    let (config, on_account) = at.account_api().await?;
    aws_sdk_account::Client::new(&config)
        .disable_region()
        .set_account_id(on_account)
        .region_name(&c.region)
        .send()
        .await
        .inspect(|o| note(rids, o))
        .map_err(|e| Error::aws("DisableRegion", on, e))?;
    Ok(())
}
