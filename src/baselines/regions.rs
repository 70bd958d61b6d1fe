//! Opt-in regions through the Account API (`govern_core::baselines::regions` for the rule).

use aws_sdk_account::types::RegionOptStatus;

use super::{note, why, At};
use crate::error::{Error, Result};
use crate::model::MemberState;
use govern_core::baselines::regions::DisableRegion;

/// The account's usable and changing Regions: opted in (ENABLED), enabled by default, and those
/// with an opt-in change in progress (ENABLING, DISABLING: they count against the quotas). A
/// Region not listed is DISABLED. KMS and Secrets Manager are read only in the usable ones. One
/// page of at most 50 (AWS has fewer Regions).
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
        .region_opt_status_contains(RegionOptStatus::Disabling)
        .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
        .max_results(50)
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

/// DisableRegion: 1 request a second per account (the session's gates in aws::throttle). The
/// quotas of 6 opt-in changes in progress per account and 50 per organization count changes that
/// run for minutes to hours after the request: the planner keeps within them
/// (`govern_core::baselines::regions`).
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
