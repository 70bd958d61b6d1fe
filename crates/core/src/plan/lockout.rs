//! The lock-out guard (issue 13, item 12): a declared SCP that would deny the member role an action
//! govern needs inside member accounts, attached where govern works, would make every later plan
//! incomplete on real AWS (the emulator does not evaluate SCPs, so nothing else would notice). Plan
//! refuses it as a conflict naming the policy, the statement, the target and the action.
//!
//! What is evaluated: `Effect: Deny` statements; `Action` / `NotAction` with IAM's wildcards (`*`,
//! `?`, case-insensitive); a `Condition` only on `aws:PrincipalArn` (ArnLike, ArnNotLike,
//! StringLike, StringNotLike, ArnEquals, ArnNotEquals, StringEquals, StringNotEquals, with or
//! without IfExists), checked against the member role's ARN in any account. A statement with a
//! condition on any other key (a region, a tag, a time…) may or may not deny at run time: it is not
//! refused. `Resource` is not narrowed: govern's calls touch every key, secret and contact.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::model::{Address, Desired, PolicyKind, PolicyName};

use super::change::Conflict;

/// The actions of docs/iam/govern-member-role.json, by the baseline that needs them (tests/it/iam.rs
/// keeps that file in step with the calls in code; a unit test below keeps this list in step with
/// the file).
pub const MEMBER_ACTIONS: &[(&str, Need)] = &[
    ("account:GetAlternateContact", Need::Contacts),
    ("account:PutAlternateContact", Need::Contacts),
    ("account:PutAccountName", Need::AccountNames),
    ("account:ListRegions", Need::Regions),
    ("account:DisableRegion", Need::Regions),
    ("kms:ListKeys", Need::KeyRotation),
    ("kms:DescribeKey", Need::Keys),
    ("kms:GetKeyRotationStatus", Need::Keys),
    ("kms:EnableKeyRotation", Need::Keys),
    ("kms:CreateKey", Need::Trail),
    ("kms:CreateAlias", Need::Trail),
    ("s3:CreateBucket", Need::Trail),
    ("s3:GetBucketObjectLockConfiguration", Need::Trail),
    ("s3:GetBucketOwnershipControls", Need::Trail),
    ("s3:GetBucketPolicy", Need::Trail),
    ("s3:GetBucketPublicAccessBlock", Need::Trail),
    ("s3:GetBucketVersioning", Need::Trail),
    ("s3:GetEncryptionConfiguration", Need::Trail),
    ("s3:GetLifecycleConfiguration", Need::Trail),
    ("s3:PutBucketObjectLockConfiguration", Need::Trail),
    ("s3:PutBucketOwnershipControls", Need::Trail),
    ("s3:PutBucketPolicy", Need::Trail),
    ("s3:PutBucketPublicAccessBlock", Need::Trail),
    ("s3:PutBucketVersioning", Need::Trail),
    ("s3:PutEncryptionConfiguration", Need::Trail),
    ("s3:PutLifecycleConfiguration", Need::Trail),
    ("secretsmanager:ListSecrets", Need::KeyRotation),
    ("secretsmanager:RotateSecret", Need::KeyRotation),
    ("lambda:InvokeFunction", Need::KeyRotation),
    ("securityhub:BatchImportFindings", Need::SecurityHubImport),
];

/// Which declaration makes govern need an action in member accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// `[contacts.*]` or an account's own contacts.
    Contacts,
    /// `[organization] allowed_regions`.
    Regions,
    /// An account's declared `name` (a rename runs inside the account: `crate::account_name`).
    AccountNames,
    /// `[key_rotation]`.
    KeyRotation,
    /// `[logging.trail]`: its bucket and key in the logging account.
    Trail,
    /// `[key_rotation]` or `[logging.trail]` (KMS reads and EnableKeyRotation).
    Keys,
    /// `govern evidence --to-security-hub` only, which org.toml does not declare: an SCP denying
    /// it locks no plan or apply out, so it is never a reason to refuse one.
    SecurityHubImport,
}

/// The actions govern needs in member accounts under `desired`.
fn needed(desired: &Desired) -> Vec<&'static str> {
    let contacts = !desired.baselines.contacts.is_empty()
        || desired.accounts.values().any(|a| !a.contacts.is_empty());
    MEMBER_ACTIONS
        .iter()
        .filter(|(_, need)| match need {
            Need::Contacts => contacts,
            Need::Regions => !desired.allowed_regions.is_empty(),
            Need::AccountNames => desired.accounts.values().any(|a| a.aws_name.is_some()),
            Need::KeyRotation => desired.baselines.key_rotation.is_some(),
            Need::Trail => desired.baselines.trail.is_some(),
            Need::Keys => {
                desired.baselines.key_rotation.is_some() || desired.baselines.trail.is_some()
            }
            Need::SecurityHubImport => false,
        })
        .map(|(action, _)| *action)
        .collect()
}

/// One conflict per (policy, statement, target) that denies the member role a needed action.
pub fn conflicts(desired: &Desired) -> Vec<Conflict> {
    let needed = needed(desired);
    if needed.is_empty() {
        return Vec::new();
    }
    // Where each declared SCP is attached: the root, OUs and member accounts (SCPs never apply
    // to the management account).
    let mut targets: Vec<(String, &BTreeSet<PolicyName>)> = Vec::new();
    if let Some(p) = &desired.root_policies {
        targets.push(("root".into(), p));
    }
    for (path, ou) in &desired.ous {
        if let Some(p) = &ou.policies {
            targets.push((format!("ou:{path}"), p));
        }
    }
    for (name, account) in &desired.accounts {
        if account.id.as_ref() == Some(&desired.management_account) {
            continue;
        }
        if let Some(p) = &account.policies {
            targets.push((format!("account:{name}"), p));
        }
    }
    let role_arn = format!("arn:aws:iam::*:role/{}", desired.member_role);
    let mut out = Vec::new();
    for (name, policy) in &desired.policies {
        if policy.kind != PolicyKind::ServiceControlPolicy {
            continue;
        }
        let attached: Vec<&String> = targets
            .iter()
            .filter(|(_, p)| p.contains(name))
            .map(|(t, _)| t)
            .collect();
        if attached.is_empty() {
            continue;
        }
        for (index, statement) in statements(policy.document.value()).iter().enumerate() {
            let denied: Vec<&str> = needed
                .iter()
                .copied()
                .filter(|a| denies(statement, a, &desired.member_role))
                .collect();
            if denied.is_empty() {
                continue;
            }
            let sid = match statement.get("Sid").and_then(Value::as_str) {
                Some(sid) if !sid.is_empty() => sid.to_string(),
                _ => format!("#{}", index + 1),
            };
            for target in &attached {
                out.push(Conflict {
                    address: Address::Policy {
                        kind: PolicyKind::ServiceControlPolicy,
                        name: name.clone(),
                    },
                    message: format!(
                        "statement {sid} of `{name}`, attached to {target}, denies the member role \
                         {role} {actions}, which govern needs in member accounts: later plans \
                         could not read them. Exempt the role in the statement, e.g. \
                         \"Condition\": {{\"ArnNotLike\": {{\"aws:PrincipalArn\": \"{role_arn}\"}}}}",
                        role = desired.member_role,
                        actions = denied.join(", "),
                    ),
                });
            }
        }
    }
    out
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    }
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether `statement` certainly denies `action` to the role `role` (in any account).
pub fn denies(statement: &Value, action: &str, role: &str) -> bool {
    if statement.get("Effect").and_then(Value::as_str) != Some("Deny") {
        return false;
    }
    let matched = if let Some(actions) = statement.get("Action") {
        strings(Some(actions)).iter().any(|p| wildcard(p, action))
    } else if let Some(not) = statement.get("NotAction") {
        !strings(Some(not)).iter().any(|p| wildcard(p, action))
    } else {
        false
    };
    matched && applies_to_role(statement.get("Condition"), role)
}

/// Whether a statement's condition holds for the member role's ARN; false when it depends on
/// anything else (it may not hold at run time, and govern does not guess).
fn applies_to_role(condition: Option<&Value>, role: &str) -> bool {
    let Some(condition) = condition else {
        return true;
    };
    let Some(operators) = condition.as_object() else {
        return false;
    };
    // The member role in an account no condition value names (a value naming one account covers
    // that account only; 000000000000 stands for the others).
    let arn = format!("arn:aws:iam::000000000000:role/{role}");
    operators.iter().all(|(operator, keys)| {
        let Some(keys) = keys.as_object() else {
            return false;
        };
        let op = operator.strip_suffix("IfExists").unwrap_or(operator);
        keys.iter().all(|(key, values)| {
            if !key.eq_ignore_ascii_case("aws:PrincipalArn") {
                return false;
            }
            let values = strings(Some(values));
            let like = |v: &&str| wildcard_case(v, &arn);
            let equal = |v: &&str| *v == arn;
            match op {
                "ArnLike" | "StringLike" => values.iter().any(like),
                "ArnNotLike" | "StringNotLike" => !values.iter().any(like),
                "ArnEquals" | "StringEquals" => values.iter().any(equal),
                "ArnNotEquals" | "StringNotEquals" => !values.iter().any(equal),
                _ => false,
            }
        })
    })
}

/// IAM's action wildcard match: `*` any run, `?` one character, case-insensitive.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    glob(
        &pattern.to_ascii_lowercase().chars().collect::<Vec<_>>(),
        &text.to_ascii_lowercase().chars().collect::<Vec<_>>(),
    )
}

/// The same, case-sensitive (ARN conditions).
fn wildcard_case(pattern: &str, text: &str) -> bool {
    glob(
        &pattern.chars().collect::<Vec<_>>(),
        &text.chars().collect::<Vec<_>>(),
    )
}

fn glob(p: &[char], t: &[char]) -> bool {
    // Iterative with one backtrack point: linear enough for policy-sized strings.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_match_as_iam_does() {
        assert!(wildcard("kms:*", "kms:ListKeys"));
        assert!(wildcard("KMS:list*", "kms:ListKeys"));
        assert!(wildcard("*", "account:GetAlternateContact"));
        assert!(wildcard(
            "account:Get*Contact",
            "account:GetAlternateContact"
        ));
        assert!(wildcard("kms:?istKeys", "kms:ListKeys"));
        assert!(!wildcard("kms:List", "kms:ListKeys"));
        assert!(!wildcard("km*:Describe", "kms:ListKeys"));
        assert!(!wildcard("s3:*", "kms:ListKeys"));
    }

    #[test]
    fn actions_not_actions_and_exemptions() {
        let role = "GovernAdmin";
        let deny = |extra: Value| {
            let mut s = json!({"Effect": "Deny", "Resource": "*"});
            s.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            s
        };
        assert!(denies(
            &deny(json!({"Action": "kms:*"})),
            "kms:ListKeys",
            role
        ));
        assert!(!denies(
            &deny(json!({"Action": "kms:*"})),
            "account:ListRegions",
            role
        ));
        assert!(denies(
            &deny(json!({"NotAction": ["s3:*"]})),
            "kms:ListKeys",
            role
        ));
        assert!(!denies(
            &deny(json!({"NotAction": ["kms:*"]})),
            "kms:ListKeys",
            role
        ));
        let allow = json!({"Effect": "Allow", "Action": "*", "Resource": "*"});
        assert!(!denies(&allow, "kms:ListKeys", role));
        let exempt = |op: &str, arn: &str| {
            deny(json!({"Action": "*", "Condition": {op: {"aws:PrincipalArn": [arn]}}}))
        };
        // The role's ARN is exempted: no denial.
        assert!(!denies(
            &exempt("ArnNotLike", "arn:*:iam::*:role/GovernAdmin"),
            "kms:ListKeys",
            role
        ));
        assert!(!denies(
            &exempt("StringNotLikeIfExists", "arn:aws:iam::*:role/Govern*"),
            "kms:ListKeys",
            role
        ));
        // Another role exempted: the member role is denied.
        assert!(denies(
            &exempt("ArnNotLike", "arn:*:iam::*:role/Other"),
            "kms:ListKeys",
            role
        ));
        // One account's role only: denied in the others.
        assert!(denies(
            &exempt("ArnNotEquals", "arn:aws:iam::111122223333:role/GovernAdmin"),
            "kms:ListKeys",
            role
        ));
        // Only the root user is denied (the demo's deny-root-user): not the role.
        assert!(!denies(
            &exempt("ArnLike", "arn:*:iam::*:root"),
            "kms:ListKeys",
            role
        ));
        // A condition on something else may not hold at run time: not refused.
        let region = deny(
            json!({"Action": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}}}),
        );
        assert!(!denies(&region, "kms:ListKeys", role));
    }

    #[test]
    fn the_list_is_the_member_roles_policy() {
        let file: Value =
            serde_json::from_str(include_str!("../../../../docs/iam/govern-member-role.json"))
                .unwrap();
        let mut in_file: Vec<&str> = statements(&file)
            .iter()
            .flat_map(|s| strings(s.get("Action")))
            .collect();
        in_file.sort();
        let mut here: Vec<&str> = MEMBER_ACTIONS.iter().map(|(a, _)| *a).collect();
        here.sort();
        assert_eq!(here, in_file);
    }
}
