//! `govern evidence --to-security-hub`: the rows as AWS Security Finding Format (ASFF) findings, as
//! plain values; `govern::evidence::security_hub` turns them into BatchImportFindings calls.
//!
//! - One finding per row, in the row's account (`AwsAccountId`); rows about the organization go to
//!   the management account. AWS accepts a finding only from the account it is about (or a
//!   Security Hub administrator), so each account's findings are imported from its own session.
//! - `Id` is the row's stable id (`govern:<organization>:<control>:<address>`, as OCSF's
//!   `finding_info.uid`): a re-run updates each finding instead of adding one.
//! - A failing or unreadable row is ACTIVE (Compliance FAILED / WARNING); a passing or not
//!   applicable one is imported ARCHIVED (Compliance PASSED / NOT_AVAILABLE), so a finding that was
//!   FAILED and is now resolved is archived by the next run, and one that never failed is on record
//!   without crowding the console.
//! - `Severity.Label`: ASFF requires one; govern rates no control, so a failing row is MEDIUM (the
//!   middle of the scale) with `Severity.Original` `UNRATED`, and every other row INFORMATIONAL.

use std::collections::BTreeMap;

use super::controls::{Row, Status};

/// `BatchImportFindings` takes at most 100 findings per call.
pub const BATCH: usize = 100;
/// ASFF `Description`: at most 1,024 characters.
const MAX_DESCRIPTION: usize = 1024;
/// ASFF `Compliance.RelatedRequirements`: at most 32 items.
const MAX_REQUIREMENTS: usize = 32;

/// One finding, with what BatchImportFindings needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub id: String,
    pub account: String,
    /// The control id.
    pub generator_id: String,
    pub title: String,
    pub description: String,
    /// RFC 3339: the row's `evaluated_at`.
    pub at: String,
    /// `INFORMATIONAL` or `MEDIUM`.
    pub severity: &'static str,
    /// `PASSED`, `FAILED`, `WARNING` or `NOT_AVAILABLE`.
    pub compliance: &'static str,
    pub requirements: Vec<String>,
    /// `ACTIVE` or `ARCHIVED`.
    pub record_state: &'static str,
    /// `AwsAccount` for an account, `Other` for anything else.
    pub resource_type: &'static str,
    /// The ARN where the resource has one, else govern's address.
    pub resource_id: String,
    /// The row's region, or None for a global resource (the import region is then used).
    pub resource_region: Option<String>,
    /// ProductFields: govern's address, status, expected and observed, the evidence file.
    pub fields: BTreeMap<String, String>,
}

pub const TYPE: &str = "Software and Configuration Checks/Industry and Regulatory Standards";
pub const SCHEMA_VERSION: &str = "2018-10-08";

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// The findings of `rows`, grouped by the account that must import them, in row order.
pub fn findings(
    organization_id: &str,
    management_account: &str,
    rows: &[Row],
) -> BTreeMap<String, Vec<Finding>> {
    let mut out: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for r in rows {
        let account = if r.account_id.is_empty() {
            management_account.to_string()
        } else {
            r.account_id.clone()
        };
        let (compliance, record_state) = match r.status {
            Status::Fail => ("FAILED", "ACTIVE"),
            Status::Error => ("WARNING", "ACTIVE"),
            Status::Pass => ("PASSED", "ARCHIVED"),
            Status::NotApplicable => ("NOT_AVAILABLE", "ARCHIVED"),
        };
        let severity = match r.status {
            Status::Fail | Status::Error => "MEDIUM",
            Status::Pass | Status::NotApplicable => "INFORMATIONAL",
        };
        let description = truncate(
            &format!(
                "{}: {} on {}. Expected: {}. Observed: {}.",
                r.control_id, r.status, r.resource, r.expected, r.observed
            ),
            MAX_DESCRIPTION,
        );
        let account_resource = r.resource.starts_with("account:") && !r.resource_arn.is_empty();
        let fields = BTreeMap::from([
            ("govern/address".to_string(), r.resource.clone()),
            ("govern/status".to_string(), r.status.as_str().to_string()),
            ("govern/evidence".to_string(), r.evidence.clone()),
            ("govern/ou".to_string(), r.ou_path.clone()),
        ])
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        out.entry(account.clone()).or_default().push(Finding {
            id: super::ocsf::finding_uid(organization_id, r),
            account,
            generator_id: r.control_id.clone(),
            title: truncate(&format!("{}: {}", r.control_id, r.title), 256),
            description,
            at: r.evaluated_at.clone(),
            severity,
            compliance,
            requirements: r
                .frameworks
                .iter()
                .take(MAX_REQUIREMENTS)
                .cloned()
                .collect(),
            record_state,
            resource_type: if account_resource {
                "AwsAccount"
            } else {
                "Other"
            },
            resource_id: if r.resource_arn.is_empty() {
                r.resource.clone()
            } else {
                r.resource_arn.clone()
            },
            resource_region: (r.region != "global").then(|| r.region.clone()),
            fields,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(account: &str, status: Status, resource: &str) -> Row {
        Row {
            control_id: "GOV.X".into(),
            title: "t".into(),
            frameworks: vec!["CIS AWS Foundations 1.2".into()],
            account_id: account.into(),
            account_name: String::new(),
            ou_path: String::new(),
            ou_id: String::new(),
            region: "global".into(),
            resource: resource.into(),
            resource_arn: String::new(),
            status,
            expected: "e".into(),
            observed: "o".into(),
            evidence: "x".into(),
            evaluated_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn rows_go_to_their_accounts_with_stable_ids_and_resolved_ones_archived() {
        let rows = [
            row("111122223333", Status::Fail, "account:111122223333"),
            row("111122223333", Status::Pass, "account:111122223333/regions"),
            row("", Status::Error, "scp:a"),
        ];
        let f = findings("o-x", "123456789012", &rows);
        assert_eq!(
            f.keys().collect::<Vec<_>>(),
            ["111122223333", "123456789012"]
        );
        let a = &f["111122223333"];
        assert_eq!(a[0].id, "govern:o-x:GOV.X:account:111122223333");
        assert_eq!((a[0].compliance, a[0].record_state), ("FAILED", "ACTIVE"));
        assert_eq!((a[1].compliance, a[1].record_state), ("PASSED", "ARCHIVED"));
        let m = &f["123456789012"][0];
        assert_eq!((m.compliance, m.record_state), ("WARNING", "ACTIVE"));
        assert_eq!(m.resource_id, "scp:a");
        assert_eq!(
            findings("o-x", "123456789012", &rows),
            f,
            "the same ids again"
        );
    }
}
