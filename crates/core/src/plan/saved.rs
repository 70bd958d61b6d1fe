//! Saved plans (`govern plan -o plans/<name>.json`): the plan a reviewer approved, with what it was
//! computed against, so that apply can refuse it once that has changed.
//!
//! govern keeps no state file, so there is no serial to compare. Instead a saved plan carries, for
//! every address a change touches, a fingerprint: the SHA-256 of the canonical JSON of the slice of
//! `Actual` that change depends on. Apply re-discovers, recomputes them, and refuses on any
//! difference; it also refuses when a config file changed. Everything here is pure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Change, Plan, Target};
use crate::model::{AccountRef, Actual, Member};
use crate::state::{sha256, ConfigDigest};

/// The saved plan file's `format_version`.
pub const SAVED_FORMAT_VERSION: u32 = 1;
/// The saved plan file's `kind`.
pub const SAVED_KIND: &str = "saved_plan";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format_version: u32,
    pub kind: String,
    pub govern_version: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The account whose credentials made the plan (the management account).
    pub caller_account: String,
    pub organization_id: String,
    /// First 12 hex digits of the SHA-256 of the plan's canonical JSON; names its journal.
    pub plan_id: String,
    /// The config files the plan was made from.
    pub config: ConfigDigest,
    /// For every address a change touches, the fingerprint of the state it was computed against.
    pub fingerprints: BTreeMap<String, String>,
    /// The `--target` filters the plan was narrowed with, so apply can make it again the same way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// The `--shard` it was made for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<super::Shard>,
    pub plan: Plan,
}

impl SavedPlan {
    pub fn new(
        plan: Plan,
        actual: &Actual,
        config: ConfigDigest,
        caller_account: &str,
        created_at: String,
    ) -> SavedPlan {
        SavedPlan {
            format_version: SAVED_FORMAT_VERSION,
            kind: SAVED_KIND.into(),
            govern_version: env!("CARGO_PKG_VERSION").into(),
            created_at,
            caller_account: caller_account.into(),
            organization_id: actual.organization_id.clone(),
            plan_id: plan_id(&plan),
            config,
            fingerprints: fingerprints(&plan, actual),
            targets: Vec::new(),
            shard: None,
            plan,
        }
    }

    /// What makes this file something other than what `govern plan` wrote (empty: it is intact):
    /// a plan id that is not the hash of its plan, an address twice. A saved plan is untrusted
    /// input: the file is reviewed, then sits in CI storage or a repository until apply reads it.
    pub fn integrity(&self) -> Vec<String> {
        let mut out = Vec::new();
        let id = plan_id(&self.plan);
        if id != self.plan_id {
            out.push(format!(
                "its plan id {} is not the hash of its plan ({id}): the file was edited after `govern plan` wrote it",
                self.plan_id
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &self.plan.changes {
            if !seen.insert(c.address.to_string()) {
                out.push(format!(
                    "{} appears twice among its changes: a plan changes an address once",
                    c.address
                ));
            }
        }
        out
    }

    /// How the saved changes differ from `now`, the plan made again from the same config files and
    /// the same state (empty: they are equal, in content, order and actions). Each line names the
    /// change and what differs: the first field, a change only one side has, or the order.
    pub fn differences(&self, now: &Plan) -> Vec<String> {
        let key = |c: &super::PlannedChange| c.address.to_string();
        let fresh: BTreeMap<String, &super::PlannedChange> =
            now.changes.iter().map(|c| (key(c), c)).collect();
        let kept: BTreeMap<String, &super::PlannedChange> =
            self.plan.changes.iter().map(|c| (key(c), c)).collect();
        let mut out = Vec::new();
        for c in &self.plan.changes {
            match fresh.get(&key(c)) {
                None => out.push(format!("{}: not planned now", c.address)),
                Some(n) if *n != c => {
                    let path = first_difference(
                        &serde_json::to_value(c).expect("a change serializes"),
                        &serde_json::to_value(n).expect("a change serializes"),
                        "",
                    )
                    .unwrap_or_default();
                    out.push(format!(
                        "{}: {} differs from the plan made now",
                        c.address,
                        path.trim_start_matches('.')
                    ));
                }
                Some(_) => {}
            }
        }
        for c in &now.changes {
            if !kept.contains_key(&key(c)) {
                out.push(format!(
                    "{}: planned now, not in the file (it appeared after the plan was made)",
                    c.address
                ));
            }
        }
        if out.is_empty() && self.plan.changes != now.changes {
            out.push("its changes are in another order than the plan made now runs them".into());
        }
        out
    }

    /// Why this plan must not be applied against `actual` with the config files `config` (empty:
    /// it may). Each reason names what changed: a file, an address, the organization.
    pub fn staleness(&self, config: &ConfigDigest, actual: &Actual) -> Vec<String> {
        let mut out = Vec::new();
        if self.organization_id != actual.organization_id {
            out.push(format!(
                "it was made for organization {}, this is {}",
                self.organization_id, actual.organization_id
            ));
            return out;
        }
        for file in self.config.changed_files(config) {
            out.push(format!("config file {file} changed"));
        }
        let now = fingerprints(&self.plan, actual);
        let mut addresses: Vec<&String> = self.fingerprints.keys().chain(now.keys()).collect();
        addresses.sort();
        addresses.dedup();
        for a in addresses {
            if self.fingerprints.get(a) != now.get(a) {
                // An account that cannot be read now is not known to have changed: say which.
                let unread = super::address_account(a).and_then(|id| {
                    actual.members.iter().find_map(|(m, state)| match state {
                        crate::model::Member::Failed { reason, .. } if *m == id => Some(reason),
                        _ => None,
                    })
                });
                if let Some(reason) = unread {
                    out.push(format!("{a} could not be read again to check it: {reason}"));
                    continue;
                }
                out.push(format!("{a} changed in AWS"));
            }
        }
        out
    }
}

/// The JSON path of the first place two values differ (`.change.after.document`).
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, &format!("{at}.{k}")),
                _ => Some(format!("{at}.{k}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}[{i}]"))),
        _ if a == b => None,
        _ => Some(at.to_string()),
    }
}

/// First 12 hex digits of the SHA-256 of the plan's canonical JSON.
pub fn plan_id(plan: &Plan) -> String {
    sha256(canonical(plan).as_bytes())[..12].to_string()
}

/// For every address a change in `plan` touches, the SHA-256 of the canonical JSON of the part of
/// `actual` that change was computed from.
pub fn fingerprints(plan: &Plan, actual: &Actual) -> BTreeMap<String, String> {
    plan.changes
        .iter()
        .map(|c| {
            let slice = json!({ "address": c.address, "state": slice(&c.change, actual) });
            (c.address.to_string(), sha256(canonical(&slice).as_bytes()))
        })
        .collect()
}

/// The part of `actual` a change depends on.
fn slice(change: &Change, actual: &Actual) -> Value {
    match change {
        Change::EnablePolicyType { kind } => json!(actual.enabled(*kind)),
        Change::SetTags { target, .. } => json!(target.key().and_then(|k| actual.tags.get(&k))),
        Change::RenameOu { from, path, .. } => {
            json!({ "from": actual.ous.get(from), "to": actual.ous.get(path) })
        }
        Change::CreateOu { path, .. } => json!({
            "ou": actual.ous.get(path),
            "parent": match path.parent() {
                crate::model::Parent::Root => json!(actual.root_id),
                crate::model::Parent::Ou(p) => json!(actual.ous.get(&p)),
            },
        }),
        Change::CreatePolicy { kind, name, .. } => json!(actual.policy(*kind, name)),
        Change::UpdatePolicy {
            kind, name, from, ..
        } => json!(actual.policy(*kind, from.as_ref().unwrap_or(name))),
        Change::DeletePolicy { kind, name, .. } => {
            let key = crate::model::PolicyKey::new(*kind, name.clone());
            let targets: Vec<String> = actual
                .attachments
                .iter()
                .filter(|(_, s)| s.contains(&key))
                .map(|(t, _)| t.to_string())
                .collect();
            json!({ "policy": actual.policy(*kind, name), "targets": targets })
        }
        Change::CreateAccount {
            name,
            account_name,
            email,
            ..
        } => {
            // Anything that would make this a twin: an account of that name or email.
            let name = account_name.as_ref().unwrap_or(name);
            let same: BTreeMap<_, _> = actual
                .accounts
                .iter()
                .filter(|(_, a)| &a.name == name || a.email.eq_ignore_ascii_case(email.as_str()))
                .collect();
            json!(same)
        }
        Change::MoveAccount { id, .. } => json!(actual.accounts.get(id)),
        Change::Attach { kind, target, .. } | Change::Detach { kind, target, .. } => match target {
            Target::Account { id: None, name } => json!({ "new_account": name }),
            t => json!(t.key().map(|k| actual.attached(&k, *kind))),
        },
        Change::EnableServiceAccess { service } => json!(actual.service_access.contains(service)),
        Change::RegisterDelegatedAdmin {
            service, account, ..
        } => {
            let admins: BTreeMap<_, _> = actual
                .delegated_admins
                .iter()
                .filter(|(a, s)| s.contains(service) || Some(*a) == account.as_ref())
                .collect();
            json!(admins)
        }
        Change::RootAccess(r) => r.fingerprint(actual),
        Change::RenameAccount(r) => r.fingerprint(actual),
        Change::SecurityAdmin(s) => s.fingerprint(actual),
        Change::Trail(t) => t.fingerprint(actual),
        Change::Member(m) => match m.get().account() {
            AccountRef::Id(account) => member(actual, &account, |state| m.get().fingerprint(state)),
            // An account the plan creates: nothing to compare until it exists.
            AccountRef::Name(_) => json!(null),
        },
    }
}

/// A slice of one member account's state; an account not read (or not readable) is its status.
fn member(
    actual: &Actual,
    account: &crate::model::AccountId,
    f: impl FnOnce(&crate::model::MemberState) -> Value,
) -> Value {
    match actual.members.get(account) {
        Some(Member::Read(m)) => f(m),
        other => json!({ "member": other.map(|m| serde_json::to_value(m).ok()) }),
    }
}

/// JSON with object keys sorted at every level and no white space: one spelling per value.
pub fn canonical(value: &impl Serialize) -> String {
    fn sort(v: Value) -> Value {
        match v {
            Value::Object(map) => {
                let sorted: BTreeMap<String, Value> =
                    map.into_iter().map(|(k, v)| (k, sort(v))).collect();
                Value::Object(sorted.into_iter().collect())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(sort).collect()),
            other => other,
        }
    }
    let v = serde_json::to_value(value).expect("plan data always serializes");
    serde_json::to_string(&sort(v)).expect("a JSON value always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountId, OuPath, PolicyKind, PolicyName, TargetKey};
    use crate::plan::{Action, PlannedChange};

    fn actual() -> Actual {
        Actual {
            policy_types: [PolicyKind::ServiceControlPolicy].into(),
            attachments: [(
                TargetKey::Root,
                [crate::model::PolicyKey::full_aws_access()]
                    .into_iter()
                    .collect(),
            )]
            .into(),
            ..Actual::empty("o-1", AccountId::parse("123456789012").unwrap(), "r-1")
        }
    }

    fn plan(changes: Vec<Change>) -> Plan {
        Plan {
            format_version: 1,
            changes: changes
                .into_iter()
                .map(|c| PlannedChange {
                    address: c.address(),
                    action: c.action(),
                    depends_on: vec![],
                    change: c,
                })
                .collect(),
            unmanaged: vec![],
            conflicts: vec![],
            findings: vec![],
            account_names: Default::default(),
        }
    }

    #[test]
    fn a_fingerprint_moves_only_with_its_own_slice() {
        let deny = PolicyName::parse("deny-x").unwrap();
        let p = plan(vec![
            Change::CreateOu {
                tags: Default::default(),
                path: OuPath::parse("Security").unwrap(),
            },
            Change::Attach {
                kind: PolicyKind::ServiceControlPolicy,
                policy: deny.clone(),
                target: Target::Root,
            },
        ]);
        let before = actual();
        let a = fingerprints(&p, &before);
        assert_eq!(a, fingerprints(&p, &before.clone()), "deterministic");
        assert_eq!(a.len(), 2);

        let mut moved = before.clone();
        moved
            .attachments
            .get_mut(&TargetKey::Root)
            .unwrap()
            .insert(crate::model::PolicyKey::scp(deny));
        let b = fingerprints(&p, &moved);
        assert_eq!(a["ou:Security"], b["ou:Security"]);
        assert_ne!(a["attach:scp:deny-x→root"], b["attach:scp:deny-x→root"]);

        // Unrelated state (another OU) changes nothing.
        let mut other = before.clone();
        other.ous.insert(
            OuPath::parse("Sandbox").unwrap(),
            crate::model::ActualOu { id: "ou-9".into() },
        );
        assert_eq!(a, fingerprints(&p, &other));
        assert_eq!(Action::Create, p.changes[0].action);
    }

    #[test]
    fn staleness_names_files_and_addresses() {
        let p = plan(vec![Change::CreateOu {
            tags: Default::default(),
            path: OuPath::parse("Security").unwrap(),
        }]);
        let cfg = |sha: &str| ConfigDigest::from_files([("org.toml".into(), sha.into())].into());
        let saved = SavedPlan::new(p, &actual(), cfg("aa"), "123456789012", "t".into());
        assert!(saved.staleness(&cfg("aa"), &actual()).is_empty());
        let mut now = actual();
        now.ous.insert(
            OuPath::parse("Security").unwrap(),
            crate::model::ActualOu { id: "ou-1".into() },
        );
        assert_eq!(
            saved.staleness(&cfg("bb"), &now),
            ["config file org.toml changed", "ou:Security changed in AWS"]
        );
        assert_eq!(saved.plan_id, plan_id(&saved.plan));
        assert_eq!(
            canonical(&json!({"b": 1, "a": {"d": 2, "c": 3}})),
            r#"{"a":{"c":3,"d":2},"b":1}"#
        );
    }
}
