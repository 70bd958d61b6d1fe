//! The answers, in each service's own wire protocol: Organizations, KMS and Secrets Manager in
//! awsJson 1.1 (`X-Amz-Target`, JSON body, errors as `__type`), the Account API in restJson (POST
//! `/getAlternateContact`, errors in `x-amzn-ErrorType`), STS and IAM in awsQuery (form body, XML
//! answers). Operations are named by the proxy's own parser (`proxy::classify`).
//!
//! Paging is AWS's, not moto's (moto ignores MaxResults on several Organizations lists and answers
//! one page): every list checks its size parameter against the API reference's range and pages at
//! that size. From the API references (docs.aws.amazon.com/<service>/latest/APIReference, read
//! 2026-12-05):
//! - Organizations (ListAccountsForParent, ListOrganizationalUnitsForParent, ListPolicies,
//!   ListTargetsForPolicy, ListPoliciesForTarget, ListRoots, ListTagsForResource, …): MaxResults
//!   1–20. Omitted, "it defaults to a value that is specific to the operation": 20 here (an
//!   assumption: AWS does not publish it).
//! - KMS ListKeys: Limit 1–1000, default 100.
//! - Secrets Manager ListSecrets: MaxResults 1–100; omitted, 100 here (an assumption).
//! - Account ListRegions: MaxResults 1–50; omitted, 20 here (an assumption).

use serde_json::{json, Value};

use super::org::{Acct, Org, Target, CONTACTS, ROOT_ID};
use crate::proxy::{iso8601, json_error, request_id, xml_error};
use crate::responders::{form_param, Reply, DEFAULT_REGIONS, OPT_IN_REGIONS};

/// One request, as the server saw it.
pub(crate) struct Call<'a> {
    pub op: &'a str,
    pub caller: Acct,
    pub region: &'a str,
    pub body: &'a [u8],
}

/// The answer to `call`.
pub(crate) fn answer(org: &Org, call: &Call<'_>) -> Reply {
    let (service, name) = call.op.split_once(':').unwrap_or(("", call.op));
    match service {
        "organizations" => organizations(org, name, call),
        "sts" => sts(org, name, call),
        "account" => account(org, name, call),
        "kms" => kms(org, name, call),
        "secretsmanager" => secrets(org, name, call),
        "iam" if name == "ListOrganizationsFeatures" => xml_error(
            400,
            "Sender",
            "ServiceAccessNotEnabledException",
            "Trusted access is not enabled for iam.amazonaws.com.",
        ),
        _ => unknown(call.op),
    }
}

fn unknown(op: &str) -> Reply {
    // Loud on purpose: an operation govern starts calling must be added here, not answered
    // with something plausible.
    json_error(
        400,
        "UnknownOperationException",
        &format!("the synthetic server does not answer {op}"),
    )
}

fn input(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| json!({}))
}

/// A page of `total` items: `[start, end)` and the next token, from the request's size and token
/// parameters. Tokens are `<op tag>.<offset>`; a token from another list, or past the end, is
/// refused as AWS refuses a token it did not issue.
struct Page {
    start: u64,
    end: u64,
    next: Option<String>,
}

enum PageError {
    Size(u64),
    Token,
}

fn page(
    input: &Value,
    size_key: &str,
    token_key: &str,
    tag: &str,
    max: u64,
    default: u64,
    total: u64,
) -> Result<Page, PageError> {
    let size = match input.get(size_key).and_then(Value::as_u64) {
        None => default,
        Some(n) if (1..=max).contains(&n) => n,
        Some(n) => return Err(PageError::Size(n)),
    };
    let start = match input.get(token_key).and_then(Value::as_str) {
        None => 0,
        Some(token) => {
            let offset = token
                .strip_prefix(tag)
                .and_then(|t| t.strip_prefix('.'))
                .and_then(|n| n.parse::<u64>().ok())
                .filter(|n| *n > 0 && *n < total)
                .ok_or(PageError::Token)?;
            offset
        }
    };
    let end = (start + size).min(total);
    let next = (end < total).then(|| format!("{tag}.{end}"));
    Ok(Page { start, end, next })
}

// ---------------------------------------------------------------------------------------------
// Organizations

fn org_error(code: &str, message: &str) -> Reply {
    json_error(400, code, message)
}

fn invalid_input(reason: &str, message: &str) -> Reply {
    let mut r = json_error(400, "InvalidInputException", message);
    let mut body: Value = serde_json::from_slice(&r.body).unwrap_or_default();
    body["Reason"] = json!(reason);
    r.body = body.to_string().into_bytes();
    r
}

fn org_page(input: &Value, tag: &str, total: u64) -> Result<Page, Reply> {
    page(input, "MaxResults", "NextToken", tag, 20, 20, total).map_err(|e| match e {
        PageError::Size(n) => invalid_input(
            "MAX_LIMIT_EXCEEDED_FILTER",
            &format!("1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 20"),
        ),
        PageError::Token => invalid_input(
            "INVALID_PAGINATION_TOKEN",
            "You specified an invalid value for nextToken.",
        ),
    })
}

fn paged(mut out: Value, key: &str, items: Vec<Value>, next: Option<String>) -> Reply {
    out[key] = Value::Array(items);
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Reply::json(200, &out)
}

fn account_json(org: &Org, a: Acct) -> Value {
    let id = org.account_id(a);
    json!({
        "Id": id,
        "Arn": format!("arn:aws:organizations::{}:account/{}/{id}", org.account_id(Acct::Management), super::org::ORG_ID),
        "Email": org.account_email(a),
        "Name": org.account_name(a),
        "Status": "ACTIVE",
        "State": "ACTIVE",
        "JoinedMethod": if a == Acct::Management { "INVITED" } else { "CREATED" },
        "JoinedTimestamp": 1_700_000_000.0,
    })
}

fn ou_json(org: &Org, j: u32) -> Value {
    let id = org.ou_id(j);
    json!({
        "Id": id,
        "Arn": format!("arn:aws:organizations::{}:ou/{}/{id}", org.account_id(Acct::Management), super::org::ORG_ID),
        "Name": org.ou_name(j),
    })
}

fn policy_summary(org: &Org, p: u32) -> Value {
    let id = org.policy_id(p);
    let arn = if p == 0 {
        "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess".to_string()
    } else {
        format!(
            "arn:aws:organizations::{}:policy/{}/service_control_policy/{id}",
            org.account_id(Acct::Management),
            super::org::ORG_ID
        )
    };
    json!({
        "Id": id,
        "Arn": arn,
        "Name": org.policy_name(p),
        "Description": org.policy_description(p),
        "Type": "SERVICE_CONTROL_POLICY",
        "AwsManaged": p == 0,
    })
}

/// A parent id: the root (None) or an OU.
fn parent_of(org: &Org, id: &str) -> Option<Option<u32>> {
    if id == ROOT_ID {
        Some(None)
    } else {
        org.ou_of(id).map(Some)
    }
}

fn organizations(org: &Org, name: &str, call: &Call<'_>) -> Reply {
    if call.caller != Acct::Management {
        return org_error(
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
        );
    }
    let input = input(call.body);
    let management = org.account_id(Acct::Management);
    match name {
        "DescribeOrganization" => Reply::json(
            200,
            &json!({"Organization": {
                "Id": super::org::ORG_ID,
                "Arn": format!("arn:aws:organizations::{management}:organization/{}", super::org::ORG_ID),
                "FeatureSet": "ALL",
                "MasterAccountArn": format!("arn:aws:organizations::{management}:account/{}/{management}", super::org::ORG_ID),
                "MasterAccountId": management,
                "MasterAccountEmail": org.account_email(Acct::Management),
                "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
            }}),
        ),
        "ListRoots" => match org_page(&input, "roots", 1) {
            Err(r) => r,
            Ok(p) => paged(
                json!({}),
                "Roots",
                vec![json!({
                    "Id": ROOT_ID,
                    "Arn": format!("arn:aws:organizations::{management}:root/{}/{ROOT_ID}", super::org::ORG_ID),
                    "Name": "Root",
                    "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
                })],
                p.next,
            ),
        },
        "ListOrganizationalUnitsForParent" | "ListAccountsForParent" => {
            let parent_id = input.get("ParentId").and_then(Value::as_str).unwrap_or("");
            let Some(parent) = parent_of(org, parent_id) else {
                return org_error(
                    "ParentNotFoundException",
                    "We can't find a root or OU with the ParentId that you specified.",
                );
            };
            let tag = format!("{name}.{parent_id}");
            if name == "ListAccountsForParent" {
                let under = org.accounts_under(parent);
                match org_page(&input, &tag, under.len()) {
                    Err(r) => r,
                    Ok(p) => paged(
                        json!({}),
                        "Accounts",
                        (p.start..p.end)
                            .map(|n| account_json(org, under.get(n)))
                            .collect(),
                        p.next,
                    ),
                }
            } else {
                let ous = org.ous_under(parent);
                match org_page(&input, &tag, ous.len() as u64) {
                    Err(r) => r,
                    Ok(p) => paged(
                        json!({}),
                        "OrganizationalUnits",
                        (p.start..p.end)
                            .map(|n| ou_json(org, ous.start + n as u32))
                            .collect(),
                        p.next,
                    ),
                }
            }
        }
        "ListPolicies" => {
            let filter = input.get("Filter").and_then(Value::as_str).unwrap_or("");
            let total = if filter == "SERVICE_CONTROL_POLICY" {
                org.policies().len() as u64
            } else {
                0
            };
            match org_page(&input, &format!("policies.{filter}"), total) {
                Err(r) => r,
                Ok(p) => paged(
                    json!({}),
                    "Policies",
                    (p.start..p.end)
                        .map(|n| policy_summary(org, n as u32))
                        .collect(),
                    p.next,
                ),
            }
        }
        "DescribePolicy" | "ListTargetsForPolicy" => {
            let id = input.get("PolicyId").and_then(Value::as_str).unwrap_or("");
            let Some(p) = org.policy_of(id) else {
                return org_error(
                    "PolicyNotFoundException",
                    "We can't find a policy with the PolicyId that you specified.",
                );
            };
            if name == "DescribePolicy" {
                return Reply::json(
                    200,
                    &json!({"Policy": {
                        "PolicySummary": policy_summary(org, p),
                        "Content": org.policy_content(p),
                    }}),
                );
            }
            match org_page(&input, &format!("targets.{id}"), org.target_count(p)) {
                Err(r) => r,
                Ok(page) => paged(
                    json!({}),
                    "Targets",
                    (page.start..page.end)
                        .map(|t| target_json(org, org.target(p, t)))
                        .collect(),
                    page.next,
                ),
            }
        }
        "ListPoliciesForTarget" => {
            let id = input.get("TargetId").and_then(Value::as_str).unwrap_or("");
            let target = if id == ROOT_ID {
                Some(Target::Root)
            } else if let Some(j) = org.ou_of(id) {
                Some(Target::Ou(j))
            } else {
                org.account_of(id).map(Target::Account)
            };
            let Some(target) = target else {
                return org_error(
                    "TargetNotFoundException",
                    "We can't find a root, OU, account, or email address with the TargetId that you specified.",
                );
            };
            let filter = input.get("Filter").and_then(Value::as_str).unwrap_or("");
            let policies = if filter == "SERVICE_CONTROL_POLICY" {
                org.policies_of(target)
            } else {
                Vec::new()
            };
            match org_page(&input, &format!("for.{id}"), policies.len() as u64) {
                Err(r) => r,
                Ok(p) => paged(
                    json!({}),
                    "Policies",
                    policies[p.start as usize..p.end as usize]
                        .iter()
                        .map(|&n| policy_summary(org, n))
                        .collect(),
                    p.next,
                ),
            }
        }
        "ListTagsForResource" => {
            let id = input
                .get("ResourceId")
                .and_then(Value::as_str)
                .unwrap_or("");
            let known = id == ROOT_ID
                || org.ou_of(id).is_some()
                || org.policy_of(id).is_some()
                || org.account_of(id).is_some();
            if !known {
                return org_error(
                    "TargetNotFoundException",
                    "We can't find a root, OU, account, or policy with the ResourceId that you specified.",
                );
            }
            match org_page(&input, &format!("tags.{id}"), 0) {
                Err(r) => r,
                Ok(p) => paged(json!({}), "Tags", Vec::new(), p.next),
            }
        }
        "ListAWSServiceAccessForOrganization" => match org_page(&input, "access", 0) {
            Err(r) => r,
            Ok(p) => paged(json!({}), "EnabledServicePrincipals", Vec::new(), p.next),
        },
        "ListDelegatedAdministrators" => match org_page(&input, "admins", 0) {
            Err(r) => r,
            Ok(p) => paged(json!({}), "DelegatedAdministrators", Vec::new(), p.next),
        },
        _ => unknown(call.op),
    }
}

fn target_json(org: &Org, t: Target) -> Value {
    let management = org.account_id(Acct::Management);
    let o = super::org::ORG_ID;
    match t {
        Target::Root => json!({
            "TargetId": ROOT_ID, "Name": "Root", "Type": "ROOT",
            "Arn": format!("arn:aws:organizations::{management}:root/{o}/{ROOT_ID}"),
        }),
        Target::Ou(j) => {
            let id = org.ou_id(j);
            json!({
                "TargetId": id, "Name": org.ou_name(j), "Type": "ORGANIZATIONAL_UNIT",
                "Arn": format!("arn:aws:organizations::{management}:ou/{o}/{id}"),
            })
        }
        Target::Account(a) => {
            let id = org.account_id(a);
            json!({
                "TargetId": id, "Name": org.account_name(a), "Type": "ACCOUNT",
                "Arn": format!("arn:aws:organizations::{management}:account/{o}/{id}"),
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// STS (awsQuery)

/// Access keys issued by AssumeRole name their account, so the server keeps no session table:
/// `ASIASYN` + the 12-digit account id + `Z`.
pub(crate) fn access_key_for(account_id: &str) -> String {
    format!("ASIASYN{account_id}Z")
}

pub(crate) fn account_of_key(org: &Org, key: &str) -> Acct {
    key.strip_prefix("ASIASYN")
        .and_then(|k| k.strip_suffix('Z'))
        .and_then(|id| org.account_of(id))
        .unwrap_or(Acct::Management)
}

const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

fn xml(body: String) -> Reply {
    Reply {
        status: 200,
        headers: vec![("content-type", "text/xml".to_string())],
        body: body.into_bytes(),
    }
}

fn sts(org: &Org, name: &str, call: &Call<'_>) -> Reply {
    let caller_id = org.account_id(call.caller);
    match name {
        "GetCallerIdentity" => {
            let arn = match call.caller {
                Acct::Management => format!("arn:aws:iam::{caller_id}:user/synthetic"),
                Acct::Member(_) => {
                    format!("arn:aws:sts::{caller_id}:assumed-role/OrganizationAccountAccessRole/synthetic")
                }
            };
            xml(format!(
                "<GetCallerIdentityResponse xmlns=\"{STS_NS}\"><GetCallerIdentityResult><Arn>{arn}</Arn><UserId>AIDASYNTHETIC</UserId><Account>{caller_id}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
                request_id()
            ))
        }
        "AssumeRole" => {
            let arn = form_param(call.body, "RoleArn").unwrap_or_default();
            let session = form_param(call.body, "RoleSessionName").unwrap_or_default();
            let target = arn
                .split(':')
                .nth(4)
                .and_then(|id| org.account_of(id))
                .filter(|_| arn.contains(":role/"));
            let Some(target) = target else {
                return xml_error(
                    403,
                    "Sender",
                    "AccessDenied",
                    &format!("User: arn:aws:iam::{caller_id}:user/synthetic is not authorized to perform: sts:AssumeRole on resource: {arn}"),
                );
            };
            let id = org.account_id(target);
            let role = arn.rsplit('/').next().unwrap_or("role");
            let expires =
                iso8601(std::time::SystemTime::now() + std::time::Duration::from_secs(3600));
            xml(format!(
                "<AssumeRoleResponse xmlns=\"{STS_NS}\"><AssumeRoleResult><Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>synthetic-secret</SecretAccessKey><SessionToken>synthetic-token-{id}</SessionToken><Expiration>{expires}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROASYNTHETIC:{session}</AssumedRoleId><Arn>arn:aws:sts::{id}:assumed-role/{role}/{session}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></AssumeRoleResponse>",
                access_key_for(&id),
                request_id()
            ))
        }
        _ => xml_error(
            400,
            "Sender",
            "InvalidAction",
            &format!("the synthetic server does not answer sts:{name}"),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Account (restJson)

fn account(org: &Org, name: &str, call: &Call<'_>) -> Reply {
    let input = input(call.body);
    // From the management account with AccountId, about that member (AWS requires trusted
    // access for account.amazonaws.com then; govern only does so when it is on).
    let on = match input.get("AccountId").and_then(Value::as_str) {
        None => call.caller,
        Some(id) => match org.account_of(id) {
            Some(a) if call.caller == Acct::Management => a,
            _ => {
                return Reply::rest_error(
                    403,
                    "AccessDeniedException",
                    &format!("User is not authorized to perform: account:{name}"),
                    json!({}),
                )
            }
        },
    };
    match name {
        "GetAlternateContact" => {
            let kind = input
                .get("AlternateContactType")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !CONTACTS.iter().any(|c| c.0 == kind) {
                return Reply::rest_error(
                    400,
                    "ValidationException",
                    "Invalid AlternateContactType",
                    json!({"reason": "fieldValidationFailed"}),
                );
            }
            match org.contact(on, kind) {
                None => Reply::rest_error(
                    404,
                    "ResourceNotFoundException",
                    "No contact of the inputted alternate contact type found.",
                    json!({}),
                ),
                Some([n, t, e, p]) => Reply::json(
                    200,
                    &json!({"AlternateContact": {
                        "AlternateContactType": kind,
                        "Name": n, "Title": t, "EmailAddress": e, "PhoneNumber": p,
                    }}),
                ),
            }
        }
        "ListRegions" => {
            let filter: Option<Vec<&str>> = input
                .get("RegionOptStatusContains")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect());
            let opted = org.opted_in(on);
            let mut all: Vec<(&str, &str)> = DEFAULT_REGIONS
                .iter()
                .map(|r| (*r, "ENABLED_BY_DEFAULT"))
                .chain(OPT_IN_REGIONS.iter().map(|r| {
                    (
                        *r,
                        if Some(*r) == opted {
                            "ENABLED"
                        } else {
                            "DISABLED"
                        },
                    )
                }))
                .filter(|(_, s)| filter.as_ref().is_none_or(|f| f.contains(s)))
                .collect();
            all.sort();
            match page(
                &input,
                "MaxResults",
                "NextToken",
                "regions",
                50,
                20,
                all.len() as u64,
            ) {
                Err(_) => Reply::rest_error(
                    400,
                    "ValidationException",
                    "Invalid MaxResults or NextToken",
                    json!({"reason": "fieldValidationFailed"}),
                ),
                Ok(p) => paged(
                    json!({}),
                    "Regions",
                    all[p.start as usize..p.end as usize]
                        .iter()
                        .map(|(r, s)| json!({"RegionName": r, "RegionOptStatus": s}))
                        .collect(),
                    p.next,
                ),
            }
        }
        _ => Reply::rest_error(
            404,
            "UnknownOperationException",
            &format!("the synthetic server does not answer account:{name}"),
            json!({}),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// KMS (awsJson)

fn kms(org: &Org, name: &str, call: &Call<'_>) -> Reply {
    let input = input(call.body);
    let region = org.region_index(call.region);
    let caller_id = org.account_id(call.caller);
    let arn = |id: &str| format!("arn:aws:kms:{}:{caller_id}:key/{id}", call.region);
    match name {
        "ListKeys" => {
            let total = if region.is_some() {
                u64::from(org.shape.keys)
            } else {
                0
            };
            match page(&input, "Limit", "Marker", "keys", 1000, 100, total) {
                Err(PageError::Size(n)) => json_error(
                    400,
                    "ValidationException",
                    &format!("1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000"),
                ),
                Err(PageError::Token) => {
                    json_error(400, "InvalidMarkerException", "Invalid marker")
                }
                Ok(p) => {
                    let keys: Vec<Value> = (p.start..p.end)
                        .map(|k| {
                            let id = org.key_id(call.caller, region.unwrap_or(0), k as u32);
                            json!({"KeyId": id, "KeyArn": arn(&id)})
                        })
                        .collect();
                    let mut out = json!({"Keys": keys, "Truncated": p.next.is_some()});
                    if let Some(next) = p.next {
                        out["NextMarker"] = json!(next);
                    }
                    Reply::json(200, &out)
                }
            }
        }
        "DescribeKey" | "GetKeyRotationStatus" => {
            let given = input.get("KeyId").and_then(Value::as_str).unwrap_or("");
            let found = org
                .key_of(given)
                .filter(|(a, r, _)| *a == call.caller && Some(*r) == region);
            let Some((a, r, k)) = found else {
                return json_error(
                    400,
                    "NotFoundException",
                    &format!("Key '{}' does not exist", arn(given)),
                );
            };
            let id = org.key_id(a, r, k);
            if name == "DescribeKey" {
                return Reply::json(
                    200,
                    &json!({"KeyMetadata": {
                        "AWSAccountId": caller_id,
                        "KeyId": id,
                        "Arn": arn(&id),
                        "CreationDate": 1_700_000_000.0,
                        "Enabled": true,
                        "Description": "",
                        "KeyUsage": "ENCRYPT_DECRYPT",
                        "KeyState": "Enabled",
                        "Origin": "AWS_KMS",
                        "KeyManager": "CUSTOMER",
                        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
                        "KeySpec": "SYMMETRIC_DEFAULT",
                        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
                        "MultiRegion": false,
                    }}),
                );
            }
            let (on, days) = org.key_rotation(a, r, k);
            let mut out = json!({"KeyRotationEnabled": on, "KeyId": arn(&id)});
            if on {
                out["RotationPeriodInDays"] = json!(days);
            }
            Reply::json(200, &out)
        }
        _ => unknown(call.op),
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets Manager (awsJson)

fn secrets(org: &Org, name: &str, call: &Call<'_>) -> Reply {
    if name != "ListSecrets" {
        return unknown(call.op);
    }
    let input = input(call.body);
    let region = org.region_index(call.region);
    let total = if region.is_some() {
        u64::from(org.shape.secrets)
    } else {
        0
    };
    match page(
        &input,
        "MaxResults",
        "NextToken",
        "secrets",
        100,
        100,
        total,
    ) {
        Err(PageError::Size(n)) => json_error(
            400,
            "InvalidParameterException",
            &format!("MaxResults {n} is not between 1 and 100"),
        ),
        Err(PageError::Token) => json_error(
            400,
            "InvalidNextTokenException",
            "The NextToken value is invalid.",
        ),
        Ok(p) => {
            let r = region.unwrap_or(0);
            let list: Vec<Value> = (p.start..p.end)
                .map(|s| {
                    let s = s as u32;
                    let name = org.secret_name(s);
                    json!({
                        "ARN": org.secret_arn(call.caller, call.region, s),
                        "Name": name,
                        "RotationEnabled": true,
                        "RotationLambdaARN": org.rotation_function(call.caller, call.region),
                        "RotationRules": {"AutomaticallyAfterDays": org.secret_days(call.caller, r, s)},
                        "LastChangedDate": 1_700_000_000.0,
                        "CreatedDate": 1_700_000_000.0,
                    })
                })
                .collect();
            paged(json!({}), "SecretList", list, p.next)
        }
    }
}
