//! Account names, answered by the proxy: moto 5.2.5 has no Account Management PutAccountName
//! (its `account` backend answers alternate contacts only), so the proxy takes PutAccountName,
//! keeps the name per account, and writes it into the `Name` of moto's Organizations answers
//! (DescribeAccount, ListAccounts, ListAccountsForParent), as AWS shows a renamed account.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::Value;

use crate::proxy::{json_error, lock};
use crate::responders::Reply;

/// The names PutAccountName set, by account id.
#[derive(Debug, Default)]
pub struct AccountNames {
    names: Mutex<BTreeMap<String, String>>,
}

/// The Organizations answers whose accounts carry a `Name`.
const PATCHED: &[&str] = &[
    "organizations:DescribeAccount",
    "organizations:ListAccounts",
    "organizations:ListAccountsForParent",
];

/// AccountName as the Account Management API reference gives it (PutAccountName: length 1 to
/// 50, pattern `[ -;=?-~]+`).
fn valid(name: &str) -> bool {
    (1..=50).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| (' '..='~').contains(&c) && c != '<' && c != '>')
}

impl AccountNames {
    /// PutAccountName by `caller`: its own account without AccountId, else the one named (the
    /// proxy does not model the trusted access AWS needs for that).
    pub(crate) fn put(&self, caller: &str, body: &[u8]) -> Reply {
        let input: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let Some(name) = input.get("AccountName").and_then(Value::as_str) else {
            return json_error(400, "ValidationException", "AccountName is required");
        };
        if !valid(name) {
            return json_error(
                400,
                "ValidationException",
                "1 validation error detected: Value at 'accountName' failed to satisfy constraint",
            );
        }
        let account = input
            .get("AccountId")
            .and_then(Value::as_str)
            .unwrap_or(caller);
        lock(&self.names).insert(account.to_string(), name.to_string());
        Reply::json(200, &serde_json::json!({}))
    }

    /// moto's answer to `op` with the names PutAccountName set; None when nothing changes.
    pub(crate) fn patch(&self, op: &str, body: &[u8]) -> Option<Vec<u8>> {
        if !PATCHED.contains(&op) {
            return None;
        }
        let names = lock(&self.names);
        if names.is_empty() {
            return None;
        }
        let mut answer: Value = serde_json::from_slice(body).ok()?;
        let rename = |a: &mut Value| {
            let id = a.get("Id").and_then(Value::as_str).map(str::to_string);
            if let Some(name) = id.and_then(|id| names.get(&id)) {
                a["Name"] = Value::String(name.clone());
            }
        };
        if let Some(a) = answer.get_mut("Account") {
            rename(a);
        }
        if let Some(list) = answer.get_mut("Accounts").and_then(Value::as_array_mut) {
            list.iter_mut().for_each(rename);
        }
        serde_json::to_vec(&answer).ok()
    }
}
