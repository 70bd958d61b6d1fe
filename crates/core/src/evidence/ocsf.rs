//! `findings.ocsf.jsonl`: every row as one OCSF Compliance Finding (class 2003, category Findings,
//! activity Create), one JSON object a line, for security lakes and SIEMs that ingest OCSF.
//!
//! Mapping (OCSF 1.6.0; tests/ocsf/README.md names the vendored schema the test validates against):
//! - `compliance`: `control` the control id, `standards` the frameworks its references belong to,
//!   `requirements` the references themselves, `status_id`/`status` from the row's status (PASS →
//!   1 Pass, FAIL → 3 Fail, ERROR → 2 Warning, "did not yield a result due to missing information";
//!   NOT_APPLICABLE → 99 Other, `Not Applicable`), `status_code` govern's own status, and
//!   `status_details` the expected and observed values.
//! - `cloud`: provider `AWS`, the row's region (none for global resources), `account` the row's
//!   account (the management account for rows about the organization), `org` the organization
//!   with the OU the account sits in (`ou_name` its path, `root` or `Workloads/Prod`).
//! - `resources`: one, its `uid` the ARN where it has one, else govern's address; `name` the address.
//! - `finding_info.uid`: `govern:<organization>:<control>:<address>`, stable across runs, so a
//!   consumer updates a finding instead of adding one.
//! - `severity_id`: 1 Informational for PASS and NOT_APPLICABLE; 0 Unknown otherwise: the catalogue
//!   rates no control, and a rating would be invented.
//! - `unmapped.evidence`: the bundle file the row was evaluated on.

use serde_json::{json, Map, Value};

use super::controls::{Row, Status};
use super::frameworks;

/// The OCSF schema version the records follow.
pub const OCSF_VERSION: &str = "1.6.0";
pub const FILE: &str = "findings.ocsf.jsonl";

const CLASS_UID: u32 = 2003;
const CATEGORY_UID: u32 = 2;
/// Create.
const ACTIVITY_ID: u32 = 1;

/// What every record of a bundle shares.
pub struct Context<'a> {
    pub organization_id: &'a str,
    pub management_account: &'a str,
    pub govern_version: &'a str,
}

/// One line per row, in the rows' order.
pub fn jsonl(cx: &Context, rows: &[Row]) -> String {
    let mut out = String::new();
    for r in rows {
        out.push_str(&serde_json::to_string(&finding(cx, r)).expect("JSON values serialize"));
        out.push('\n');
    }
    out
}

/// The finding's stable id.
pub fn finding_uid(organization_id: &str, row: &Row) -> String {
    format!(
        "govern:{organization_id}:{}:{}",
        row.control_id, row.resource
    )
}

fn compliance_status(s: Status) -> (u32, &'static str) {
    match s {
        Status::Pass => (1, "Pass"),
        Status::Error => (2, "Warning"),
        Status::Fail => (3, "Fail"),
        Status::NotApplicable => (99, "Not Applicable"),
    }
}

/// Milliseconds since the epoch (OCSF's `timestamp_t`); 0 for a time that does not parse, which
/// govern never writes.
fn epoch_ms(rfc3339: &str) -> i64 {
    crate::time::parse_rfc3339(rfc3339)
        .map(|(secs, nanos)| secs * 1000 + i64::from(nanos / 1_000_000))
        .unwrap_or(0)
}

pub fn finding(cx: &Context, r: &Row) -> Value {
    let (status_id, status) = compliance_status(r.status);
    let (severity_id, severity) = match r.status {
        Status::Pass | Status::NotApplicable => (1, "Informational"),
        Status::Fail | Status::Error => (0, "Unknown"),
    };
    let time = epoch_ms(&r.evaluated_at);

    let mut account = Map::new();
    if r.account_id.is_empty() {
        account.insert("uid".into(), json!(cx.management_account));
    } else {
        account.insert("uid".into(), json!(r.account_id));
        if !r.account_name.is_empty() {
            account.insert("name".into(), json!(r.account_name));
        }
    }
    account.insert("type_id".into(), json!(10));
    account.insert("type".into(), json!("AWS Account"));

    let mut org = Map::new();
    org.insert("uid".into(), json!(cx.organization_id));
    if !r.ou_path.is_empty() {
        let name = r.ou_path.strip_prefix("ou:").unwrap_or(&r.ou_path);
        org.insert("ou_name".into(), json!(name));
    }
    if !r.ou_id.is_empty() {
        org.insert("ou_uid".into(), json!(r.ou_id));
    }

    let mut cloud = Map::new();
    cloud.insert("provider".into(), json!("AWS"));
    cloud.insert("account".into(), Value::Object(account));
    cloud.insert("org".into(), Value::Object(org));
    let regional = r.region != "global";
    if regional {
        cloud.insert("region".into(), json!(r.region));
    }

    let mut resource = Map::new();
    let uid = if r.resource_arn.is_empty() {
        &r.resource
    } else {
        &r.resource_arn
    };
    resource.insert("uid".into(), json!(uid));
    resource.insert("name".into(), json!(r.resource));
    // The address's kind: `account`, `scp`, `kms`, `secret`, `attach`, …
    let kind = r.resource.split(':').next().unwrap_or_default();
    resource.insert("type".into(), json!(kind));
    if regional {
        resource.insert("region".into(), json!(r.region));
    }

    let control = super::controls::catalogue()
        .into_iter()
        .find(|c| c.id == r.control_id);
    let mut finding_info = Map::new();
    finding_info.insert("uid".into(), json!(finding_uid(cx.organization_id, r)));
    finding_info.insert("title".into(), json!(r.title));
    if let Some(c) = &control {
        finding_info.insert("desc".into(), json!(c.checks));
    }
    finding_info.insert("created_time".into(), json!(time));

    let mut compliance = Map::new();
    compliance.insert("control".into(), json!(r.control_id));
    compliance.insert("standards".into(), json!(frameworks::standards(r)));
    compliance.insert("requirements".into(), json!(r.frameworks));
    compliance.insert("status_id".into(), json!(status_id));
    compliance.insert("status".into(), json!(status));
    compliance.insert("status_code".into(), json!(r.status.as_str()));
    compliance.insert(
        "status_details".into(),
        json!([
            format!("expected: {}", r.expected),
            format!("observed: {}", r.observed)
        ]),
    );
    if let Some(c) = &control {
        compliance.insert("desc".into(), json!(c.checks));
    }

    json!({
        "activity_id": ACTIVITY_ID,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_ID,
        "type_name": "Compliance Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        "time": time,
        "message": format!("{} {} {}: {}", r.control_id, r.status, r.resource, r.observed),
        "metadata": {
            "version": OCSF_VERSION,
            "product": {
                "name": "govern",
                "vendor_name": "govern",
                "version": cx.govern_version,
            },
            "profiles": ["cloud"],
        },
        "finding_info": finding_info,
        "compliance": compliance,
        "cloud": cloud,
        "resources": [resource],
        "unmapped": { "evidence": r.evidence },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_row_maps_onto_the_compliance_fields() {
        let row = Row {
            control_id: "GOV.CONTACT.1".into(),
            title: "Security contact registered and matching".into(),
            frameworks: vec![
                "CIS AWS Foundations 1.2".into(),
                "PCI DSS 4.0 A1.2.3.1".into(),
            ],
            account_id: "111122223333".into(),
            account_name: "prod-app".into(),
            ou_path: "ou:Workloads/Prod".into(),
            ou_id: "ou-ab12-cd34ef56".into(),
            region: "global".into(),
            resource: "account:111122223333/contact:security".into(),
            resource_arn: "arn:aws:organizations::123456789012:account/o-x/111122223333".into(),
            status: Status::Fail,
            expected: "a".into(),
            observed: "not registered".into(),
            evidence: "state/accounts/111122223333.json".into(),
            evaluated_at: "2026-01-02T03:04:05Z".into(),
        };
        let cx = Context {
            organization_id: "o-x",
            management_account: "123456789012",
            govern_version: "0.1.0",
        };
        let f = finding(&cx, &row);
        assert_eq!(f["class_uid"], 2003);
        assert_eq!(f["type_uid"], 200301);
        assert_eq!(f["time"], 1_767_323_045_000_i64);
        assert_eq!(f["compliance"]["status_id"], 3);
        assert_eq!(f["compliance"]["control"], "GOV.CONTACT.1");
        assert_eq!(
            f["compliance"]["standards"],
            json!(["CIS Amazon Web Services Foundations Benchmark", "PCI DSS"])
        );
        assert_eq!(f["cloud"]["account"]["name"], "prod-app");
        assert_eq!(f["cloud"]["org"]["ou_name"], "Workloads/Prod");
        assert_eq!(f["cloud"]["org"]["ou_uid"], "ou-ab12-cd34ef56");
        assert!(f["cloud"].get("region").is_none());
        assert_eq!(
            f["finding_info"]["uid"],
            "govern:o-x:GOV.CONTACT.1:account:111122223333/contact:security"
        );
        assert_eq!(
            f["resources"][0]["uid"],
            "arn:aws:organizations::123456789012:account/o-x/111122223333"
        );
        assert!(jsonl(&cx, &[row.clone(), row]).ends_with("}\n"));
    }
}
