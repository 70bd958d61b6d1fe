//! Audit evidence: a catalogue of controls evaluated over Desired × Actual, written as a bundle a
//! reviewer can verify without govern (`sha256sum -c SHA256SUMS`) or with it (`govern evidence
//! verify`), optionally signed with a KMS key. See docs/evidence.md.
//!
//! - `controls`: the catalogue and its pure evaluation into rows;
//! - `bundle`: files, manifest, SHA256SUMS and their verification;
//! - `merge`: partial bundles of `--shard` runs into one, as one run would have written it;
//! - `archive`: the bundle as one deterministic .zip or .tar.gz, and reading one back;
//! - `signature`: the signed statement and offline signature checks;
//! - `report`: the self-contained HTML page;
//! - `frameworks`: the frameworks cited, and one CSV per framework;
//! - `ocsf`: every row as an OCSF Compliance Finding (`findings.ocsf.jsonl`);
//! - `asff`: every row as a Security Hub (ASFF) finding, for `--to-security-hub`.

pub mod archive;
pub mod asff;
pub mod bundle;
pub mod controls;
pub mod frameworks;
pub mod merge;
pub mod ocsf;
pub mod report;
pub mod signature;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::{AccountId, Actual, ActualOu, ActualPolicy, Desired, Member, OuPath, Parent};
use crate::model::{ActualAccount, PolicyKey, PolicyName};
use crate::plan::Shard;

pub use bundle::{Caller, ConfigGit, Files, Manifest, Window};
pub use controls::{Row, Status};

/// What one run collected; everything the bundle is made of.
pub struct Collected<'a> {
    pub desired: &'a Desired,
    pub actual: &'a Actual,
    /// org.toml and every file it named, by path relative to org.toml's directory, with their bytes.
    pub config_files: Vec<(String, Vec<u8>)>,
    /// `ConfigDigest::digest` of those files.
    pub config_digest: String,
    /// The commit the config files are at, when they are in a git repository.
    pub config_git: Option<ConfigGit>,
    pub caller: Caller,
    pub window: Window,
    pub previous_bundle_sha256: Option<String>,
    /// `--shard I/N`: write this shard's partial bundle.
    pub shard: Option<Shard>,
    /// Each account's effective policy of each management policy type org.toml declares
    /// (DescribeEffectivePolicy; None where AWS computes none): one file each,
    /// `state/effective/<account id>/<type prefix>.json`.
    pub effective:
        BTreeMap<(crate::model::AccountId, crate::model::PolicyKind), Option<serde_json::Value>>,
}

/// Where an account's effective policy of a kind is in a bundle.
pub fn effective_file(account: &crate::model::AccountId, kind: crate::model::PolicyKind) -> String {
    format!("state/effective/{account}/{}.json", kind.prefix())
}

pub const GOVERN_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Every file of the bundle up to and including `manifest.json` (the signature and SHA256SUMS come
/// after), the rows, and the manifest. A shard's bundle holds its rows (see
/// [`controls::in_shard`]) and its accounts' state; `state/organization.json` is in shard 1's only,
/// beside the organization-wide rows evaluated on it, so merged parts never disagree on it.
pub fn assemble(c: &Collected) -> (Files, Vec<Row>, Manifest) {
    let mut rows = controls::evaluate(c.desired, c.actual, &c.window.finished_at);
    if let Some(shard) = &c.shard {
        rows.retain(|r| controls::in_shard(r, shard));
    }
    let mut files = Files::default();
    if c.shard.is_none_or(|s| s.is_first()) {
        files.add(controls::ORGANIZATION_FILE, json(&OrgState::of(c.actual)));
    }
    for (id, account) in &c.actual.accounts {
        if c.shard.is_none_or(|s| s.owns(id)) {
            files.add(
                controls::account_file(id),
                json(&AccountState::of(c.actual, id, account)),
            );
        }
    }
    for ((id, kind), policy) in &c.effective {
        if c.shard.is_none_or(|s| s.owns(id)) {
            let state = serde_json::json!({
                "account": id,
                "policy_type": kind.api_name(),
                "effective_policy": policy,
            });
            files.add(effective_file(id, *kind), json(&state));
        }
    }
    for (name, bytes) in &c.config_files {
        files.add(format!("{CONFIG_DIR}{name}"), bytes.clone());
    }
    let manifest = Manifest {
        format_version: bundle::MANIFEST_VERSION,
        govern_version: GOVERN_VERSION.to_string(),
        caller: c.caller.clone(),
        organization_id: c.actual.organization_id.clone(),
        management_account: c.actual.management_account.to_string(),
        config_digest: Some(c.config_digest.clone()),
        config_git: c.config_git.clone(),
        shard: c.shard,
        merged_from: Vec::new(),
        collection: c.window.clone(),
        summary: BTreeMap::new(),
        previous_bundle_sha256: c.previous_bundle_sha256.clone(),
        files: BTreeMap::new(),
    };
    let (files, manifest) = complete(files, &rows, manifest);
    (files, rows, manifest)
}

/// Where config files go in a bundle; `state/` holds what was discovered.
pub const CONFIG_DIR: &str = "config/";
pub const STATE_DIR: &str = "state/";

/// Adds what is made from the rows (controls.json, controls.csv, one CSV per framework,
/// findings.ocsf.jsonl, report.html) to the state and
/// config files already in `files`, then `manifest.json` over all of them, with its summary and
/// hashes filled in. One path for collected and merged bundles, so they cannot drift apart.
pub fn complete(mut files: Files, rows: &[Row], mut manifest: Manifest) -> (Files, Manifest) {
    let evaluated_at = &manifest.collection.finished_at;
    files.add(
        "controls.json",
        json(&ControlsFile::new(
            &manifest.organization_id,
            evaluated_at,
            rows,
        )),
    );
    files.add("controls.csv", csv(rows));
    for (name, text) in frameworks::csvs(rows) {
        files.add(name, text);
    }
    files.add(
        ocsf::FILE,
        ocsf::jsonl(
            &ocsf::Context {
                organization_id: &manifest.organization_id,
                management_account: &manifest.management_account,
                govern_version: &manifest.govern_version,
            },
            rows,
        ),
    );
    files.add(
        "report.html",
        report::render(
            &report::Header {
                organization_id: &manifest.organization_id,
                management_account: &manifest.management_account,
                evaluated_at,
                govern_version: &manifest.govern_version,
                config_digest: manifest.config_digest.as_deref(),
                config_git: manifest.config_git.as_ref(),
                shard: manifest.shard,
                merged_from: manifest.merged_from.len(),
            },
            rows,
        ),
    );
    manifest.summary = controls::counts(rows);
    manifest.files = files.hashes();
    files.add(bundle::MANIFEST, json(&manifest));
    (files, manifest)
}

/// Pretty JSON with a final newline; maps are ordered, so equal values give equal bytes.
pub fn json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("evidence values always serialize");
    out.push(b'\n');
    out
}

#[derive(Serialize)]
struct ControlsFile<'a> {
    format_version: u32,
    organization_id: &'a str,
    evaluated_at: &'a str,
    summary: BTreeMap<Status, usize>,
    controls: Vec<controls::Control>,
    rows: &'a [Row],
}

impl<'a> ControlsFile<'a> {
    fn new(organization_id: &'a str, evaluated_at: &'a str, rows: &'a [Row]) -> Self {
        Self {
            format_version: controls::FORMAT_VERSION,
            organization_id,
            evaluated_at,
            summary: controls::counts(rows),
            controls: controls::catalogue(),
            rows,
        }
    }
}

pub const CSV_HEADER: &[&str] = &[
    "control_id",
    "title",
    "frameworks",
    "account_id",
    "account_name",
    "region",
    "resource",
    "resource_arn",
    "status",
    "expected",
    "observed",
    "evidence",
    "evaluated_at",
];

/// Leading characters a spreadsheet takes as the start of a formula (OWASP, "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// RFC 4180: fields quoted when they hold a comma, quote or line break; CRLF line ends. A field
/// that starts like a formula gets a leading `'` first: account names, secret names and the like
/// are chosen by whoever created them, and must not run as formulas when an auditor opens the file.
pub fn csv(rows: &[Row]) -> String {
    fn field(s: &str) -> String {
        let s = if s.starts_with(FORMULA_STARTS) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }
    let mut out = CSV_HEADER.join(",");
    out.push_str("\r\n");
    for r in rows {
        let fields = [
            r.control_id.as_str(),
            &r.title,
            &r.frameworks.join("; "),
            &r.account_id,
            &r.account_name,
            &r.region,
            &r.resource,
            &r.resource_arn,
            r.status.as_str(),
            &r.expected,
            &r.observed,
            &r.evidence,
            &r.evaluated_at,
        ];
        let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// `state/organization.json`: the organization as discovered, member-account state aside.
#[derive(Serialize)]
struct OrgState<'a> {
    organization_id: &'a str,
    management_account: &'a AccountId,
    root_id: &'a str,
    scp_enabled: bool,
    ous: &'a BTreeMap<OuPath, ActualOu>,
    accounts: &'a BTreeMap<AccountId, ActualAccount>,
    /// By key: an SCP's bare name, `<kind prefix>:<name>` for the other kinds.
    policies: &'a BTreeMap<PolicyKey, ActualPolicy>,
    /// Target (`root`, `ou:<path>`, `account:<id>`) → policies attached directly (keys as above).
    attachments: BTreeMap<String, &'a BTreeSet<PolicyKey>>,
    service_access: &'a BTreeSet<String>,
    delegated_admins: &'a BTreeMap<AccountId, BTreeSet<String>>,
}

impl<'a> OrgState<'a> {
    fn of(a: &'a Actual) -> Self {
        Self {
            organization_id: &a.organization_id,
            management_account: &a.management_account,
            root_id: &a.root_id,
            scp_enabled: a.enabled(crate::model::PolicyKind::ServiceControlPolicy),
            ous: &a.ous,
            accounts: &a.accounts,
            policies: &a.policies,
            attachments: a
                .attachments
                .iter()
                .map(|(t, p)| (t.to_string(), p))
                .collect(),
            service_access: &a.service_access,
            delegated_admins: &a.delegated_admins,
        }
    }
}

/// `state/accounts/<id>.json`: one account and what was read inside it.
#[derive(Serialize)]
struct AccountState<'a> {
    id: &'a AccountId,
    name: &'a str,
    email: &'a str,
    status: &'a str,
    parent: &'a Parent,
    management_account: bool,
    attached_scps: BTreeSet<PolicyName>,
    /// None when nothing inside the account was read (org.toml declares no baselines).
    member: Option<Member>,
}

impl<'a> AccountState<'a> {
    fn of(actual: &'a Actual, id: &'a AccountId, a: &'a ActualAccount) -> Self {
        let member = actual.members.get(id).cloned().map(|m| match m {
            Member::Read(mut s) => {
                // Discovery order follows AWS's listing; the bundle's must not.
                s.keys
                    .sort_by(|x, y| (&x.region, &x.id).cmp(&(&y.region, &y.id)));
                s.secrets.sort_by(|x, y| {
                    (&x.region, &x.name, &x.arn).cmp(&(&y.region, &y.name, &y.arn))
                });
                Member::Read(s)
            }
            other => other,
        });
        Self {
            id,
            name: &a.name,
            email: &a.email,
            status: &a.status,
            parent: &a.parent,
            management_account: *id == actual.management_account,
            attached_scps: actual.attached_scps(&crate::model::TargetKey::Account(id.clone())),
            member,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_where_needed() {
        let row = Row {
            control_id: "GOV.X".into(),
            title: "t".into(),
            frameworks: vec!["a".into(), "b".into()],
            account_id: String::new(),
            account_name: "say \"hi\", ok".into(),
            ou_path: String::new(),
            ou_id: String::new(),
            region: "global".into(),
            resource: "r".into(),
            resource_arn: String::new(),
            status: Status::Fail,
            expected: "e".into(),
            observed: "line\nbreak".into(),
            evidence: "state/organization.json".into(),
            evaluated_at: "2026-01-01T00:00:00Z".into(),
        };
        let text = csv(&[row]);
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "GOV.X,t,a; b,,\"say \"\"hi\"\", ok\",global,r,,FAIL,e,\"line"
        );
        assert!(text.ends_with("break\",state/organization.json,2026-01-01T00:00:00Z\r\n"));
    }

    #[test]
    fn csv_cells_that_start_like_formulas_are_neutralised() {
        let row = |name: &str| Row {
            control_id: "GOV.X".into(),
            title: "t".into(),
            frameworks: vec![],
            account_id: "111122223333".into(),
            account_name: name.into(),
            ou_path: String::new(),
            ou_id: String::new(),
            region: "global".into(),
            resource: "r".into(),
            resource_arn: String::new(),
            status: Status::Pass,
            expected: "e".into(),
            observed: "o".into(),
            evidence: "x".into(),
            evaluated_at: "t".into(),
        };
        let cell = |name: &str| {
            let text = csv(&[row(name)]);
            let line = text.split("\r\n").nth(1).unwrap().to_string();
            line.strip_prefix("GOV.X,t,,111122223333,")
                .unwrap()
                .strip_suffix(",global,r,,PASS,e,o,x,t")
                .unwrap()
                .to_string()
        };
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        // Only the first character counts.
        assert_eq!(cell("prod=1"), "prod=1");
        assert_eq!(cell("a-b"), "a-b");
        assert_eq!(cell(""), "");
    }
}
