//! The security services' organization administrators, per service and Region, as GuardDuty and
//! Security Hub keep them (issue 16 part 3).
//!
//! moto 5.2.5 implements EnableOrganizationAdminAccount for both services but not the rest:
//! GuardDuty has ListOrganizationAdminAccounts but no DisableOrganizationAdminAccount (and lists an
//! account once per enable), Security Hub has neither. The proxy therefore passes each Enable to
//! moto (which checks what it checks: Security Hub the caller's organization and the account's
//! membership) and records it on success, and answers List and Disable itself, as the GuardDuty
//! and Security Hub API references document: one administrator per organization and Region (an
//! Enable naming another account while one is designated is refused: GuardDuty
//! BadRequestException, Security Hub InvalidInputException), a Disable of an account that is not
//! the administrator is refused the same way.

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

/// The account id in an Enable or Disable body (GuardDuty `adminAccountId`, Security Hub
/// `AdminAccountId`).
fn account_in(service: &str, body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let key = if service == "guardduty" {
        "adminAccountId"
    } else {
        "AdminAccountId"
    };
    v.get(key)?.as_str().map(str::to_string)
}

fn refusal(service: &str, message: &str) -> Reply {
    let code = if service == "guardduty" {
        "BadRequestException"
    } else {
        "InvalidInputException"
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
                    .map(|a| {
                        if service == "guardduty" {
                            json!({ "adminAccountId": a, "adminStatus": "ENABLED" })
                        } else {
                            json!({ "AccountId": a, "Status": "ENABLED" })
                        }
                    })
                    .collect();
                if service == "guardduty" {
                    ok(json!({ "adminAccounts": listed }))
                } else {
                    ok(json!({ "AdminAccounts": listed }))
                }
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
        assert!(s.refuse_enable("guardduty", "us-east-1", a).is_none(), "the same again");
        let r = s.refuse_enable("guardduty", "us-east-1", b).expect("a second one");
        assert_eq!(r.status, 400);
        assert!(s.refuse_enable("guardduty", "eu-west-1", b).is_none(), "per Region");
        let listed = s.answer("guardduty", AdminOp::List, "us-east-1", b"");
        assert!(String::from_utf8(listed.body).unwrap().contains("222222222222"));
        assert_eq!(s.answer("guardduty", AdminOp::Disable, "us-east-1", b).status, 400);
        assert_eq!(s.answer("guardduty", AdminOp::Disable, "us-east-1", a).status, 200);
        assert_eq!(s.get("guardduty", "us-east-1"), None);
        let hub = br#"{"AdminAccountId":"222222222222"}"#;
        s.enabled("securityhub", "us-east-1", hub);
        let listed = s.answer("securityhub", AdminOp::List, "us-east-1", b"");
        assert!(String::from_utf8(listed.body)
            .unwrap()
            .contains(r#""AccountId":"222222222222""#));
    }
}
