//! The strict layer's behaviours for what happens inside member accounts: per-resource access
//! denial, opt-in regions, region transitions and their quotas, Multi-Region replica keys, and
//! secrets whose rotation a service manages or a schedule expression sets.
//!
//! Each answers (in `before`) or rewrites the emulator's answer (in `after`) only while its
//! [`Behaviour`] is on; what tests seed here (a denied key, a managed secret) is remembered either
//! way.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use bytes::Bytes;
use serde_json::{json, Value};

use super::{Behaviour, Call, Strict};
use crate::proxy::lock;
use crate::responders::Reply;

/// Reads an operation in progress shows ENABLING/DISABLING with
/// [`Behaviour::RegionTransitions`] on (AWS: minutes to hours; here a number of reads, so that
/// tests need no clock).
pub const TRANSITION_READS: u32 = 3;

/// A secret's RotationRules as AWS keeps them ([`Behaviour::ManagedRotation`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// ScheduleExpression: `rate(10 days)`, `cron(…)`.
    pub schedule: Option<String>,
    /// Duration: the rotation window, `3h`.
    pub window: Option<String>,
    /// AutomaticallyAfterDays as AWS shows it: derived from the schedule only after each rotation,
    /// so stale after a RotateSecret that set a schedule.
    pub days: Option<u64>,
}

/// What these behaviours remember.
#[derive(Debug, Default)]
pub struct State {
    /// Key ids whose DescribeKey and GetKeyRotationStatus are refused.
    denied_keys: Mutex<BTreeSet<String>>,
    /// Accounts whose ListRegions is refused.
    denied_list_regions: Mutex<BTreeSet<String>>,
    /// `account/region/key id` of Multi-Region replica keys seen in DescribeKey answers.
    replica_keys: Mutex<BTreeSet<String>>,
    /// Secret ARN → the service that manages its rotation (OwningService).
    managed: Mutex<BTreeMap<String, String>>,
    /// Secret ARN → its rotation rules, once a schedule or window was set.
    rules: Mutex<BTreeMap<String, Rules>>,
    /// Secret ARN → AutomaticallyAfterDays last shown, for the stale value after a new schedule.
    last_days: Mutex<BTreeMap<String, u64>>,
}

impl State {
    /// [`Behaviour::ResourceDenial`]: DescribeKey and GetKeyRotationStatus of this key (id or ARN)
    /// answer AccessDeniedException, as when its key policy does not trust the account.
    pub fn deny_key(&self, key: &str) {
        lock(&self.denied_keys).insert(key_id(key));
    }

    /// [`Behaviour::ResourceDenial`]: ListRegions of this account answers AccessDeniedException.
    pub fn deny_list_regions(&self, account: &str) {
        lock(&self.denied_list_regions).insert(account.to_string());
    }

    /// [`Behaviour::ManagedRotation`]: the secret's rotation is managed by `service` (OwningService
    /// in its answers, rotation on, no rotation function), with these rules.
    pub fn manage_secret(&self, arn: &str, service: &str, rules: Rules) {
        lock(&self.managed).insert(arn.to_string(), service.to_string());
        lock(&self.rules).insert(arn.to_string(), rules);
    }

    /// [`Behaviour::ManagedRotation`]: the secret's rules as AWS would show them.
    pub fn set_rules(&self, arn: &str, rules: Rules) {
        lock(&self.rules).insert(arn.to_string(), rules);
    }

    /// The rules the layer shows for a secret, if it keeps any.
    pub fn rules(&self, arn: &str) -> Option<Rules> {
        lock(&self.rules).get(arn).cloned()
    }

    pub(crate) fn before(&self, strict: &Strict, call: &Call<'_>) -> Option<Reply> {
        if strict.has(Behaviour::ResourceDenial) {
            if let Some(reply) = self.denial(call) {
                return Some(reply);
            }
        }
        if strict.has(Behaviour::OptInRegions) {
            if let Some(reply) = opt_in(call) {
                return Some(reply);
            }
        }
        if strict.has(Behaviour::RegionTransitions)
            && matches!(call.op, "account:EnableRegion" | "account:DisableRegion")
        {
            let name = call.op.trim_start_matches("account:");
            return Some(call.regions.handle_transitions(
                name,
                &call.caller,
                call.body,
                TRANSITION_READS,
            ));
        }
        if strict.has(Behaviour::Replicas)
            && matches!(call.op, "kms:EnableKeyRotation" | "kms:DisableKeyRotation")
        {
            let id = request(call)
                .get("KeyId")
                .and_then(Value::as_str)
                .map(key_id)?;
            let region = call.region.clone().unwrap_or_default();
            if lock(&self.replica_keys).contains(&format!("{}/{region}/{id}", call.caller)) {
                // A replica shares its primary's automatic rotation, which KMS synchronizes from
                // the primary ("They also have the same … automatic key rotation status",
                // https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html).
                return Some(json_error(
                    "UnsupportedOperationException",
                    &format!(
                        "{id} is a multi-Region replica key: set automatic rotation on its primary key"
                    ),
                ));
            }
        }
        if strict.has(Behaviour::ManagedRotation) && call.op == "secretsmanager:RotateSecret" {
            let input = request(call);
            let id = input.get("SecretId").and_then(Value::as_str)?;
            let service = lock(&self.managed)
                .iter()
                .find(|(arn, _)| names(arn, id))
                .map(|(_, s)| s.clone());
            let function = input
                .get("RotationLambdaARN")
                .and_then(Value::as_str)
                .filter(|f| !f.is_empty());
            if let (Some(service), Some(_)) = (service, function) {
                // Managed rotation uses no Lambda function: the owning service rotates
                // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_managed.html).
                return Some(json_error(
                    "InvalidRequestException",
                    &format!(
                        "the rotation of {id} is managed by {service}: a rotation function cannot be set"
                    ),
                ));
            }
        }
        None
    }

    pub(crate) fn after(&self, strict: &Strict, call: &Call<'_>, status: u16, body: &mut Bytes) {
        if status != 200 {
            return;
        }
        if strict.has(Behaviour::ShortSessions) && call.op == "sts:AssumeRole" {
            short_session(body);
        }
        if strict.has(Behaviour::Replicas) && call.op == "kms:DescribeKey" {
            self.replica_key(call, body);
        }
        if strict.has(Behaviour::ManagedRotation) {
            match call.op {
                "secretsmanager:RotateSecret" => self.rotated(call),
                "secretsmanager:ListSecrets" | "secretsmanager:DescribeSecret" => {
                    self.show_rules(body)
                }
                _ => {}
            }
        }
    }

    fn denial(&self, call: &Call<'_>) -> Option<Reply> {
        match call.op {
            "kms:DescribeKey" | "kms:GetKeyRotationStatus" => {
                let id = request(call)
                    .get("KeyId")
                    .and_then(Value::as_str)
                    .map(key_id)?;
                if !lock(&self.denied_keys).contains(&id) {
                    return None;
                }
                // A key policy that does not trust the account shuts out every IAM principal of
                // it, whatever their IAM policies allow
                // (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
                let action = call.op;
                Some(json_error(
                    "AccessDeniedException",
                    &format!(
                        "User: arn:aws:sts::{}:assumed-role/OrganizationAccountAccessRole/govern is not authorized to perform: {action} on resource: {id} because no resource-based policy allows the {action} action",
                        call.caller
                    ),
                ))
            }
            "account:ListRegions" => {
                let account = request(call)
                    .get("AccountId")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| call.caller.clone());
                if !lock(&self.denied_list_regions).contains(&account) {
                    return None;
                }
                Some(Reply::rest_error(
                    403,
                    "AccessDeniedException",
                    "User is not authorized to perform: account:ListRegions",
                    json!({}),
                ))
            }
            _ => None,
        }
    }

    /// Puts right the MultiRegionKeyType of a DescribeKey answer (moto shares one configuration
    /// between a primary and its replicas, so the primary can read as a replica), and remembers
    /// replicas.
    fn replica_key(&self, call: &Call<'_>, body: &mut Bytes) {
        let Ok(mut out) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        let meta = &mut out["KeyMetadata"];
        let arn = meta["Arn"].as_str().unwrap_or_default().to_string();
        let id = meta["KeyId"].as_str().unwrap_or_default().to_string();
        let config = &mut meta["MultiRegionConfiguration"];
        let Some(primary) = config["PrimaryKey"]["Arn"].as_str() else {
            return;
        };
        let kind = if primary == arn { "PRIMARY" } else { "REPLICA" };
        config["MultiRegionKeyType"] = json!(kind);
        if kind == "REPLICA" {
            let region = arn.split(':').nth(3).unwrap_or_default();
            lock(&self.replica_keys).insert(format!("{}/{region}/{id}", call.caller));
        }
        *body = Bytes::from(out.to_string());
    }

    /// After an accepted RotateSecret: its RotationRules replace the secret's as a whole
    /// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html); a
    /// schedule leaves AutomaticallyAfterDays as it was until the next rotation
    /// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotationRulesType.html).
    fn rotated(&self, call: &Call<'_>) {
        let input = request(call);
        let Some(id) = input.get("SecretId").and_then(Value::as_str) else {
            return;
        };
        let Some(rules) = input.get("RotationRules") else {
            return;
        };
        let known: Vec<String> = lock(&self.last_days)
            .keys()
            .chain(lock(&self.rules).keys())
            .filter(|arn| names(arn, id))
            .cloned()
            .collect();
        let arn = known.into_iter().next().unwrap_or_else(|| id.to_string());
        let stale = lock(&self.rules)
            .get(&arn)
            .and_then(|r| r.days)
            .or_else(|| lock(&self.last_days).get(&arn).copied());
        let text = |k: &str| rules.get(k).and_then(Value::as_str).map(str::to_string);
        let rules = Rules {
            schedule: text("ScheduleExpression"),
            window: text("Duration"),
            days: rules
                .get("AutomaticallyAfterDays")
                .and_then(Value::as_u64)
                .or(stale),
        };
        lock(&self.rules).insert(arn, rules);
    }

    /// ListSecrets / DescribeSecret answers as AWS gives them for the secrets the layer keeps rules
    /// or an owning service for (moto keeps AutomaticallyAfterDays alone and no OwningService).
    fn show_rules(&self, body: &mut Bytes) {
        let Ok(mut out) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        let mut changed = false;
        let mut patch = |secret: &mut Value| {
            let arn = secret["ARN"].as_str().unwrap_or_default().to_string();
            if let Some(service) = lock(&self.managed).get(&arn) {
                secret["OwningService"] = json!(service);
                secret["RotationEnabled"] = json!(true);
                if let Some(s) = secret.as_object_mut() {
                    s.remove("RotationLambdaARN");
                }
                changed = true;
            }
            match lock(&self.rules).get(&arn) {
                Some(rules) => {
                    let mut shown = serde_json::Map::new();
                    if let Some(d) = rules.days {
                        shown.insert("AutomaticallyAfterDays".into(), json!(d));
                    }
                    if let Some(s) = &rules.schedule {
                        shown.insert("ScheduleExpression".into(), json!(s));
                    }
                    if let Some(w) = &rules.window {
                        shown.insert("Duration".into(), json!(w));
                    }
                    secret["RotationRules"] = Value::Object(shown);
                    secret["RotationEnabled"] = json!(true);
                    changed = true;
                }
                None => {
                    if let Some(d) = secret["RotationRules"]["AutomaticallyAfterDays"].as_u64() {
                        lock(&self.last_days).insert(arn, d);
                    }
                }
            }
        };
        match out.get_mut("SecretList").and_then(Value::as_array_mut) {
            Some(list) => list.iter_mut().for_each(&mut patch),
            None => patch(&mut out),
        }
        if changed {
            *body = Bytes::from(out.to_string());
        }
    }
}

/// [`Behaviour::OptInRegions`]: KMS and Secrets Manager refuse a caller in an opt-in Region its
/// account has not enabled: the Region does not know the account's credentials, and answers 400
/// UnrecognizedClientException "The security token included in the request is invalid." (an
/// opt-in Region must be enabled before "you can use it",
/// https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html).
fn opt_in(call: &Call<'_>) -> Option<Reply> {
    let regional = call.op.starts_with("kms:") || call.op.starts_with("secretsmanager:");
    let region = call.region.as_deref()?;
    if !regional || call.regions.usable(&call.caller, region) {
        return None;
    }
    Some(json_error(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    ))
}

fn request(call: &Call<'_>) -> Value {
    serde_json::from_slice(call.body).unwrap_or(Value::Null)
}

/// `arn:aws:kms:REGION:ACCOUNT:key/ID` or `ID` → `ID`.
fn key_id(id_or_arn: &str) -> String {
    match id_or_arn.rsplit_once(":key/") {
        Some((_, id)) => id.to_string(),
        None => id_or_arn.to_string(),
    }
}

/// Whether a SecretId (ARN or name) names the secret of this ARN
/// (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX`).
fn names(arn: &str, id: &str) -> bool {
    arn == id
        || arn
            .rsplit_once(":secret:")
            .and_then(|(_, rest)| rest.rsplit_once('-'))
            .is_some_and(|(name, _)| name == id)
}

/// An awsJson 1.1 error, as KMS and Secrets Manager answer them.
fn json_error(code: &str, message: &str) -> Reply {
    Reply {
        status: 400,
        headers: vec![("content-type", "application/x-amz-json-1.1".to_string())],
        body: json!({ "__type": code, "message": message })
            .to_string()
            .into_bytes(),
    }
}

/// How long a session from AssumeRole lasts under [`Behaviour::ShortSessions`]: less than the
/// five minutes before expiry at which govern renews (src/aws/assume.rs), more than the SDK's
/// identity cache keeps a margin of (10 s).
const SHORT_SESSION: std::time::Duration = std::time::Duration::from_secs(120);

/// AssumeRole's answer with its `Expiration` [`SHORT_SESSION`] from now. moto writes a session an
/// hour long and accepts its credentials after that hour too; AWS ends a session after its
/// DurationSeconds (at least 900 s, 3,600 by default:
/// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
fn short_session(body: &mut Bytes) {
    let text = String::from_utf8_lossy(body);
    let (Some(start), Some(end)) = (text.find("<Expiration>"), text.find("</Expiration>")) else {
        return;
    };
    let at = crate::proxy::iso8601(std::time::SystemTime::now() + SHORT_SESSION);
    let rewritten = format!("{}<Expiration>{at}{}", &text[..start], &text[end..]);
    *body = Bytes::from(rewritten);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_ids_name_their_arns() {
        let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-password-AbCdEf";
        assert!(names(arn, arn));
        assert!(names(arn, "db-password"));
        assert!(!names(arn, "db"));
    }
}
