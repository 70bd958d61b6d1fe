//! AWS's uniqueness rules that moto lacks, which the [`Proxy`](crate::Proxy) enforces itself
//! (design.md §7: where govern relies on a behaviour, model the real one):
//! - CreateOrganizationalUnit: AWS refuses a second OU of one name under one parent with 400
//!   `DuplicateOrganizationalUnitException`; moto makes a twin.
//! - CreateAccount: AWS accepts the request (`IN_PROGRESS`) and fails it with `EMAIL_ALREADY_EXISTS`,
//!   which DescribeCreateAccountStatus shows, when an account already has the email; moto makes a
//!   second account.
//!
//! Both matter once an answer is lost ([`crate::Effect::LoseAnswer`]): the SDK retries a create that
//! already acted, and only these answers tell the caller so.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::responders::Reply;

/// Asks the emulator an Organizations question (awsJson `target`, e.g. `ListAccounts`) on the
/// caller's behalf; None when it cannot answer.
pub(crate) trait Upstream {
    async fn organizations(&self, target: &str, body: Value) -> Option<Value>;
}

/// The CreateAccount requests the proxy failed itself, by request id, with their final status.
#[derive(Debug, Default)]
pub(crate) struct Uniqueness {
    failed_accounts: Mutex<BTreeMap<String, Value>>,
}

impl Uniqueness {
    /// The answer AWS would give instead of the emulator's, if it differs.
    pub(crate) async fn check(
        &self,
        op: &str,
        body: &[u8],
        upstream: &impl Upstream,
    ) -> Option<Reply> {
        let request: Value = serde_json::from_slice(body).ok()?;
        match op {
            "organizations:CreateOrganizationalUnit" => {
                let parent = request["ParentId"].as_str()?;
                let name = request["Name"].as_str()?;
                let ous = pages(
                    upstream,
                    "ListOrganizationalUnitsForParent",
                    json!({ "ParentId": parent }),
                    "OrganizationalUnits",
                )
                .await?;
                ous.iter()
                    .any(|o| o["Name"].as_str() == Some(name))
                    .then(|| {
                        error(
                            "DuplicateOrganizationalUnitException",
                            "An OU with the same name already exists.",
                        )
                    })
            }
            "organizations:CreateAccount" => {
                let email = request["Email"].as_str()?;
                let name = request["AccountName"].as_str().unwrap_or_default();
                let accounts = pages(upstream, "ListAccounts", json!({}), "Accounts").await?;
                let taken = accounts.iter().any(|a| {
                    a["Email"]
                        .as_str()
                        .is_some_and(|e| e.eq_ignore_ascii_case(email))
                });
                if !taken {
                    return None;
                }
                let id = format!("car-proxy{:023x}", fastrand::u128(..) >> 36);
                let now = now();
                let status = |state: &str| json!({ "Id": id, "AccountName": name, "State": state, "RequestedTimestamp": now });
                let mut failed = status("FAILED");
                failed["FailureReason"] = json!("EMAIL_ALREADY_EXISTS");
                failed["CompletedTimestamp"] = json!(now);
                crate::proxy::lock(&self.failed_accounts).insert(id.clone(), failed);
                Some(ok(json!({ "CreateAccountStatus": status("IN_PROGRESS") })))
            }
            "organizations:DescribeCreateAccountStatus" => {
                let id = request["CreateAccountRequestId"].as_str()?;
                let status = crate::proxy::lock(&self.failed_accounts).get(id).cloned()?;
                Some(ok(json!({ "CreateAccountStatus": status })))
            }
            _ => None,
        }
    }
}

/// Every page of a list operation's `key`.
async fn pages(
    upstream: &impl Upstream,
    target: &str,
    request: Value,
    key: &str,
) -> Option<Vec<Value>> {
    let mut all = Vec::new();
    let mut request = request;
    loop {
        let page = upstream.organizations(target, request.clone()).await?;
        all.extend(page[key].as_array().cloned().unwrap_or_default());
        match page["NextToken"].as_str() {
            Some(token) if !token.is_empty() => request["NextToken"] = json!(token),
            _ => return Some(all),
        }
    }
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn ok(body: Value) -> Reply {
    Reply {
        status: 200,
        headers: vec![("content-type", "application/x-amz-json-1.1".to_string())],
        body: body.to_string().into_bytes(),
    }
}

fn error(code: &str, message: &str) -> Reply {
    Reply {
        status: 400,
        headers: vec![("content-type", "application/x-amz-json-1.1".to_string())],
        body: json!({ "__type": code, "Message": message })
            .to_string()
            .into_bytes(),
    }
}
