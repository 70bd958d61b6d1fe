//! The Organizations policy types moto does not know, which the [`Proxy`](crate::Proxy) answers
//! itself as AWS documents them.
//!
//! moto (5.2.5, `FakePolicy.SUPPORTED_POLICY_TYPES` and `FakeRoot.SUPPORTED_POLICY_TYPES`) lists
//! SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY, TAG_POLICY, BACKUP_POLICY and
//! AISERVICES_OPT_OUT_POLICY, and answers `InvalidInputException` ("You specified an invalid
//! value.") to EnablePolicyType, CreatePolicy and ListPolicies of any other type. Its CreatePolicy
//! of a BACKUP_POLICY fails with a 500 (`FakePolicy` has no ARN format for it and raises
//! NotImplementedError), so backup policies are the proxy's too. AWS takes every type of the API's
//! `PolicyType` (BACKUP_POLICY, CHATBOT_POLICY, DECLARATIVE_POLICY_EC2, SECURITYHUB_POLICY,
//! INSPECTOR_POLICY, S3_POLICY, BEDROCK_POLICY, UPGRADE_ROLLOUT_POLICY, GUARDDUTY_POLICY,
//! NETWORK_SECURITY_DIRECTOR_POLICY, and types added later). For those the proxy keeps the
//! policies, their tags and attachments, and the types enabled on the root, and answers:
//! - EnablePolicyType / DisablePolicyType (`PolicyTypeAlreadyEnabledException`,
//!   `PolicyTypeNotEnabledException`), and ListRoots with the enabled types added to the root's
//!   `PolicyTypes`;
//! - CreatePolicy (`PolicyTypeNotEnabledException` until the type is enabled: "Before you can
//!   create a policy of a given type, you must first enable that policy type"; a second policy of
//!   one name and type: `DuplicatePolicyException`), ListPolicies, ListPoliciesForTarget;
//! - by policy id: DescribePolicy, UpdatePolicy, DeletePolicy (`PolicyInUseException` while
//!   attached), AttachPolicy (`DuplicatePolicyAttachmentException`), DetachPolicy
//!   (`PolicyNotAttachedException`), ListTargetsForPolicy, TagResource, UntagResource,
//!   ListTagsForResource;
//! - DescribeEffectivePolicy of a type it keeps, for an account: the policies attached to the
//!   account, its OUs and the root, merged with `@@assign` (enough for what govern reads); and of
//!   moto's management types (tag, AI opt-out), which moto keeps but cannot describe as effective:
//!   merged the same way from what moto has attached (ListPoliciesForTarget, DescribePolicy).
//!
//! Any type string is taken, known to the SDK or not, so a test can enable a type govern does not
//! know. The strict layer's behaviours (pending types, transient errors) are moto's only.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::proxy::lock;
use crate::responders::Reply;
use crate::uniqueness::Upstream;

/// The types moto answers itself (BACKUP_POLICY is not one: see above).
pub const MOTO_TYPES: [&str; 4] = [
    "AISERVICES_OPT_OUT_POLICY",
    "RESOURCE_CONTROL_POLICY",
    "SERVICE_CONTROL_POLICY",
    "TAG_POLICY",
];

#[derive(Debug, Clone)]
struct Policy {
    id: String,
    name: String,
    description: String,
    content: String,
    kind: String,
    tags: BTreeMap<String, String>,
    targets: BTreeSet<String>,
}

#[derive(Debug, Default)]
struct Inner {
    enabled: BTreeSet<String>,
    policies: BTreeMap<String, Policy>,
    next: u64,
}

/// The policies and enabled types of the types moto lacks.
#[derive(Debug, Default)]
pub struct PolicyTypes {
    inner: Mutex<Inner>,
}

fn is_moto(kind: &str) -> bool {
    MOTO_TYPES.contains(&kind)
}

impl PolicyTypes {
    /// The answer for `op` when it concerns a type the proxy keeps; None to forward to moto.
    pub(crate) async fn check(
        &self,
        op: &str,
        body: &[u8],
        upstream: &impl Upstream,
    ) -> Option<Reply> {
        let request: Value = serde_json::from_slice(body).ok()?;
        let name = op.strip_prefix("organizations:")?;
        match name {
            "EnablePolicyType" | "DisablePolicyType" => {
                let kind = request["PolicyType"].as_str()?;
                if is_moto(kind) {
                    return None;
                }
                let root = request["RootId"].as_str()?.to_string();
                let mut inner = lock(&self.inner);
                let on = name == "EnablePolicyType";
                if on && !inner.enabled.insert(kind.to_string()) {
                    return Some(error(
                        "PolicyTypeAlreadyEnabledException",
                        "The specified policy type is already enabled.",
                    ));
                }
                if !on {
                    if !inner.enabled.remove(kind) {
                        return Some(error(
                            "PolicyTypeNotEnabledException",
                            "This operation can be performed only for enabled policy types.",
                        ));
                    }
                    // Disabling a type detaches its policies everywhere.
                    for p in inner.policies.values_mut().filter(|p| p.kind == kind) {
                        p.targets.clear();
                    }
                }
                let types: Vec<Value> = inner
                    .enabled
                    .iter()
                    .map(|t| json!({ "Type": t, "Status": "ENABLED" }))
                    .collect();
                Some(ok(json!({
                    "Root": { "Id": root, "Name": "Root", "PolicyTypes": types }
                })))
            }
            "CreatePolicy" => {
                let kind = request["Type"].as_str()?;
                if is_moto(kind) {
                    return None;
                }
                let mut inner = lock(&self.inner);
                if !inner.enabled.contains(kind) {
                    return Some(error(
                        "PolicyTypeNotEnabledException",
                        "This operation can be performed only for enabled policy types.",
                    ));
                }
                let pname = request["Name"].as_str()?.to_string();
                if inner
                    .policies
                    .values()
                    .any(|p| p.kind == kind && p.name == pname)
                {
                    return Some(error(
                        "DuplicatePolicyException",
                        "A policy with the same name already exists.",
                    ));
                }
                inner.next += 1;
                let id = format!("p-proxy{:08}", inner.next);
                let tags = request["Tags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| {
                        Some((
                            t["Key"].as_str()?.to_string(),
                            t["Value"].as_str()?.to_string(),
                        ))
                    })
                    .collect();
                let p = Policy {
                    id: id.clone(),
                    name: pname,
                    description: request["Description"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    content: request["Content"].as_str()?.to_string(),
                    kind: kind.to_string(),
                    tags,
                    targets: BTreeSet::new(),
                };
                let answer = ok(json!({ "Policy": described(&p) }));
                inner.policies.insert(id, p);
                Some(answer)
            }
            "ListPolicies" | "ListPoliciesForTarget" => {
                let kind = request["Filter"].as_str()?;
                if is_moto(kind) {
                    return None;
                }
                let target = request["TargetId"].as_str();
                let inner = lock(&self.inner);
                let policies: Vec<Value> = inner
                    .policies
                    .values()
                    .filter(|p| p.kind == kind)
                    .filter(|p| target.is_none_or(|t| p.targets.contains(t)))
                    .map(summary)
                    .collect();
                Some(ok(json!({ "Policies": policies })))
            }
            "DescribeEffectivePolicy" => {
                let kind = request["PolicyType"].as_str()?;
                let account = request["TargetId"].as_str()?.to_string();
                let path = ancestry(upstream, &account).await?;
                if is_moto(kind) {
                    // moto keeps these types but has no DescribeEffectivePolicy: the proxy merges
                    // what moto has attached along the account's path, root first.
                    let mut merged = serde_json::Map::new();
                    let mut any = false;
                    for target in path.iter().rev() {
                        let listed = upstream
                            .organizations(
                                "ListPoliciesForTarget",
                                json!({ "TargetId": target, "Filter": kind }),
                            )
                            .await?;
                        for p in listed["Policies"].as_array().into_iter().flatten() {
                            let Some(id) = p["Id"].as_str() else { continue };
                            let described = upstream
                                .organizations("DescribePolicy", json!({ "PolicyId": id }))
                                .await?;
                            let content = described["Policy"]["Content"].as_str().unwrap_or("{}");
                            if let Ok(Value::Object(doc)) = serde_json::from_str(content) {
                                any = true;
                                merge(&mut merged, &doc);
                            }
                        }
                    }
                    if !any {
                        return Some(error(
                            "EffectivePolicyNotFoundException",
                            "We can't find an effective policy for the specified target.",
                        ));
                    }
                    return Some(ok(json!({
                        "EffectivePolicy": {
                            "PolicyContent": Value::Object(merged).to_string(),
                            "TargetId": account,
                            "PolicyType": kind,
                        }
                    })));
                }
                let inner = lock(&self.inner);
                let mut merged = serde_json::Map::new();
                let mut any = false;
                for target in &path {
                    for p in inner.policies.values() {
                        if p.kind == kind && p.targets.contains(target) {
                            any = true;
                            if let Ok(Value::Object(doc)) = serde_json::from_str(&p.content) {
                                merge(&mut merged, &doc);
                            }
                        }
                    }
                }
                if !any {
                    return Some(error(
                        "EffectivePolicyNotFoundException",
                        "We can't find an effective policy for the specified target.",
                    ));
                }
                Some(ok(json!({
                    "EffectivePolicy": {
                        "PolicyContent": Value::Object(merged).to_string(),
                        "TargetId": account,
                        "PolicyType": kind,
                    }
                })))
            }
            _ => {
                let id = request["PolicyId"]
                    .as_str()
                    .or_else(|| request["ResourceId"].as_str())?
                    .to_string();
                let mut inner = lock(&self.inner);
                let enabled = inner.enabled.clone();
                let p = inner.policies.get_mut(&id)?;
                match name {
                    "DescribePolicy" => Some(ok(json!({ "Policy": described(p) }))),
                    "UpdatePolicy" => {
                        if let Some(n) = request["Name"].as_str() {
                            p.name = n.to_string();
                        }
                        if let Some(d) = request["Description"].as_str() {
                            p.description = d.to_string();
                        }
                        if let Some(c) = request["Content"].as_str() {
                            p.content = c.to_string();
                        }
                        Some(ok(json!({ "Policy": described(p) })))
                    }
                    "DeletePolicy" => {
                        if !p.targets.is_empty() {
                            return Some(error(
                                "PolicyInUseException",
                                "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.",
                            ));
                        }
                        inner.policies.remove(&id);
                        Some(ok(json!({})))
                    }
                    "AttachPolicy" => {
                        if !enabled.contains(&p.kind) {
                            return Some(error(
                                "PolicyTypeNotEnabledException",
                                "This operation can be performed only for enabled policy types.",
                            ));
                        }
                        let target = request["TargetId"].as_str()?.to_string();
                        if !p.targets.insert(target) {
                            return Some(error(
                                "DuplicatePolicyAttachmentException",
                                "The selected policy is already attached to the specified target.",
                            ));
                        }
                        Some(ok(json!({})))
                    }
                    "DetachPolicy" => {
                        let target = request["TargetId"].as_str()?;
                        if !p.targets.remove(target) {
                            return Some(error(
                                "PolicyNotAttachedException",
                                "The policy isn't attached to the specified target in the specified root.",
                            ));
                        }
                        Some(ok(json!({})))
                    }
                    "ListTargetsForPolicy" => {
                        let targets: Vec<Value> = p
                            .targets
                            .iter()
                            .map(|t| {
                                let kind = if t.starts_with("r-") {
                                    "ROOT"
                                } else if t.starts_with("ou-") {
                                    "ORGANIZATIONAL_UNIT"
                                } else {
                                    "ACCOUNT"
                                };
                                json!({ "TargetId": t, "Arn": "", "Name": t, "Type": kind })
                            })
                            .collect();
                        Some(ok(json!({ "Targets": targets })))
                    }
                    "TagResource" => {
                        for t in request["Tags"].as_array().into_iter().flatten() {
                            if let (Some(k), Some(v)) = (t["Key"].as_str(), t["Value"].as_str()) {
                                p.tags.insert(k.to_string(), v.to_string());
                            }
                        }
                        Some(ok(json!({})))
                    }
                    "UntagResource" => {
                        for k in request["TagKeys"].as_array().into_iter().flatten() {
                            if let Some(k) = k.as_str() {
                                p.tags.remove(k);
                            }
                        }
                        Some(ok(json!({})))
                    }
                    "ListTagsForResource" => {
                        let tags: Vec<Value> = p
                            .tags
                            .iter()
                            .map(|(k, v)| json!({ "Key": k, "Value": v }))
                            .collect();
                        Some(ok(json!({ "Tags": tags })))
                    }
                    _ => None,
                }
            }
        }
    }

    /// Adds the types the proxy keeps to a ListRoots answer of moto's.
    pub(crate) fn patch_list_roots(&self, body: &[u8]) -> Option<Vec<u8>> {
        let enabled = lock(&self.inner).enabled.clone();
        if enabled.is_empty() {
            return None;
        }
        let mut answer: Value = serde_json::from_slice(body).ok()?;
        for root in answer["Roots"].as_array_mut()? {
            let types = root["PolicyTypes"].as_array_mut()?;
            for t in &enabled {
                types.push(json!({ "Type": t, "Status": "ENABLED" }));
            }
        }
        Some(answer.to_string().into_bytes())
    }
}

fn summary(p: &Policy) -> Value {
    json!({
        "Id": p.id,
        "Arn": format!("arn:aws:organizations::123456789012:policy/o-proxy/{}/{}", p.kind.to_lowercase(), p.id),
        "Name": p.name,
        "Description": p.description,
        "Type": p.kind,
        "AwsManaged": false,
    })
}

fn described(p: &Policy) -> Value {
    json!({ "PolicySummary": summary(p), "Content": p.content })
}

/// The account, its OUs up to the root and the root: the targets whose policies apply to it.
async fn ancestry(upstream: &impl Upstream, account: &str) -> Option<Vec<String>> {
    let mut out = vec![account.to_string()];
    let mut child = account.to_string();
    for _ in 0..8 {
        let parents = upstream
            .organizations("ListParents", json!({ "ChildId": child }))
            .await?;
        let parent = parents["Parents"].as_array()?.first()?.clone();
        let id = parent["Id"].as_str()?.to_string();
        out.push(id.clone());
        if parent["Type"].as_str() == Some("ROOT") {
            return Some(out);
        }
        child = id;
    }
    Some(out)
}

/// Folds a management policy into the effective one: a child's `@@assign` replaces its parent's
/// (the inheritance rule of management policies, as far as govern's tests need it).
fn merge(into: &mut serde_json::Map<String, Value>, doc: &serde_json::Map<String, Value>) {
    for (k, v) in doc {
        if k.starts_with("@@") && k != "@@assign" {
            continue;
        }
        match (into.get_mut(k), v) {
            (Some(Value::Object(a)), Value::Object(b)) if k != "@@assign" => merge(a, b),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
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
