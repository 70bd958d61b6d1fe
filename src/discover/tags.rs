//! Tags of OUs and accounts (policies' tags are read with the policies, in `organization.rs`).
//!
//! Request formula: ListTagsForResource T (one page each: at most 50 tags, under the page size),
//! T = the OUs and accounts org.toml declares `tags` for that exist (plan, drift, apply's
//! verification, evidence), or every OU and account (import). A file without `tags` reads none.

use std::collections::BTreeSet;

use futures::{StreamExt, TryStreamExt};

use crate::aws::Clients;
use crate::error::{Error, Result};
use crate::model::{Actual, Desired, Tags, TargetKey};

use super::ORG_CONCURRENCY;

/// The existing OUs and accounts whose `tags` org.toml declares (an account matched by id, else
/// by email, as the planner matches it).
pub fn declared(desired: &Desired, actual: &Actual) -> BTreeSet<TargetKey> {
    let mut out = BTreeSet::new();
    for (path, ou) in &desired.ous {
        if ou.tags.is_none() {
            continue;
        }
        // An OU a `[[moved]]` renames is read under the path it has now.
        let now = desired
            .moved_ous
            .iter()
            .find(|m| m.to == *path && !actual.ous.contains_key(path))
            .map_or(path, |m| &m.from);
        if actual.ous.contains_key(now) {
            out.insert(TargetKey::Ou(now.clone()));
        }
    }
    for a in desired.accounts.values().filter(|a| a.tags.is_some()) {
        let id = match &a.id {
            Some(id) => actual.accounts.contains_key(id).then(|| id.clone()),
            None => actual
                .account_by_email(a.email.as_str())
                .map(|(id, _)| id.clone()),
        };
        if let Some(id) = id {
            out.insert(TargetKey::Account(id));
        }
    }
    out
}

/// Every OU and account (import).
pub fn everything(actual: &Actual) -> BTreeSet<TargetKey> {
    let ous = actual.ous.keys().cloned().map(TargetKey::Ou);
    let accounts = actual.accounts.keys().cloned().map(TargetKey::Account);
    ous.chain(accounts).collect()
}

/// Reads the tags of `which` into `actual.tags`.
pub async fn tags(
    clients: &Clients,
    actual: &mut Actual,
    which: BTreeSet<TargetKey>,
) -> Result<()> {
    let org = &clients.org;
    let jobs: Vec<(TargetKey, String)> = which
        .into_iter()
        .filter_map(|key| {
            let id = match &key {
                TargetKey::Ou(path) => actual.ous.get(path)?.id.clone(),
                TargetKey::Account(id) => id.to_string(),
                TargetKey::Root => actual.root_id.clone(),
            };
            Some((key, id))
        })
        .collect();
    let read: Vec<(TargetKey, Tags)> = futures::stream::iter(jobs)
        .map(|(key, id)| async move {
            let on = key.to_string();
            let tags: Tags = org
                .list_tags_for_resource()
                .resource_id(&id)
                .into_paginator()
                .send()
                .collect::<std::result::Result<Vec<_>, _>>()
                .await
                .map_err(|e| Error::aws("ListTagsForResource", &on, e))?
                .into_iter()
                .flat_map(|page| page.tags.unwrap_or_default())
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            Ok::<_, Error>((key, tags))
        })
        .buffer_unordered(ORG_CONCURRENCY)
        .try_collect()
        .await?;
    actual.tags.extend(read);
    Ok(())
}
