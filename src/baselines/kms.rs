//! KMS keys in one region of one account (`govern_core::baselines::kms` for the rule).
//!
//! Requests (K = keys, Km = keys whose rotation govern manages): ListKeys 1 a page of 1,000 +
//! DescribeKey K + GetKeyRotationStatus Km.

use futures::StreamExt;

use super::{note, why, At, Refusal};
use crate::aws::in_region;
use crate::error::{Error, Result};
use crate::model::{AccountId, Address, BaselineKind, KmsKey, MemberState, Unread};
use govern_core::baselines::kms::{skip_reason, EnableKeyRotation};

/// The region's keys into `state.keys`. A key AWS will not describe (its key policy can shut the
/// account out whatever IAM allows) is unread on its own; a refused ListKeys fails the region.
pub async fn read(
    kms: &aws_sdk_kms::Client,
    account: &AccountId,
    region: &str,
    state: &mut MemberState,
) -> std::result::Result<(), Refusal> {
    let mut pages = kms.list_keys().limit(1000).into_paginator().send();
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Refusal::of("ListKeys", e))?;
        ids.extend(
            page.keys()
                .iter()
                .filter_map(|k| k.key_id().map(str::to_string)),
        );
    }
    let unread = |id: &str, reason: String| Unread {
        address: Address::Key {
            account: account.clone(),
            region: region.to_string(),
            key_id: id.to_string(),
        },
        baselines: [BaselineKind::Kms].into(),
        reason,
        refused: true,
    };
    // Keys are described a few at a time (KMS counts DescribeKey 2,000/s and
    // GetKeyRotationStatus 1,000/s per account and Region; the gate caps requests in flight at
    // 16), kept in ListKeys' order.
    let mut keys = futures::stream::iter(ids.into_iter().map(|id| read_key(kms, id, region)))
        .buffered(KEYS_IN_FLIGHT);
    while let Some(read) = keys.next().await {
        match read {
            Ok(Some(key)) => state.keys.push(key),
            Ok(None) => {}
            Err((id, reason)) => state.unread.push(unread(&id, reason)),
        }
    }
    Ok(())
}

/// An enum from KMS's answer as its text; empty when KMS left it out.
fn text<T: AsRef<str>>(value: Option<&T>) -> String {
    value.map(|v| v.as_ref().to_string()).unwrap_or_default()
}

/// Keys described at once in one Region of one account.
const KEYS_IN_FLIGHT: usize = 8;

/// One key: DescribeKey, then GetKeyRotationStatus when govern manages its rotation. A refused
/// read is the key id and the reason (the key is unread on its own).
async fn read_key(
    kms: &aws_sdk_kms::Client,
    id: String,
    region: &str,
) -> std::result::Result<Option<KmsKey>, (String, String)> {
    let d = match kms.describe_key().key_id(&id).send().await {
        Ok(d) => d,
        Err(e) => return Err((id, why("DescribeKey", e))),
    };
    let Some(m) = d.key_metadata() else {
        return Ok(None);
    };
    let multi = m.multi_region_configuration();
    let mut key = KmsKey {
        region: region.to_string(),
        id: id.clone(),
        arn: m.arn().unwrap_or_default().to_string(),
        manager: text(m.key_manager()),
        spec: text(m.key_spec()),
        usage: text(m.key_usage()),
        origin: text(m.origin()),
        state: text(m.key_state()),
        rotation_enabled: None,
        rotation_period_days: None,
        multi_region: multi
            .and_then(|c| c.multi_region_key_type())
            .map(|t| t.as_str().to_string()),
        primary_region: multi
            .and_then(|c| c.primary_key())
            .and_then(|p| p.region())
            .map(str::to_string),
    };
    if skip_reason(&key).is_none() {
        match kms.get_key_rotation_status().key_id(&id).send().await {
            Ok(r) => {
                key.rotation_enabled = Some(r.key_rotation_enabled());
                key.rotation_period_days = r
                    .rotation_period_in_days()
                    .and_then(|d| u32::try_from(d).ok());
            }
            Err(e) => {
                // Unread rather than "rotation off": planning EnableKeyRotation on a guess
                // would be wrong.
                return Err((id, why("GetKeyRotationStatus", e)));
            }
        }
    }
    Ok(Some(key))
}

/// EnableKeyRotation with RotationPeriodInDays, inside the account.
pub async fn write(
    c: &EnableKeyRotation,
    at: &At<'_>,
    on: &str,
    rids: &mut Vec<String>,
) -> Result<()> {
    let config = at.inside().await?;
    aws_sdk_kms::Client::new(&in_region(&config, &c.region))
        .enable_key_rotation()
        .key_id(&c.key_id)
        .rotation_period_in_days(c.period_days as i32)
        .send()
        .await
        .inspect(|o| note(rids, o))
        .map_err(|e| Error::aws("EnableKeyRotation", on, e))?;
    Ok(())
}
