//! One apply at a time per organization, across machines.
//!
//! The lock lives in the organization itself, so every process that can apply can see it: an
//! unattached SCP named [`LOCK_POLICY`]. CreatePolicy refuses a second policy of the same name
//! (DuplicatePolicyException), which makes taking the lock atomic without any other service or
//! shared file. The description records who holds it, since when and until when; a lock past its
//! expiry is stale and can be broken explicitly with `--break-lock`. The policy allows everything
//! and is never attached, so it changes no permission.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_organizations::types::PolicyType;
use aws_sdk_organizations::Client;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use crate::model::LOCK_POLICY;
/// How long a lock stays valid without its holder; applies of large organizations take minutes.
pub const LOCK_TTL: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub holder: String,
    /// Seconds since the Unix epoch.
    pub started: u64,
    pub expires: u64,
}

/// A held lock; call [`Lock::release`] when done (an unreleased lock expires after [`LOCK_TTL`]).
pub struct Lock {
    policy_id: String,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `user@host pid N`, for the message another process shows.
pub fn this_process() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into());
    format!("{user}@{host} pid {}", std::process::id())
}

const DOCUMENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

pub async fn acquire(org: &Client, holder: &str, break_stale: bool) -> Result<Lock> {
    let started = now();
    let me = Holder {
        holder: holder.to_string(),
        started,
        expires: started + LOCK_TTL.as_secs(),
    };
    let description = serde_json::to_string(&me).expect("serializes");
    for attempt in 0..2 {
        let r = org
            .create_policy()
            .name(LOCK_POLICY)
            .r#type(PolicyType::ServiceControlPolicy)
            .content(DOCUMENT)
            .description(&description)
            .send()
            .await;
        match r {
            Ok(out) => {
                let policy_id = out
                    .policy()
                    .and_then(|p| p.policy_summary())
                    .and_then(|s| s.id())
                    .unwrap_or_default()
                    .to_string();
                return Ok(Lock { policy_id });
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_duplicate_policy_exception()) =>
            {
                let (id, other) = current(org).await?;
                let stale = other.as_ref().is_none_or(|h| h.expires < now());
                if break_stale && attempt == 0 {
                    eprintln!(
                        "breaking the apply lock held by {} ({})",
                        other
                            .as_ref()
                            .map(|h| h.holder.as_str())
                            .unwrap_or("an unknown holder"),
                        if stale { "stale" } else { "not yet expired" }
                    );
                    delete(org, &id).await?;
                    continue;
                }
                return Err(held(other, stale));
            }
            Err(e) => return Err(Error::aws("CreatePolicy", LOCK_POLICY, e)),
        }
    }
    Err(Error::Refused {
        message: "another apply took the lock again right after it was broken".into(),
        hint: None,
    })
}

fn held(other: Option<Holder>, stale: bool) -> Error {
    let who = match &other {
        Some(h) => format!(
            "{} since {} (expires {})",
            h.holder,
            crate::apply::record::rfc3339(h.started),
            crate::apply::record::rfc3339(h.expires)
        ),
        None => "an unknown holder".into(),
    };
    Error::Refused {
        message: format!("another govern apply holds the organization's lock: {who}"),
        hint: Some(if stale {
            "the lock has expired: if that apply is gone, run again with --break-lock".into()
        } else {
            "wait for it to finish; if it died, `govern apply --break-lock` takes the lock over"
                .into()
        }),
    }
}

async fn current(org: &Client) -> Result<(String, Option<Holder>)> {
    let mut pages = org
        .list_policies()
        .filter(PolicyType::ServiceControlPolicy)
        .max_results(crate::discover::PAGE_SIZE)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::aws("ListPolicies", LOCK_POLICY, e))?;
        if let Some(p) = page
            .policies()
            .iter()
            .find(|p| p.name() == Some(LOCK_POLICY))
        {
            let holder = p
                .description()
                .and_then(|d| serde_json::from_str::<Holder>(d).ok());
            return Ok((p.id().unwrap_or_default().to_string(), holder));
        }
    }
    Err(Error::Refused {
        message: "the apply lock was released while govern was reading it; run again".into(),
        hint: None,
    })
}

async fn delete(org: &Client, id: &str) -> Result<()> {
    org.delete_policy()
        .policy_id(id)
        .send()
        .await
        .map_err(|e| Error::aws("DeletePolicy", LOCK_POLICY, e))?;
    Ok(())
}

impl Lock {
    pub async fn release(self, org: &Client) -> Result<()> {
        delete(org, &self.policy_id).await
    }
}
