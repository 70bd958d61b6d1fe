//! Effective policies (issue 15 item 5): what AWS computes for an account from every management
//! policy of a type attached to it, its OUs and the root (DescribeEffectivePolicy), so that an
//! evidence bundle shows an auditor what applies, and `govern drift` lists it in its report.
//!
//! Request formula: DescribeEffectivePolicy A × K, A = the active accounts (of the shard, with
//! `--shard`), K = the management policy types org.toml declares a policy of that are enabled on
//! the root. SCPs and RCPs are left out: AWS computes effective policies for management policy
//! types only. A file without management policies reads none. The same for evidence and drift.

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt};

use crate::aws::Clients;
use crate::error::{Error, Result};
use crate::model::{AccountId, Actual, Desired, Grammar, PolicyKind};
use crate::plan::Shard;

use super::ORG_CONCURRENCY;

/// Each account's effective policy of each kind: its JSON, or None where AWS computes none
/// (EffectivePolicyNotFoundException: nothing of the kind applies to the account).
pub type Effective = BTreeMap<(AccountId, PolicyKind), Option<serde_json::Value>>;

pub async fn read(
    clients: &Clients,
    desired: &Desired,
    actual: &Actual,
    shard: Option<Shard>,
) -> Result<Effective> {
    let kinds: Vec<PolicyKind> = desired
        .managed_kinds()
        .into_iter()
        .filter(|k| k.grammar() == Grammar::Management && actual.enabled(*k))
        .collect();
    let jobs: Vec<(AccountId, PolicyKind)> = actual
        .accounts
        .iter()
        .filter(|(id, a)| a.status == "ACTIVE" && shard.is_none_or(|s| s.owns(id)))
        .flat_map(|(id, _)| kinds.iter().map(move |k| (id.clone(), *k)))
        .collect();
    let org = &clients.org;
    futures::stream::iter(jobs)
        .map(|(id, kind)| async move {
            let on = format!("account:{id}/{}", kind.prefix());
            let r = org
                .describe_effective_policy()
                .policy_type(aws_sdk_organizations::types::EffectivePolicyType::from(
                    kind.api_name(),
                ))
                .target_id(id.as_str())
                .send()
                .await;
            let value = match r {
                Ok(out) => out
                    .effective_policy()
                    .and_then(|p| p.policy_content())
                    .map(|c| {
                        serde_json::from_str(c).unwrap_or(serde_json::Value::String(c.into()))
                    }),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_effective_policy_not_found_exception()) =>
                {
                    None
                }
                Err(e) => return Err(Error::aws("DescribeEffectivePolicy", &on, e)),
            };
            Ok(((id, kind), value))
        })
        .buffer_unordered(ORG_CONCURRENCY)
        .try_collect()
        .await
}
