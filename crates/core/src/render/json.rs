//! `--json`: the plan as documented in docs/plan-json.md.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::AccountId;

use crate::plan::{Conflict, Finding, Plan, PlannedChange, Summary, Unmanaged};

/// Field order here is the order in the output; keep it stable.
#[derive(Serialize)]
pub(crate) struct PlanJson<'a> {
    format_version: u32,
    summary: Summary,
    changes: &'a [PlannedChange],
    unmanaged: &'a [Unmanaged],
    conflicts: &'a [Conflict],
    findings: &'a [Finding],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    account_names: &'a BTreeMap<AccountId, String>,
}

pub fn json(plan: &Plan) -> String {
    let mut s = serde_json::to_string_pretty(&document(plan)).expect("a plan always serializes");
    s.push('\n');
    s
}

/// The plan JSON as a value to embed (the drift report carries it whole).
pub(crate) fn document(plan: &Plan) -> PlanJson<'_> {
    PlanJson {
        format_version: plan.format_version,
        summary: plan.summary(),
        changes: &plan.changes,
        unmanaged: &plan.unmanaged,
        conflicts: &plan.conflicts,
        findings: &plan.findings,
        account_names: &plan.account_names,
    }
}
