//! The drift report (`govern drift`) in the three formats: the plan, with what its differences are
//! (drift, pending, unknown) and the last apply's record. JSON: docs/drift-json.md.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::drift::{Classification, LastApply, Verdict};
use crate::plan::{Plan, Shard};
use crate::state::ConfigDigest;

use super::Style;

/// The drift JSON's `format_version`.
pub const DRIFT_FORMAT_VERSION: u32 = 1;

/// One account's effective policy of one management policy type, as AWS computes it
/// (DescribeEffectivePolicy): listed in the drift report so a scheduled run shows what applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffectivePolicy {
    pub account: crate::model::AccountId,
    /// The API name (`TAG_POLICY`, `CHATBOT_POLICY`, …).
    pub policy_type: String,
    /// The merged document; `null` where nothing of the type applies to the account.
    pub effective_policy: Option<serde_json::Value>,
}

pub struct DriftReport<'a> {
    pub verdict: &'a Verdict,
    pub last_apply: Option<&'a LastApply>,
    pub plan: &'a Plan,
    pub organization_id: &'a str,
    /// The config files checked (their digest), so shard reports can be merged safely.
    pub config: &'a ConfigDigest,
    pub shard: Option<Shard>,
    /// Each account's effective policy of each declared management policy type (empty: none
    /// declared, so none read).
    pub effective: &'a [EffectivePolicy],
    /// The organization snapshot the run started from (`drift --organization FILE`), if any.
    pub organization_snapshot: Option<&'a crate::snapshot::SnapshotRef>,
}

fn word(c: Classification) -> &'static str {
    match c {
        Classification::Clean => "clean",
        Classification::Drift => "drift",
        Classification::Pending => "pending",
        Classification::Unknown => "unknown",
    }
}

/// One line: what a scheduler's log or a chat message shows.
pub fn drift_summary_line(r: &DriftReport) -> String {
    match r.verdict.classification {
        Classification::Clean => "No drift: the organization matches org.toml.".into(),
        c => format!("Drift check: {} ({}).", r.verdict.reason, word(c)),
    }
}

/// The verdict first (a scheduled job's log is read from the top), then the differences, headed as
/// what they are: drift does not act, so it does not say "govern will perform".
pub fn drift_text(r: &DriftReport, style: &Style) -> String {
    let mut out = drift_summary_line(r);
    out.push_str("\n\n");
    out.push_str(&super::text::text_headed(
        r.plan,
        style,
        "Differences from org.toml (`govern apply` would make these changes):",
    ));
    if let Some(line) = effective_line(r.effective) {
        out.push('\n');
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(line) = snapshot_line(r.organization_snapshot) {
        out.push('\n');
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Where the organization came from when not from AWS during this run.
fn snapshot_line(snapshot: Option<&crate::snapshot::SnapshotRef>) -> Option<String> {
    let s = snapshot?;
    Some(format!(
        "Organization as read at {} (snapshot sha256 {}); inside the accounts, read by this run.",
        s.read_at,
        &s.sha256[..s.sha256.len().min(12)]
    ))
}

/// What was read of effective policies, in one line (the JSON lists them); None when none were.
fn effective_line(effective: &[EffectivePolicy]) -> Option<String> {
    if effective.is_empty() {
        return None;
    }
    let accounts: std::collections::BTreeSet<_> = effective.iter().map(|e| &e.account).collect();
    let types: std::collections::BTreeSet<_> = effective.iter().map(|e| &e.policy_type).collect();
    Some(format!(
        "Effective policies: {} read (DescribeEffectivePolicy: {} accounts × {} {}); `--format json` lists them.",
        effective.len(),
        accounts.len(),
        types.len(),
        if types.len() == 1 { "type" } else { "types" }
    ))
}

/// Field order here is the order in the output; keep it stable.
#[derive(Serialize)]
struct DriftJson<'a> {
    format_version: u32,
    kind: &'static str,
    classification: Classification,
    reason: &'a str,
    changed_files: &'a [String],
    last_apply: Option<&'a LastApply>,
    plan: super::json::PlanJson<'a>,
    organization_id: &'a str,
    config: &'a ConfigDigest,
    shard: Option<Shard>,
    effective: &'a [EffectivePolicy],
    /// Only when the run started from a snapshot: reports of a run that read AWS are unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    organization_snapshot: Option<&'a crate::snapshot::SnapshotRef>,
}

pub fn drift_json(r: &DriftReport) -> String {
    let doc = DriftJson {
        format_version: DRIFT_FORMAT_VERSION,
        kind: "drift",
        classification: r.verdict.classification,
        reason: &r.verdict.reason,
        changed_files: &r.verdict.changed_files,
        last_apply: r.last_apply,
        plan: super::json::document(r.plan),
        organization_id: r.organization_id,
        config: r.config,
        shard: r.shard,
        effective: r.effective,
        organization_snapshot: r.organization_snapshot,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("a report always serializes");
    s.push('\n');
    s
}

pub fn drift_markdown(r: &DriftReport, style: &Style) -> String {
    let c = r.verdict.classification;
    let mut out = String::new();
    let title = match c {
        Classification::Clean => "no drift",
        Classification::Drift => "drift",
        Classification::Pending => "pending changes",
        Classification::Unknown => "differences (drift or pending: unknown)",
    };
    let _ = writeln!(out, "## govern drift: {title}\n");
    let _ = writeln!(
        out,
        "**Classification:** `{}` — {}\n",
        word(c),
        super::markdown::cell(&r.verdict.reason)
    );
    match r.last_apply {
        Some(last) => {
            let _ = writeln!(
                out,
                "Last successful apply: {} to organization `{}` (config digest `{}`).\n",
                last.applied_at,
                last.organization_id,
                &last.config.digest[..last.config.digest.len().min(12)]
            );
        }
        None => out.push_str("Last successful apply: none recorded.\n\n"),
    }
    if !r.verdict.changed_files.is_empty() {
        out.push_str("Config files changed since then:\n\n");
        for f in &r.verdict.changed_files {
            let _ = writeln!(out, "- {}", super::markdown::code(f));
        }
        out.push('\n');
    }
    if let Some(line) = effective_line(r.effective) {
        out.push_str(&line);
        out.push_str("\n\n");
    }
    if let Some(line) = snapshot_line(r.organization_snapshot) {
        out.push_str(&line);
        out.push_str("\n\n");
    }
    let head = out.clone();
    super::markdown::body(&mut out, r.plan, 3, style);
    super::markdown::fit(out, r.plan, style, &head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ConfigDigest;

    fn empty() -> Plan {
        Plan {
            format_version: 1,
            changes: vec![],
            unmanaged: vec![],
            conflicts: vec![],
            findings: vec![],
            account_names: Default::default(),
        }
    }

    #[test]
    fn json_has_the_documented_shape() {
        let plan = empty();
        let config = ConfigDigest::from_files(Default::default());
        let verdict = crate::drift::classify(&plan, &config, "o-1", None, "plans/");
        let r = DriftReport {
            verdict: &verdict,
            last_apply: None,
            plan: &plan,
            organization_id: "o-1",
            config: &config,
            shard: None,
            effective: &[],
            organization_snapshot: None,
        };
        let v: serde_json::Value = serde_json::from_str(&drift_json(&r)).unwrap();
        assert_eq!(v["format_version"], 1);
        assert_eq!(v["kind"], "drift");
        assert_eq!(v["classification"], "clean");
        assert!(v["last_apply"].is_null());
        assert_eq!(v["plan"]["format_version"], 1);
        assert_eq!(v["plan"]["summary"]["add"], 0);
        assert!(drift_markdown(&r, &Style::plain()).starts_with("## govern drift: no drift\n"));
    }
}
