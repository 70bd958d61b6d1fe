//! IAM Access Analyzer's ValidatePolicy, answered by the proxy: moto has no Access Analyzer.
//!
//! The real service checks a document against the whole IAM catalogue; this answer checks two
//! deterministic things, enough to carry `govern validate --online` end to end on the wire
//! (REST-JSON, `POST /policy/validation`, `findings` with `locations` of JSON paths and spans:
//! Position.line from 1, column from 0, offset from 0, as the API reference's Position says):
//! - an `aws:` condition key that is not a global condition key (of a short list, and the tag
//!   keys `aws:PrincipalTag/…`, `aws:ResourceTag/…`, `aws:RequestTag/…`): an ERROR,
//!   issue code INVALID_GLOBAL_CONDITION_KEY;
//! - an `s3:` action without a wildcard that is not one of a few real S3 actions: a WARNING,
//!   issue code UNKNOWN_ACTION.

use serde_json::{json, Value};

use crate::responders::Reply;

const GLOBAL_KEYS: &[&str] = &[
    "aws:CalledVia",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:MultiFactorAuthPresent",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:PrincipalType",
    "aws:RequestedRegion",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    "aws:SecureTransport",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceIp",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:TagKeys",
    "aws:userid",
    "aws:username",
    "aws:ViaAWSService",
];
const TAG_KEYS: &[&str] = &["aws:PrincipalTag/", "aws:ResourceTag/", "aws:RequestTag/"];
const S3_ACTIONS: &[&str] = &[
    "DeleteObject",
    "GetBucketPolicy",
    "GetObject",
    "ListBucket",
    "PutBucketPolicy",
    "PutObject",
];

/// The answer to ValidatePolicy's request body.
pub(crate) fn validate_policy(body: &[u8]) -> Reply {
    let input: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let Some(text) = input["policyDocument"].as_str() else {
        return Reply::rest_error(
            400,
            "ValidationException",
            "policyDocument is required",
            json!({}),
        );
    };
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        return Reply::json(
            200,
            &json!({ "findings": [finding("ERROR", "JSON_SYNTAX_ERROR", "The policy is not JSON.", vec![], None)] }),
        );
    };
    let statements = match &doc["Statement"] {
        Value::Array(a) => a.clone(),
        s @ Value::Object(_) => vec![s.clone()],
        _ => Vec::new(),
    };
    let mut findings = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        for key in ["Action", "NotAction"] {
            let actions: Vec<&str> = match &s[key] {
                Value::String(a) => vec![a.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            for (j, action) in actions.iter().enumerate() {
                let Some(name) = action.strip_prefix("s3:") else {
                    continue;
                };
                if name.contains('*') || S3_ACTIONS.contains(&name) {
                    continue;
                }
                let path = vec![
                    json!({"value": "Statement"}),
                    json!({"index": i}),
                    json!({"value": key}),
                    json!({"index": j}),
                ];
                findings.push(finding(
                    "WARNING",
                    "UNKNOWN_ACTION",
                    &format!("The action {action} does not exist."),
                    path,
                    span(text, action),
                ));
            }
        }
        let Some(conditions) = s["Condition"].as_object() else {
            continue;
        };
        for (operator, keys) in conditions {
            for key in keys.as_object().into_iter().flat_map(|k| k.keys()) {
                let global = GLOBAL_KEYS.iter().any(|g| g.eq_ignore_ascii_case(key))
                    || TAG_KEYS.iter().any(|t| key.starts_with(t));
                if !key.to_ascii_lowercase().starts_with("aws:") || global {
                    continue;
                }
                let path = vec![
                    json!({"value": "Statement"}),
                    json!({"index": i}),
                    json!({"value": "Condition"}),
                    json!({"value": operator}),
                    json!({"key": key}),
                ];
                findings.push(finding(
                    "ERROR",
                    "INVALID_GLOBAL_CONDITION_KEY",
                    &format!("The condition key {key} is not a valid global condition key."),
                    path,
                    span(text, key),
                ));
            }
        }
    }
    Reply::json(200, &json!({ "findings": findings }))
}

fn finding(kind: &str, code: &str, details: &str, path: Vec<Value>, span: Option<Value>) -> Value {
    let mut location = json!({ "path": path });
    if let Some(span) = span {
        location["span"] = span;
    }
    json!({
        "findingType": kind,
        "issueCode": code,
        "findingDetails": details,
        "learnMoreLink": format!("https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#{}", code.to_ascii_lowercase()),
        "locations": if path_or_span(&location) { vec![location] } else { Vec::new() },
    })
}

fn path_or_span(location: &Value) -> bool {
    location["path"].as_array().is_some_and(|p| !p.is_empty()) || location.get("span").is_some()
}

/// Where `"<token>"` first is in `text`, as a span of Positions.
fn span(text: &str, token: &str) -> Option<Value> {
    let quoted = format!("\"{token}\"");
    let offset = text.find(&quoted)?;
    let position = |at: usize| {
        let before = &text[..at];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count();
        json!({ "line": line, "column": column, "offset": before.chars().count() })
    };
    Some(json!({ "start": position(offset), "end": position(offset + quoted.len()) }))
}
