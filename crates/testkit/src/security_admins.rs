//! The security services' organization administrators, per service and Region, as GuardDuty,
//! Security Hub, Macie, Inspector and Detective keep them (issue 16 part 3).
//!
//! moto 5.2.5 implements the Enable call of GuardDuty, Security Hub, Macie and Inspector but not
//! all the rest: GuardDuty has ListOrganizationAdminAccounts but no DisableOrganizationAdminAccount
//! (and lists an account once per enable), Security Hub has neither, Macie has no Disable, and
//! Detective has none of the three. The proxy therefore passes each Enable of the first four to
//! moto (which checks what it checks: Security Hub the caller's organization and the account's
//! membership) and records it on success, answers Detective's Enable itself, and answers every
//! List and Disable from its record, as the services' API references document: one administrator
//! per organization and Region (an Enable naming another account while one is designated is
//! refused), and a Disable of an account that is not the administrator is refused the same way.
//! Detective's Disable names no account: it removes the one there is.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::responders::Reply;

/// What an operation is to [`SecurityAdmins`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdminOp {
    Enable,
    Disable,
    List,
}

/// The two services' operations (restJson: named by method and path).
pub(crate) fn admin_op(op: &str) -> Option<(&'static str, AdminOp)> {
    Some(match op {
        "guardduty:POST /admin/enable" => ("guardduty", AdminOp::Enable),
        "guardduty:POST /admin/disable" => ("guardduty", AdminOp::Disable),
        "guardduty:GET /admin" => ("guardduty", AdminOp::List),
        "securityhub:POST /organization/admin/enable" => ("securityhub", AdminOp::Enable),
        "securityhub:POST /organization/admin/disable" => ("securityhub", AdminOp::Disable),
        "securityhub:GET /organization/admin" => ("securityhub", AdminOp::List),
        "macie2:POST /admin" => ("macie2", AdminOp::Enable),
        "macie2:DELETE /admin" => ("macie2", AdminOp::Disable),
        "macie2:GET /admin" => ("macie2", AdminOp::List),
        "inspector2:POST /delegatedadminaccounts/enable" => ("inspector2", AdminOp::Enable),
        "inspector2:POST /delegatedadminaccounts/disable" => ("inspector2", AdminOp::Disable),
        "inspector2:POST /delegatedadminaccounts/list" => ("inspector2", AdminOp::List),
        "detective:POST /orgs/enableAdminAccount" => ("detective", AdminOp::Enable),
        "detective:POST /orgs/disableAdminAccount" => ("detective", AdminOp::Disable),
        "detective:POST /orgs/adminAccountslist" => ("detective", AdminOp::List),
        _ => return None,
    })
}

#[derive(Debug, Default)]
pub struct SecurityAdmins {
    /// (service, Region) → the administrator's account id.
    admins: Mutex<BTreeMap<(String, String), String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The account id an Enable or Disable names: in the body (GuardDuty and Macie `adminAccountId`,
/// Security Hub `AdminAccountId`, Inspector `delegatedAdminAccountId`, Detective `AccountId`), or,
/// for Macie's Disable (a DELETE), in the query string.
fn account_in(service: &str, body: &[u8]) -> Option<String> {
    let key = match service {
        "guardduty" | "macie2" => "adminAccountId",
        "inspector2" => "delegatedAdminAccountId",
        "detective" => "AccountId",
        _ => "AdminAccountId",
    };
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        if let Some(id) = v.get(key).and_then(Value::as_str) {
            return Some(id.to_string());
        }
    }
    let query = std::str::from_utf8(body).ok()?;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .map(str::to_string)
}

/// Whether moto takes this service's Enable (Detective has no admin calls in moto).
pub(crate) fn moto_enables(service: &str) -> bool {
    service != "detective"
}

fn refusal(service: &str, message: &str) -> Reply {
    let code = match service {
        "guardduty" => "BadRequestException",
        "securityhub" => "InvalidInputException",
        "detective" => "ValidationException",
        _ => "ConflictException",
    };
    Reply {
        status: 400,
        headers: vec![
            ("content-type", "application/json".to_string()),
            ("x-amzn-errortype", code.to_string()),
        ],
        body: json!({ "__type": code, "message": message, "Message": message })
            .to_string()
            .into_bytes(),
    }
}

fn ok(body: Value) -> Reply {
    Reply {
        status: 200,
        headers: vec![("content-type", "application/json".to_string())],
        body: body.to_string().into_bytes(),
    }
}

impl SecurityAdmins {
    /// The administrator of `service` ("guardduty", "securityhub") in `region`.
    pub fn get(&self, service: &str, region: &str) -> Option<String> {
        lock(&self.admins)
            .get(&(service.to_string(), region.to_string()))
            .cloned()
    }

    /// Sets (or, `None`, removes) an administrator out of band, as another tool would.
    pub fn set(&self, service: &str, region: &str, admin: Option<&str>) {
        let key = (service.to_string(), region.to_string());
        let mut admins = lock(&self.admins);
        match admin {
            Some(a) => {
                admins.insert(key, a.to_string());
            }
            None => {
                admins.remove(&key);
            }
        }
    }

    /// Before an Enable goes to moto: the refusal of a second administrator, if it is one.
    pub(crate) fn refuse_enable(&self, service: &str, region: &str, body: &[u8]) -> Option<Reply> {
        let account = account_in(service, body)?;
        match self.get(service, region) {
            Some(current) if current != account => Some(refusal(
                service,
                &format!(
                    "The organization already has a delegated administrator account ({current}) in this Region."
                ),
            )),
            _ => None,
        }
    }

    /// After moto accepted an Enable.
    pub(crate) fn enabled(&self, service: &str, region: &str, body: &[u8]) {
        if let Some(account) = account_in(service, body) {
            self.set(service, region, Some(&account));
        }
    }

    /// ListOrganizationAdminAccounts, or DisableOrganizationAdminAccount.
    pub(crate) fn answer(&self, service: &str, op: AdminOp, region: &str, body: &[u8]) -> Reply {
        let current = self.get(service, region);
        match op {
            AdminOp::List => {
                let listed: Vec<Value> = current
                    .iter()
                    .map(|a| match service {
                        "guardduty" => json!({ "adminAccountId": a, "adminStatus": "ENABLED" }),
                        "macie2" | "inspector2" => json!({ "accountId": a, "status": "ENABLED" }),
                        "detective" => {
                            json!({ "AccountId": a, "DelegationTime": "2026-01-01T00:00:00Z" })
                        }
                        _ => json!({ "AccountId": a, "Status": "ENABLED" }),
                    })
                    .collect();
                ok(match service {
                    "guardduty" => json!({ "adminAccounts": listed }),
                    "macie2" => json!({ "adminAccounts": listed }),
                    "inspector2" => json!({ "delegatedAdminAccounts": listed }),
                    "detective" => json!({ "Administrators": listed }),
                    _ => json!({ "AdminAccounts": listed }),
                })
            }
            AdminOp::Enable if !moto_enables(service) => {
                if let Some(refused) = self.refuse_enable(service, region, body) {
                    return refused;
                }
                self.enabled(service, region, body);
                ok(json!({}))
            }
            // Detective's Disable names no account: the administrator there is, if any.
            AdminOp::Disable if service == "detective" => {
                self.set(service, region, None);
                ok(json!({}))
            }
            AdminOp::Disable | AdminOp::Enable => {
                let account = account_in(service, body);
                if account.is_some() && account == current {
                    self.set(service, region, None);
                    ok(json!({}))
                } else {
                    refusal(
                        service,
                        "The account is not the delegated administrator account of the organization in this Region.",
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_administrator_per_service_and_region() {
        let s = SecurityAdmins::default();
        let a = br#"{"adminAccountId":"222222222222"}"#;
        let b = br#"{"adminAccountId":"333333333333"}"#;
        assert!(s.refuse_enable("guardduty", "us-east-1", a).is_none());
        s.enabled("guardduty", "us-east-1", a);
        assert!(
            s.refuse_enable("guardduty", "us-east-1", a).is_none(),
            "the same again"
        );
        let r = s
            .refuse_enable("guardduty", "us-east-1", b)
            .expect("a second one");
        assert_eq!(r.status, 400);
        assert!(
            s.refuse_enable("guardduty", "eu-west-1", b).is_none(),
            "per Region"
        );
        let listed = s.answer("guardduty", AdminOp::List, "us-east-1", b"");
        assert!(String::from_utf8(listed.body)
            .unwrap()
            .contains("222222222222"));
        assert_eq!(
            s.answer("guardduty", AdminOp::Disable, "us-east-1", b)
                .status,
            400
        );
        assert_eq!(
            s.answer("guardduty", AdminOp::Disable, "us-east-1", a)
                .status,
            200
        );
        assert_eq!(s.get("guardduty", "us-east-1"), None);
        let hub = br#"{"AdminAccountId":"222222222222"}"#;
        s.enabled("securityhub", "us-east-1", hub);
        let listed = s.answer("securityhub", AdminOp::List, "us-east-1", b"");
        assert!(String::from_utf8(listed.body)
            .unwrap()
            .contains(r#""AccountId":"222222222222""#));
    }
}
