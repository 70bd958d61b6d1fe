//! The record of the last successful apply (`<state-dir>/last-apply.json`), and what it tells about
//! a difference: drift (the cloud moved) or pending (the file changed and was not applied). Reading
//! and writing the file is apply's (`govern::apply::record`).

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::plan::Plan;
use crate::state::ConfigDigest;

/// The record's file name inside the state directory.
pub const LAST_APPLY: &str = "last-apply.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastApply {
    pub format_version: u32,
    pub govern_version: String,
    /// RFC 3339, UTC.
    pub applied_at: String,
    pub organization_id: String,
    pub config: ConfigDigest,
}

impl LastApply {
    pub fn new(organization_id: &str, config: ConfigDigest) -> LastApply {
        LastApply {
            format_version: 1,
            govern_version: env!("CARGO_PKG_VERSION").to_string(),
            applied_at: now_rfc3339(),
            organization_id: organization_id.to_string(),
            config,
        }
    }
}

/// Now, as RFC 3339 in UTC with seconds (`2026-05-15T09:30:00Z`).
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339(secs)
}

/// Seconds since the Unix epoch as RFC 3339 in UTC.
pub fn rfc3339(secs: u64) -> String {
    crate::time::rfc3339(secs)
}

/// What the differences in a plan are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// No differences.
    Clean,
    /// The config is what was last applied: the cloud moved.
    Drift,
    /// The config changed since the last apply: the differences are (at least partly) not applied yet.
    Pending,
    /// No usable record of a successful apply.
    Unknown,
}

/// A classification and the sentence that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub classification: Classification,
    pub reason: String,
    /// Config files that differ from the last apply's (for `Pending`).
    pub changed_files: Vec<String>,
}

/// Pure: classifies the differences in `plan`, given the config now and the last apply's record
/// (`state_dir` only names where the record was looked for).
pub fn classify(
    plan: &Plan,
    config: &ConfigDigest,
    organization_id: &str,
    last: Option<&LastApply>,
    state_dir: &str,
) -> Verdict {
    let n = plan.changes.len();
    let diffs = format!("{n} difference{}", if n == 1 { "" } else { "s" });
    let verdict = |classification, reason: String, changed_files| Verdict {
        classification,
        reason,
        changed_files,
    };
    if n == 0 {
        return verdict(
            Classification::Clean,
            "the organization matches the config".into(),
            vec![],
        );
    }
    let Some(last) = last else {
        return verdict(
            Classification::Unknown,
            format!("{diffs}; no record of a successful apply in {state_dir}: cannot tell drift from pending"),
            vec![],
        );
    };
    if last.organization_id != organization_id {
        return verdict(
            Classification::Unknown,
            format!(
                "{diffs}; the last apply recorded in {state_dir} was to organization {}, not {organization_id}: cannot tell drift from pending",
                last.organization_id
            ),
            vec![],
        );
    }
    if last.config.digest == config.digest {
        verdict(
            Classification::Drift,
            format!(
                "{diffs}; the config is unchanged since the last successful apply ({}), so the cloud moved",
                last.applied_at
            ),
            vec![],
        )
    } else {
        let changed = last.config.changed_files(config);
        verdict(
            Classification::Pending,
            format!(
                "{diffs}; the config changed since the last successful apply ({}) and was not applied: {}",
                last.applied_at,
                changed.join(", ")
            ),
            changed,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OuPath;
    use crate::plan::{Action, Change, PlannedChange};

    fn digest(sha: &str) -> ConfigDigest {
        ConfigDigest::from_files([("org.toml".to_string(), sha.to_string())].into())
    }

    fn plan(n: usize) -> Plan {
        let path = OuPath::parse("Security").expect("a path");
        Plan {
            format_version: 1,
            changes: (0..n)
                .map(|_| PlannedChange {
                    address: "ou:Security".parse().unwrap(),
                    action: Action::Create,
                    depends_on: vec![],
                    change: Change::CreateOu {
                        tags: Default::default(),
                        path: path.clone(),
                    },
                })
                .collect(),
            unmanaged: vec![],
            conflicts: vec![],
            findings: vec![],
            account_names: Default::default(),
        }
    }

    #[test]
    fn classifies_by_the_last_apply() {
        let last = LastApply::new("o-1", digest("aa"));
        let c = |p: &Plan, sha: &str, org: &str, l: Option<&LastApply>| {
            classify(p, &digest(sha), org, l, "plans/").classification
        };
        assert_eq!(c(&plan(0), "aa", "o-1", None), Classification::Clean);
        assert_eq!(c(&plan(1), "aa", "o-1", Some(&last)), Classification::Drift);
        assert_eq!(
            c(&plan(1), "bb", "o-1", Some(&last)),
            Classification::Pending
        );
        assert_eq!(
            c(&plan(1), "aa", "o-2", Some(&last)),
            Classification::Unknown
        );
        let none = classify(&plan(2), &digest("aa"), "o-1", None, "plans/");
        assert_eq!(none.classification, Classification::Unknown);
        assert_eq!(
            none.reason,
            "2 differences; no record of a successful apply in plans/: cannot tell drift from pending"
        );
        let pending = classify(&plan(1), &digest("bb"), "o-1", Some(&last), "plans/");
        assert_eq!(pending.changed_files, ["org.toml"]);
    }

    #[test]
    fn timestamps_are_rfc3339() {
        let t = now_rfc3339();
        assert!(
            t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T',
            "{t}"
        );
    }
}
