//! The strict layer's behaviour for AWS Security Hub.
//!
//! [`Behaviour::SecurityHubSubscription`]: BatchImportFindings (`POST /findings/import`) from an
//! account that has not enabled Security Hub in the request's Region is refused with HTTP 401
//! `InvalidAccessException` ("Account … is not subscribed to AWS Security Hub"), as AWS answers
//! (Security Hub API reference, BatchImportFindings, Errors: InvalidAccessException — "The account
//! doesn't have permission to perform this action", returned when Security Hub is not enabled).
//! moto 5.2.5 imports findings into any account (its `batch_import_findings` checks only that a
//! finding has Resources). The layer learns an account is subscribed when it sees EnableSecurityHub
//! (`POST /accounts`) answered 200 through the proxy, or from [`State::subscribe`] in a test that
//! seeded the emulator directly; DisableSecurityHub (`DELETE /accounts`) unsubscribes.
//!
//! Not modelled: that AWS also refuses, finding by finding, a finding whose AwsAccountId is neither
//! the caller nor an account the caller administers (govern sends each account's findings from its
//! own session, so it never asks).

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde_json::json;

use super::{Behaviour, Call, Strict};
use crate::proxy::lock;
use crate::responders::Reply;

/// Which (account, Region) pairs have Security Hub enabled, as far as the proxy saw.
#[derive(Debug, Default)]
pub struct State {
    subscribed: Mutex<BTreeSet<(String, String)>>,
}

const IMPORT: &str = "securityhub:POST /findings/import";
const ENABLE: &str = "securityhub:POST /accounts";
const DISABLE: &str = "securityhub:DELETE /accounts";

impl State {
    /// Security Hub enabled in `account` in `region` (for accounts enabled without the proxy).
    pub fn subscribe(&self, account: &str, region: &str) {
        lock(&self.subscribed).insert((account.to_string(), region.to_string()));
    }

    pub fn reset(&self) {
        lock(&self.subscribed).clear();
    }

    pub(crate) fn before(&self, strict: &Strict, call: &Call<'_>) -> Option<Reply> {
        if !strict.has(Behaviour::SecurityHubSubscription) || call.op != IMPORT {
            return None;
        }
        let region = call.region.clone().unwrap_or_default();
        if lock(&self.subscribed).contains(&(call.caller.clone(), region)) {
            return None;
        }
        Some(Reply {
            status: 401,
            headers: vec![
                ("content-type", "application/json".to_string()),
                ("x-amzn-errortype", "InvalidAccessException".to_string()),
            ],
            body: json!({
                "Code": "InvalidAccessException",
                "Message": format!(
                    "Account {} is not subscribed to AWS Security Hub",
                    call.caller
                ),
            })
            .to_string()
            .into_bytes(),
        })
    }

    pub(crate) fn after(&self, strict: &Strict, call: &Call<'_>, status: u16) {
        if !strict.has(Behaviour::SecurityHubSubscription) || status != 200 {
            return;
        }
        let key = (call.caller.clone(), call.region.clone().unwrap_or_default());
        match call.op {
            ENABLE => {
                lock(&self.subscribed).insert(key);
            }
            DISABLE => {
                lock(&self.subscribed).remove(&key);
            }
            _ => {}
        }
    }
}
