//! The strict layer's behaviours for the Organizations API (and the reads after a write elsewhere).
//!
//! What each models, and the AWS documentation it follows:
//! - [`Behaviour::TransientOrganizationsErrors`]: the first attempt of every Organizations write is
//!   answered `ConcurrentModificationException` ("The target of the operation is currently being
//!   modified by a different request. Try again later."), and of CreateAccount
//!   `FinalizingOrganizationException` ("AWS Organizations couldn't perform the operation because
//!   your organization hasn't finished initializing … Try again later"), as AWS does after a recent
//!   change (Organizations API reference, Common errors of each write operation). Neither is in the
//!   SDK's retry lists. The attempt did not act; the same request sent again goes through.
//! - [`Behaviour::AsyncAccountCreation`]: DescribeCreateAccountStatus answers
//!   `CreateAccountStatusNotFoundException` for the first [`NOT_FOUND_POLLS`] polls of a request and
//!   `IN_PROGRESS` for the next [`IN_PROGRESS_POLLS`] (CreateAccount "is an asynchronous request";
//!   the status is eventually consistent). After SUCCEEDED, AssumeRole of the new account's role is
//!   refused [`ROLE_DENIALS`] times ("it might take several minutes before you can … access the
//!   account", CreateAccount API reference), and a role other than the RoleName the CreateAccount
//!   sent (OrganizationAccountAccessRole when it sent none) is always refused: AWS creates only that
//!   role in the new account.
//! - [`Behaviour::AsyncPolicyTypes`]: after EnablePolicyType, the root lists the type as
//!   `PENDING_ENABLE` for the next [`PENDING_READS`] ListRoots reads (PolicyTypeSummary.Status:
//!   ENABLED | PENDING_ENABLE | PENDING_DISABLE), and AttachPolicy answers
//!   `PolicyTypeNotEnabledException` until the type reads ENABLED.
//! - [`Behaviour::StaleReads`]: after a write, a read of what it wrote answers what it answered
//!   before the write for the next [`STALE_READS`] reads ("Organizations is eventually consistent";
//!   KMS: "changes … might not be visible immediately", Eventual consistency in the KMS developer
//!   guide; Secrets Manager likewise). Writes and the reads they make stale: Organizations
//!   UpdatePolicy, Attach/DetachPolicy, TagResource, EnableAWSServiceAccess,
//!   RegisterDelegatedAdministrator; KMS Enable/DisableKeyRotation; Secrets Manager RotateSecret;
//!   Account PutAlternateContact.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use bytes::Bytes;
use serde_json::Value;

use super::{Behaviour, Call, Strict};
use crate::proxy::{json_error, lock, xml_error};
use crate::responders::{form_param, Reply};

/// DescribeCreateAccountStatus polls of one request answered CreateAccountStatusNotFoundException.
pub const NOT_FOUND_POLLS: u32 = 2;
/// Polls after those answered IN_PROGRESS.
pub const IN_PROGRESS_POLLS: u32 = 2;
/// AssumeRole attempts into a new account refused after it SUCCEEDED.
pub const ROLE_DENIALS: u32 = 3;
/// ListRoots reads that still show a newly enabled policy type PENDING_ENABLE.
pub const PENDING_READS: u32 = 2;
/// Reads of a written resource that still answer the old value.
pub const STALE_READS: u32 = 2;

/// The role AWS creates in an account CreateAccount made without a RoleName.
const DEFAULT_ROLE: &str = "OrganizationAccountAccessRole";

/// Organizations writes whose first attempt is answered a transient error.
const WRITES: &[&str] = &[
    "AttachPolicy",
    "CreateAccount",
    "CreateOrganizationalUnit",
    "CreatePolicy",
    "DeletePolicy",
    "DetachPolicy",
    "EnableAWSServiceAccess",
    "EnablePolicyType",
    "MoveAccount",
    "RegisterDelegatedAdministrator",
    "TagResource",
    "UpdatePolicy",
];

/// What these behaviours remember.
#[derive(Debug, Default)]
pub struct State {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Writes (operation and body) already answered a transient error once.
    faulted: HashSet<String>,
    /// CreateAccount request id → the role it asked for.
    requested_roles: HashMap<String, String>,
    /// CreateAccount request id → status polls seen.
    polls: HashMap<String, u32>,
    /// New account → (its one role, AssumeRole refusals left).
    new_accounts: HashMap<String, (String, u32)>,
    /// Policy type → ListRoots reads left that show it PENDING_ENABLE.
    pending: HashMap<String, u32>,
    /// Read key → its last answer.
    reads: HashMap<String, Bytes>,
    /// Read key → (the answer from before the write, stale reads left).
    stale: HashMap<String, (Bytes, u32)>,
}

impl State {
    /// Forgets everything (the emulator was reset: ids and answers are the next organization's).
    pub fn reset(&self) {
        *lock(&self.inner) = Inner::default();
    }

    pub(crate) fn before(&self, strict: &Strict, call: &Call<'_>) -> Option<Reply> {
        let mut inner = lock(&self.inner);
        if strict.has(Behaviour::AsyncAccountCreation) {
            if let Some(reply) = inner.account_before(call) {
                return Some(reply);
            }
        }
        if strict.has(Behaviour::AsyncPolicyTypes)
            && call.op == "organizations:AttachPolicy"
            && inner.pending.values().any(|n| *n > 0)
        {
            return Some(json_error(
                400,
                "PolicyTypeNotEnabledException",
                "This operation can be performed only for enabled policy types.",
            ));
        }
        if strict.has(Behaviour::TransientOrganizationsErrors) {
            let name = call.op.strip_prefix("organizations:")?;
            if WRITES.contains(&name) {
                let key = format!("{}\n{}", call.op, String::from_utf8_lossy(call.body));
                if inner.faulted.insert(key) {
                    return Some(if name == "CreateAccount" {
                        json_error(
                            400,
                            "FinalizingOrganizationException",
                            "AWS Organizations couldn't perform the operation because your \
                             organization hasn't finished initializing. This can take up to an \
                             hour. Try again later.",
                        )
                    } else {
                        json_error(
                            400,
                            "ConcurrentModificationException",
                            "The target of the operation is currently being modified by a \
                             different request. Try again later.",
                        )
                    });
                }
            }
        }
        None
    }

    pub(crate) fn after(&self, strict: &Strict, call: &Call<'_>, status: u16, body: &mut Bytes) {
        if status != 200 {
            return;
        }
        let mut inner = lock(&self.inner);
        if strict.has(Behaviour::AsyncAccountCreation) {
            inner.account_after(call, body);
        }
        if strict.has(Behaviour::AsyncPolicyTypes) {
            inner.policy_types_after(call, body);
        }
        if strict.has(Behaviour::StaleReads) {
            inner.stale_after(call, body);
        }
    }
}

fn json(body: &[u8]) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

fn text(v: &Value, field: &str) -> Option<String> {
    v.get(field).and_then(Value::as_str).map(str::to_string)
}

impl Inner {
    fn account_before(&mut self, call: &Call<'_>) -> Option<Reply> {
        match call.op {
            "organizations:DescribeCreateAccountStatus" => {
                let id = text(&json(call.body)?, "CreateAccountRequestId")?;
                let polls = self.polls.entry(id).or_insert(0);
                *polls += 1;
                (*polls <= NOT_FOUND_POLLS).then(|| {
                    json_error(
                        400,
                        "CreateAccountStatusNotFoundException",
                        "We can't find an create account request with the CreateAccountRequestId \
                         that you specified.",
                    )
                })
            }
            "sts:AssumeRole" => {
                let arn = form_param(call.body, "RoleArn")?;
                // arn:aws:iam::<account>:role/<name>
                let account = arn.split(':').nth(4)?.to_string();
                let role = arn.rsplit('/').next()?.to_string();
                let (only, left) = self.new_accounts.get_mut(&account)?;
                let why = if role != *only {
                    "the role does not exist in this account"
                } else if *left > 0 {
                    *left -= 1;
                    "the account was created moments ago"
                } else {
                    return None;
                };
                Some(xml_error(
                    403,
                    "Sender",
                    "AccessDenied",
                    &format!(
                        "User: arn:aws:iam::{}:user/moto is not authorized to perform: \
                         sts:AssumeRole on resource: {arn} (strict layer: {why})",
                        call.caller
                    ),
                ))
            }
            _ => None,
        }
    }

    fn account_after(&mut self, call: &Call<'_>, body: &mut Bytes) {
        match call.op {
            "organizations:CreateAccount" => {
                let role = json(call.body)
                    .and_then(|b| text(&b, "RoleName"))
                    .unwrap_or_else(|| DEFAULT_ROLE.to_string());
                if let Some(id) = json(body)
                    .and_then(|b| b.get("CreateAccountStatus").and_then(|s| text(s, "Id")))
                {
                    self.requested_roles.insert(id, role);
                }
            }
            "organizations:DescribeCreateAccountStatus" => {
                let Some(mut answer) = json(body) else { return };
                let Some(id) = json(call.body).and_then(|b| text(&b, "CreateAccountRequestId"))
                else {
                    return;
                };
                let polls = self.polls.get(&id).copied().unwrap_or(0);
                let Some(status) = answer.get_mut("CreateAccountStatus") else {
                    return;
                };
                if polls <= NOT_FOUND_POLLS + IN_PROGRESS_POLLS {
                    status["State"] = Value::from("IN_PROGRESS");
                    if let Some(s) = status.as_object_mut() {
                        s.remove("AccountId");
                        s.remove("CompletedTimestamp");
                    }
                    *body = Bytes::from(answer.to_string());
                    return;
                }
                if text(status, "State").as_deref() == Some("SUCCEEDED") {
                    if let Some(account) = text(status, "AccountId") {
                        let role = self
                            .requested_roles
                            .get(&id)
                            .cloned()
                            .unwrap_or_else(|| DEFAULT_ROLE.to_string());
                        self.new_accounts
                            .entry(account)
                            .or_insert((role, ROLE_DENIALS));
                    }
                }
            }
            _ => {}
        }
    }

    fn policy_types_after(&mut self, call: &Call<'_>, body: &mut Bytes) {
        let pending_in = |root: &mut Value, kind: &str| {
            let Some(types) = root.get_mut("PolicyTypes").and_then(Value::as_array_mut) else {
                return;
            };
            for t in types.iter_mut() {
                if t.get("Type").and_then(Value::as_str) == Some(kind) {
                    t["Status"] = Value::from("PENDING_ENABLE");
                }
            }
        };
        match call.op {
            "organizations:EnablePolicyType" => {
                let Some(kind) = json(call.body).and_then(|b| text(&b, "PolicyType")) else {
                    return;
                };
                if let Some(mut answer) = json(body) {
                    if let Some(root) = answer.get_mut("Root") {
                        pending_in(root, &kind);
                    }
                    *body = Bytes::from(answer.to_string());
                }
                self.pending.insert(kind, PENDING_READS);
            }
            "organizations:ListRoots" => {
                let Some(mut answer) = json(body) else { return };
                let mut changed = false;
                for (kind, left) in self.pending.iter_mut().filter(|(_, n)| **n > 0) {
                    *left -= 1;
                    changed = true;
                    for root in answer
                        .get_mut("Roots")
                        .and_then(Value::as_array_mut)
                        .into_iter()
                        .flatten()
                    {
                        pending_in(root, kind);
                    }
                }
                if changed {
                    *body = Bytes::from(answer.to_string());
                }
            }
            _ => {}
        }
    }

    fn stale_after(&mut self, call: &Call<'_>, body: &mut Bytes) {
        let (service, name) = call.op.split_once(':').unwrap_or(("", call.op));
        // Organizations is one global store; the others are per calling account and region.
        let scope = match service {
            "organizations" => "organizations".to_string(),
            _ => format!(
                "{service}/{}/{}",
                call.caller,
                call.region.as_deref().unwrap_or("")
            ),
        };
        if ["Describe", "List", "Get"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            let key = format!(
                "{scope}\n{}\n{}",
                call.op,
                String::from_utf8_lossy(call.body)
            );
            match self.stale.get_mut(&key) {
                Some((old, left)) => {
                    *body = old.clone();
                    *left -= 1;
                    if *left == 0 {
                        self.stale.remove(&key);
                    }
                }
                None => {
                    self.reads.insert(key, body.clone());
                }
            }
            return;
        }
        let Some(request) = json(call.body) else {
            return;
        };
        // Each entry: a read this write makes stale, and the request fields whose values that
        // read's request must name (all of them). Reads that list a parent's children are left
        // alone: an account or OU missing from every listing would be planned again, which no
        // eventual consistency of AWS's produces for long.
        let fields = |names: &[&str]| -> Vec<String> {
            names
                .iter()
                .filter_map(|f| text(&request, f))
                .collect::<Vec<_>>()
        };
        let touched: Vec<(&str, Vec<String>)> = match call.op {
            "organizations:UpdatePolicy" => {
                vec![("organizations:DescribePolicy", fields(&["PolicyId"]))]
            }
            "organizations:TagResource" => {
                vec![("organizations:ListTagsForResource", fields(&["ResourceId"]))]
            }
            "organizations:AttachPolicy" | "organizations:DetachPolicy" => vec![
                ("organizations:ListTargetsForPolicy", fields(&["PolicyId"])),
                ("organizations:ListPoliciesForTarget", fields(&["TargetId"])),
            ],
            "organizations:EnableAWSServiceAccess" => {
                vec![("organizations:ListAWSServiceAccessForOrganization", vec![])]
            }
            "organizations:RegisterDelegatedAdministrator" => vec![
                ("organizations:ListDelegatedAdministrators", vec![]),
                (
                    "organizations:ListDelegatedServicesForAccount",
                    fields(&["AccountId"]),
                ),
            ],
            "kms:EnableKeyRotation" | "kms:DisableKeyRotation" => {
                vec![("kms:GetKeyRotationStatus", fields(&["KeyId"]))]
            }
            "secretsmanager:RotateSecret" => vec![
                ("secretsmanager:DescribeSecret", fields(&["SecretId"])),
                ("secretsmanager:ListSecrets", vec![]),
            ],
            "account:PutAlternateContact" => vec![(
                "account:GetAlternateContact",
                fields(&["AlternateContactType", "AccountId"]),
            )],
            _ => return,
        };
        let prefix = format!("{scope}\n");
        let now_stale: Vec<String> = self
            .reads
            .keys()
            .filter(|key| key.starts_with(&prefix))
            .filter(|key| {
                let mut parts = key.splitn(3, '\n');
                let (_, op, read) = (parts.next(), parts.next(), parts.next().unwrap_or(""));
                touched.iter().any(|(read_op, names)| {
                    Some(*read_op) == op && names.iter().all(|n| read.contains(&format!("\"{n}\"")))
                })
            })
            .cloned()
            .collect();
        for key in now_stale {
            if let Some(old) = self.reads.get(&key).cloned() {
                self.stale
                    .entry(key)
                    .and_modify(|(_, left)| *left = STALE_READS)
                    .or_insert((old, STALE_READS));
            }
        }
    }
}
