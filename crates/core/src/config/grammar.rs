//! The grammar of each policy kind's documents, checked offline (`govern validate`), so a document
//! AWS would refuse at apply is an error in the file, with its line and a hint.
//!
//! SCPs and RCPs are written in the IAM policy language (IAM User Guide, "IAM JSON policy element
//! reference"; Organizations User Guide, "SCP syntax" and "RCP syntax"):
//! - the document: `Version`, `Statement`, optionally `Id`;
//! - a statement: `Sid` (letters and digits, unique), `Effect` (`Allow` or `Deny`; RCPs `Deny`
//!   only: `Allow` is only for the AWS-managed RCPFullAWSAccess), exactly one of `Action` and
//!   `NotAction` (`*` or `service:Action`, wildcards allowed; RCPs do not support `NotAction`), at
//!   most one of `Resource` and `NotResource` (`*` or an ARN), `Condition` (operators IAM knows,
//!   with `IfExists` and `ForAllValues:` / `ForAnyValue:`);
//! - `Principal`: not in SCPs; required in RCPs, and only `"*"`; `NotPrincipal`: in neither.
//!
//! RCPs' elements were checked against the RCP syntax page's "Elements summary" (read 2026-12-05):
//! Version, Statement, Sid, Effect, Principal, Action, Resource, NotResource, Condition — no
//! `NotAction` and no `NotPrincipal`; `Allow` only for RCPFullAWSAccess.
//!
//! The management policy types (tag, backup, AI services opt-out, chat applications, declarative,
//! Security Hub, Inspector, S3, Bedrock, upgrade rollout, GuardDuty, Network Security Director)
//! are JSON objects under the top-level key(s) their type allows ([`top_level_keys`]), whose
//! inheritance operators are `@@assign`, `@@append`, `@@remove` and
//! `@@operators_allowed_for_child_policies` (Organizations User Guide, "Management policy syntax
//! and inheritance").

use serde_json::{Map, Value};

use crate::model::{Grammar, PolicyKind};

/// A step of the path to what is wrong, for finding its line in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// The value of this key.
    Key(String),
    /// The key itself (an unknown or unsupported one).
    KeyName(String),
    Index(usize),
}

/// What is wrong with a document, where, and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub path: Vec<Step>,
    pub message: String,
    pub help: String,
}

/// The top-level keys a management policy of `kind` allows, with the page of the Organizations
/// User Guide that gives its syntax. SCPs and RCPs have the IAM grammar instead (empty).
pub fn top_level_keys(kind: PolicyKind) -> (&'static [&'static str], &'static str) {
    match kind {
        PolicyKind::ServiceControlPolicy | PolicyKind::ResourceControlPolicy => (&[], ""),
        PolicyKind::TagPolicy => (&["tags"], "orgs_manage_policies_example-tag-policies"),
        PolicyKind::BackupPolicy => (&["plans"], "orgs_manage_policies_backup_syntax"),
        PolicyKind::AiServicesOptOutPolicy => {
            (&["services"], "orgs_manage_policies_ai-opt-out_syntax")
        }
        PolicyKind::ChatbotPolicy => (&["chatbot"], "orgs_manage_policies_chatbot_syntax"),
        PolicyKind::DeclarativePolicyEc2 => (
            &["ec2_attributes"],
            "orgs_manage_policies_declarative_syntax",
        ),
        PolicyKind::SecurityHubPolicy => {
            (&["securityhub"], "orgs_manage_policies_security_hub_syntax")
        }
        PolicyKind::InspectorPolicy => (&["inspector"], "orgs_manage_policies_inspector_syntax"),
        PolicyKind::S3Policy => (&["s3_attributes"], "orgs_manage_policies_s3_syntax"),
        PolicyKind::BedrockPolicy => (&["bedrock"], "orgs_manage_policies_bedrock_syntax"),
        PolicyKind::UpgradeRolloutPolicy => (
            &["upgrade_rollout"],
            "orgs_manage_policies_upgrade_rollout_syntax",
        ),
        PolicyKind::GuardDutyPolicy => (&["guardduty"], "orgs_manage_policies_guardduty_syntax"),
        PolicyKind::NetworkSecurityDirectorPolicy => (
            &["network_security_director"],
            "orgs_manage_policies_network_security_director_syntax",
        ),
    }
}

/// The inheritance operators of management policies.
pub const OPERATORS: [&str; 4] = [
    "@@assign",
    "@@append",
    "@@remove",
    "@@operators_allowed_for_child_policies",
];

/// Condition operators IAM knows (IAM User Guide, "IAM JSON policy elements: Condition operators"),
/// before the `IfExists` suffix and the set prefixes.
pub const CONDITION_OPERATORS: [&str; 27] = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

const STATEMENT_KEYS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// The first thing wrong with `doc`, a document of `kind` already known to be a JSON object (and,
/// for SCPs and RCPs, to have a `Version` and a non-empty `Statement` of objects).
pub(crate) fn check(kind: PolicyKind, doc: &Value) -> Option<Finding> {
    match kind.grammar() {
        Grammar::Iam => iam(kind, doc.as_object()?),
        Grammar::Management => management(kind, doc.as_object()?),
    }
}

fn finding(path: Vec<Step>, message: String, help: impl Into<String>) -> Option<Finding> {
    Some(Finding {
        path,
        message,
        help: help.into(),
    })
}

fn key(k: &str) -> Step {
    Step::Key(k.to_string())
}

fn iam(kind: PolicyKind, doc: &Map<String, Value>) -> Option<Finding> {
    let noun = kind.noun();
    for k in doc.keys() {
        if !["Version", "Statement", "Id"].contains(&k.as_str()) {
            return finding(
                vec![Step::KeyName(k.clone())],
                format!("{noun} document has an unknown top-level key \"{k}\""),
                format!(
                    "a policy document has \"Version\", \"Statement\" and optionally \"Id\"{}",
                    nearest(k, &["Version", "Statement", "Id"])
                ),
            );
        }
    }
    let (statements, list): (Vec<&Map<String, Value>>, bool) = match doc.get("Statement")? {
        Value::Object(s) => (vec![s], false),
        Value::Array(l) => (l.iter().filter_map(Value::as_object).collect(), true),
        _ => return None,
    };
    let mut sids: Vec<&str> = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        let mut at = vec![key("Statement")];
        if list {
            at.push(Step::Index(i));
        }
        let n = i + 1;
        if let Some(f) = statement(kind, s, &at, n, &mut sids) {
            return Some(f);
        }
    }
    None
}

fn statement<'a>(
    kind: PolicyKind,
    s: &'a Map<String, Value>,
    at: &[Step],
    n: usize,
    sids: &mut Vec<&'a str>,
) -> Option<Finding> {
    let noun = kind.noun();
    let rcp = kind == PolicyKind::ResourceControlPolicy;
    let here = |step: Step| {
        let mut p = at.to_vec();
        p.push(step);
        p
    };
    for k in s.keys() {
        if !STATEMENT_KEYS.contains(&k.as_str()) {
            return finding(
                here(Step::KeyName(k.clone())),
                format!("{noun} statement {n} has an unknown key \"{k}\""),
                format!(
                    "a statement has {}{}",
                    STATEMENT_KEYS.join(", "),
                    nearest(k, &STATEMENT_KEYS)
                ),
            );
        }
    }
    if s.contains_key("NotPrincipal") {
        return finding(
            here(Step::KeyName("NotPrincipal".into())),
            format!("{noun}s do not support \"NotPrincipal\" (statement {n})"),
            "exempt principals with a Condition instead, like \"ArnNotLike\": {\"aws:PrincipalArn\": \"arn:aws:iam::*:role/Admin\"}",
        );
    }
    match (s.get("Principal"), rcp) {
        (Some(_), false) => {
            return finding(
                here(Step::KeyName("Principal".into())),
                format!("SCPs do not support \"Principal\" (statement {n})"),
                "an SCP applies to every principal of the accounts it is attached to; narrow it with a Condition on aws:PrincipalArn",
            )
        }
        (None, true) => {
            return finding(
                at.to_vec(),
                format!("RCP statement {n} has no \"Principal\""),
                "an RCP statement names \"Principal\": \"*\" and narrows it with a Condition",
            )
        }
        (Some(p), true) if p != "*" => {
            return finding(
                here(key("Principal")),
                format!("RCP statement {n}: \"Principal\" is {p}, not \"*\""),
                "RCPs support only \"Principal\": \"*\"; narrow it with a Condition such as aws:PrincipalArn or aws:PrincipalOrgID",
            )
        }
        _ => {}
    }
    if let Some(sid) = s.get("Sid") {
        let ok = sid
            .as_str()
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_alphanumeric()));
        if !ok {
            return finding(
                here(key("Sid")),
                format!("{noun} statement {n}: \"Sid\" {sid} is not letters and digits"),
                "a Sid is an identifier of ASCII letters and digits, like \"DenyLeaveOrganization\"",
            );
        }
        let sid = sid.as_str().unwrap_or_default();
        if !sid.is_empty() && sids.contains(&sid) {
            return finding(
                here(key("Sid")),
                format!("{noun} statement {n}: \"Sid\" \"{sid}\" is used by an earlier statement"),
                "each statement's Sid is unique within the policy",
            );
        }
        sids.push(sid);
    }
    match s.get("Effect") {
        None => {
            return finding(
                at.to_vec(),
                format!("{noun} statement {n} has no \"Effect\""),
                "add \"Effect\": \"Deny\" (or \"Allow\")",
            )
        }
        Some(Value::String(e)) if e == "Deny" => {}
        Some(Value::String(e)) if e == "Allow" && rcp => {
            return finding(
                here(key("Effect")),
                format!("RCP statement {n}: \"Effect\" is \"Allow\": RCPs only deny"),
                "use \"Deny\": Allow is only for the AWS-managed RCPFullAWSAccess",
            )
        }
        Some(Value::String(e)) if e == "Allow" => {}
        Some(other) => {
            return finding(
                here(key("Effect")),
                format!("{noun} statement {n}: \"Effect\" is {other}, not \"Allow\" or \"Deny\""),
                "\"Effect\" is \"Allow\" or \"Deny\", spelt exactly so",
            )
        }
    }
    if rcp && s.contains_key("NotAction") {
        return finding(
            here(Step::KeyName("NotAction".into())),
            format!("RCPs do not support \"NotAction\" (statement {n})"),
            "list the actions the RCP denies in \"Action\"",
        );
    }
    let action = match (s.get("Action"), s.get("NotAction")) {
        (Some(_), Some(_)) => {
            return finding(
                here(Step::KeyName("NotAction".into())),
                format!("{noun} statement {n} has both \"Action\" and \"NotAction\""),
                "a statement has exactly one of \"Action\" and \"NotAction\"",
            )
        }
        (None, None) => {
            return finding(
                at.to_vec(),
                format!("{noun} statement {n} has neither \"Action\" nor \"NotAction\""),
                "add \"Action\": \"service:Action\" (like \"s3:PutObject\", or \"*\")",
            )
        }
        (Some(a), None) => ("Action", a),
        (None, Some(a)) => ("NotAction", a),
    };
    if let Some(f) = strings(noun, n, action.0, action.1, &here, |a| {
        (!is_action(a)).then(|| {
            (
                format!("{noun} statement {n}: action \"{a}\" is not \"service:Action\""),
                "an action is \"*\" or a service prefix and an action name, like \"s3:GetObject\" or \"ec2:Describe*\"".to_string(),
            )
        })
    }) {
        return Some(f);
    }
    match (s.get("Resource"), s.get("NotResource")) {
        (Some(_), Some(_)) => {
            return finding(
                here(Step::KeyName("NotResource".into())),
                format!("{noun} statement {n} has both \"Resource\" and \"NotResource\""),
                "a statement has at most one of \"Resource\" and \"NotResource\"",
            )
        }
        (Some(r), None) | (None, Some(r)) => {
            let which = if s.contains_key("Resource") {
                "Resource"
            } else {
                "NotResource"
            };
            if let Some(f) = strings(noun, n, which, r, &here, |r| {
                (r != "*" && !r.starts_with("arn:")).then(|| {
                    (
                        format!("{noun} statement {n}: resource \"{r}\" is not \"*\" or an ARN"),
                        "a resource is \"*\" or an ARN, like \"arn:aws:s3:::my-bucket/*\""
                            .to_string(),
                    )
                })
            }) {
                return Some(f);
            }
        }
        (None, None) => {}
    }
    if let Some(c) = s.get("Condition") {
        let Some(ops) = c.as_object() else {
            return finding(
                here(key("Condition")),
                format!("{noun} statement {n}: \"Condition\" is not an object"),
                "\"Condition\" is an object of operators, like {\"StringEquals\": {\"aws:PrincipalOrgID\": \"o-…\"}}",
            );
        };
        for (op, body) in ops {
            if !is_condition_operator(op) {
                return finding(
                    here(key("Condition")).into_iter().chain([Step::KeyName(op.clone())]).collect(),
                    format!("{noun} statement {n}: condition operator \"{op}\" is not one IAM knows"),
                    format!(
                        "operators are StringEquals, StringLike, ArnNotLike, Bool, NumericLessThan, … (with IfExists, ForAllValues: or ForAnyValue:){}",
                        nearest(op, &CONDITION_OPERATORS)
                    ),
                );
            }
            if body.as_object().is_none_or(|b| b.is_empty()) {
                return finding(
                    here(key("Condition")).into_iter().chain([key(op)]).collect(),
                    format!("{noun} statement {n}: condition \"{op}\" is not an object of condition keys"),
                    "each operator holds condition keys and their values, like {\"aws:RequestedRegion\": [\"eu-west-1\"]}",
                );
            }
        }
    }
    None
}

/// Checks a string-or-list-of-strings element, each string with `bad`.
fn strings(
    noun: &str,
    n: usize,
    element: &str,
    value: &Value,
    here: &dyn Fn(Step) -> Vec<Step>,
    bad: impl Fn(&str) -> Option<(String, String)>,
) -> Option<Finding> {
    let items: Vec<(Option<usize>, &Value)> = match value {
        Value::Array(list) if list.is_empty() => {
            return finding(
                here(key(element)),
                format!("{noun} statement {n}: \"{element}\" is an empty list"),
                format!("\"{element}\" is a string or a non-empty list of strings"),
            )
        }
        Value::Array(list) => list.iter().enumerate().map(|(i, v)| (Some(i), v)).collect(),
        other => vec![(None, other)],
    };
    for (i, v) in items {
        let mut path = here(key(element));
        if let Some(i) = i {
            path.push(Step::Index(i));
        }
        let Some(s) = v.as_str() else {
            return finding(
                path,
                format!("{noun} statement {n}: \"{element}\" holds {v}, not a string"),
                format!("\"{element}\" is a string or a non-empty list of strings"),
            );
        };
        if let Some((message, help)) = bad(s) {
            return finding(path, message, help);
        }
    }
    None
}

/// `*`, or `service:Action` with a lower-case service prefix and an action name that may hold `*`
/// and `?` wildcards.
fn is_action(a: &str) -> bool {
    if a == "*" {
        return true;
    }
    let Some((service, action)) = a.split_once(':') else {
        return false;
    };
    !service.is_empty()
        && service
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !action.is_empty()
        && action
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?' || c == '-' || c == '_')
}

fn is_condition_operator(op: &str) -> bool {
    let op = op
        .strip_prefix("ForAllValues:")
        .or_else(|| op.strip_prefix("ForAnyValue:"))
        .unwrap_or(op);
    let base = op.strip_suffix("IfExists").unwrap_or(op);
    CONDITION_OPERATORS.contains(&base)
}

fn management(kind: PolicyKind, doc: &Map<String, Value>) -> Option<Finding> {
    let noun = kind.noun();
    let (allowed, page) = top_level_keys(kind);
    let listed: Vec<String> = allowed.iter().map(|k| format!("\"{k}\"")).collect();
    let syntax = format!(
        "{} {noun} has the top-level key {} (AWS Organizations User Guide, {page})",
        super::policy_file::article(noun),
        listed.join(" or ")
    );
    if doc.is_empty() {
        return finding(Vec::new(), format!("{noun} document is empty"), syntax);
    }
    for k in doc.keys() {
        if !allowed.contains(&k.as_str()) {
            return finding(
                vec![Step::KeyName(k.clone())],
                format!(
                    "{noun} document has the top-level key \"{k}\", which its type does not allow"
                ),
                format!("{syntax}{}", nearest(k, allowed)),
            );
        }
    }
    operators(noun, &Value::Object(doc.clone()), &mut Vec::new())
}

/// Every `@@` key below `v` is an inheritance operator, and
/// `@@operators_allowed_for_child_policies` lists operators (or `@@none`).
fn operators(noun: &str, v: &Value, path: &mut Vec<Step>) -> Option<Finding> {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k.starts_with("@@") && !OPERATORS.contains(&k.as_str()) {
                    let mut at = path.clone();
                    at.push(Step::KeyName(k.clone()));
                    return finding(
                        at,
                        format!("{noun} document: \"{k}\" is not an inheritance operator"),
                        format!(
                            "the operators are {}{}",
                            OPERATORS.join(", "),
                            nearest(k, &OPERATORS)
                        ),
                    );
                }
                if k == "@@operators_allowed_for_child_policies" {
                    let ok = child.as_array().is_some_and(|l| {
                        !l.is_empty()
                            && l.iter().all(|o| {
                                o.as_str()
                                    .is_some_and(|o| o == "@@none" || OPERATORS[..3].contains(&o))
                            })
                    });
                    if !ok {
                        let mut at = path.clone();
                        at.push(key(k));
                        return finding(
                            at,
                            format!("{noun} document: \"@@operators_allowed_for_child_policies\" is {child}, not a list of operators"),
                            "list what child policies may use: [\"@@assign\", \"@@append\", \"@@remove\"], or [\"@@none\"]",
                        );
                    }
                    continue;
                }
                path.push(key(k));
                let f = operators(noun, child, path);
                path.pop();
                if f.is_some() {
                    return f;
                }
            }
            None
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                path.push(Step::Index(i));
                let f = operators(noun, child, path);
                path.pop();
                if f.is_some() {
                    return f;
                }
            }
            None
        }
        _ => None,
    }
}

/// `; did you mean "X"?` when one of `allowed` is a likely typo of `got`.
fn nearest(got: &str, allowed: &[&str]) -> String {
    let best = allowed
        .iter()
        .map(|a| (edit_distance(&got.to_lowercase(), &a.to_lowercase()), *a))
        .min();
    match best {
        Some((d, a)) if d <= 2 || (d <= 3 && got.len() > 8) => format!("; did you mean \"{a}\"?"),
        _ => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The byte range in `text` (a valid JSON document) of what `path` names: a key's value, or a key
/// itself for [`Step::KeyName`]. None when the path is not found.
pub(crate) fn locate(text: &str, path: &[Step]) -> Option<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    if path.is_empty() {
        return Some(pos..value_end(bytes, pos)?);
    }
    for (depth, step) in path.iter().enumerate() {
        let last = depth + 1 == path.len();
        match step {
            Step::Key(k) | Step::KeyName(k) => {
                if bytes.get(pos) != Some(&b'{') {
                    return None;
                }
                let mut p = skip_ws(bytes, pos + 1);
                loop {
                    if bytes.get(p) != Some(&b'"') {
                        return None;
                    }
                    let key_end = string_end(bytes, p)?;
                    let name: String = serde_json::from_str(&text[p..key_end]).ok()?;
                    let colon = skip_ws(bytes, key_end);
                    let vstart = skip_ws(bytes, colon + 1);
                    if &name == k {
                        if last && matches!(step, Step::KeyName(_)) {
                            return Some(p..key_end);
                        }
                        pos = vstart;
                        break;
                    }
                    let vend = value_end(bytes, vstart)?;
                    p = skip_ws(bytes, vend);
                    if bytes.get(p) == Some(&b',') {
                        p = skip_ws(bytes, p + 1);
                    } else {
                        return None;
                    }
                }
            }
            Step::Index(i) => {
                if bytes.get(pos) != Some(&b'[') {
                    return None;
                }
                let mut p = skip_ws(bytes, pos + 1);
                for _ in 0..*i {
                    let vend = value_end(bytes, p)?;
                    p = skip_ws(bytes, vend);
                    if bytes.get(p) != Some(&b',') {
                        return None;
                    }
                    p = skip_ws(bytes, p + 1);
                }
                pos = p;
            }
        }
    }
    Some(pos..value_end(bytes, pos)?)
}

fn skip_ws(b: &[u8], mut p: usize) -> usize {
    while p < b.len() && b[p].is_ascii_whitespace() {
        p += 1;
    }
    p
}

/// The end (exclusive) of the string starting at the quote at `p`.
fn string_end(b: &[u8], p: usize) -> Option<usize> {
    let mut i = p + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The end (exclusive) of the JSON value starting at `p`.
fn value_end(b: &[u8], p: usize) -> Option<usize> {
    match b.get(p)? {
        b'"' => string_end(b, p),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = p;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        i = string_end(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let mut i = p;
            while i < b.len() && !matches!(b[i], b',' | b'}' | b']') && !b[i].is_ascii_whitespace()
            {
                i += 1;
            }
            Some(i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_finds_keys_values_and_items() {
        let text = "{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"c\": {\"d\": true}\n}";
        let at = |p: &[Step]| locate(text, p).map(|r| &text[r]);
        assert_eq!(at(&[key("c"), key("d")]), Some("true"));
        assert_eq!(at(&[key("a"), Step::Index(1), key("b")]), Some("\"x\""));
        assert_eq!(at(&[Step::KeyName("c".into())]), Some("\"c\""));
        assert_eq!(at(&[key("zz")]), None);
    }

    #[test]
    fn actions_and_operators() {
        for ok in ["*", "s3:GetObject", "ec2:Describe*", "s3:*", "a4b:Get?"] {
            assert!(is_action(ok), "{ok}");
        }
        for bad in ["notaservice", "S3:GetObject", "s3:", ":x", "s3 :x"] {
            assert!(!is_action(bad), "{bad}");
        }
        for ok in [
            "StringEquals",
            "ForAnyValue:StringLike",
            "ArnNotLikeIfExists",
            "Null",
        ] {
            assert!(is_condition_operator(ok), "{ok}");
        }
        assert!(!is_condition_operator("StringEqualz"));
    }
}
