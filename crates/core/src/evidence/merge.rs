//! `govern evidence merge`: the partial bundles of one `govern evidence --shard I/N` run (one per
//! shard) → one bundle, as one unsharded run would have written it: rows in the same order, state of
//! every account, config once, report and summary recomputed, and the parts named in
//! `merged_from`. Pure: the caller opens and verifies the parts, then signs and writes the result.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::AccountId;
use crate::plan::shard::{self, Shard};

use super::bundle::{self, MergedPart};
use super::controls::{self, Row};
use super::{Files, Manifest, Window, CONFIG_DIR, GOVERN_VERSION, STATE_DIR};

/// One verified partial bundle.
pub struct Part {
    /// As the user named it (a path), for messages.
    pub name: String,
    pub files: Files,
    pub manifest: Manifest,
    pub manifest_sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no partial bundles given")]
    Empty,
    #[error(
        "{0} is not a partial bundle: its manifest.json records no shard (it was written without \
         --shard)"
    )]
    NotPartial(String),
    #[error("{0} is a merged bundle already; merge the shards' own bundles")]
    Merged(String),
    #[error("{part} was written by govern {theirs}, this is govern {GOVERN_VERSION}: merge with the govern that wrote the parts")]
    OtherVersion { part: String, theirs: String },
    #[error("{part} is of organization {theirs}, {first} of {ours}")]
    OtherOrganization {
        part: String,
        theirs: String,
        first: String,
        ours: String,
    },
    #[error("{part} and {first} were collected with different config files")]
    OtherConfig { part: String, first: String },
    #[error(transparent)]
    Set(#[from] shard::SetError),
    #[error(
        "{part} records previous_bundle_sha256 {theirs:?}, {first} {ours:?}; pass the one meant \
         with --previous-bundle-sha256"
    )]
    OtherPrevious {
        part: String,
        theirs: Option<String>,
        first: String,
        ours: Option<String>,
    },
    #[error("{part}: controls.json cannot be read: {why}")]
    Unreadable { part: String, why: String },
    #[error("{part} (shard {shard}) holds a row of {control} for account {account}, which is not in that shard")]
    Misplaced {
        part: String,
        shard: Shard,
        control: String,
        account: String,
    },
    #[error("{part} (shard {shard}) holds {file}, which is not that shard's")]
    MisplacedFile {
        part: String,
        shard: Shard,
        file: String,
    },
    #[error("{part} and {other} both hold {file}")]
    Overlap {
        part: String,
        other: String,
        file: String,
    },
}

/// controls.json, as far as merging needs it.
#[derive(Deserialize)]
struct ControlsIn {
    rows: Vec<Row>,
}

/// The merged bundle's files up to and including manifest.json, its rows and manifest.
/// `previous_bundle_sha256`: the chain to record; None keeps the parts' own (they must agree).
pub fn merge(
    mut parts: Vec<Part>,
    previous_bundle_sha256: Option<String>,
) -> Result<(Files, Vec<Row>, Manifest), MergeError> {
    let count = check_set(&parts)?;
    debug_assert!(count as usize == parts.len());
    parts.sort_by_key(|p| p.manifest.shard.map(|s| s.index));
    let first = &parts[0];

    let previous = match previous_bundle_sha256 {
        Some(p) => Some(p),
        None => {
            for p in &parts[1..] {
                if p.manifest.previous_bundle_sha256 != first.manifest.previous_bundle_sha256 {
                    return Err(MergeError::OtherPrevious {
                        part: p.name.clone(),
                        theirs: p.manifest.previous_bundle_sha256.clone(),
                        first: first.name.clone(),
                        ours: first.manifest.previous_bundle_sha256.clone(),
                    });
                }
            }
            first.manifest.previous_bundle_sha256.clone()
        }
    };

    let mut rows = Vec::new();
    let mut files = Files::default();
    let mut holder: BTreeMap<String, &str> = BTreeMap::new();
    for part in &parts {
        let shard = part
            .manifest
            .shard
            .expect("checked: every part has a shard");
        rows.extend(part_rows(part, &shard)?);
        for (path, bytes) in &part.files.0 {
            if !path.starts_with(STATE_DIR) {
                continue;
            }
            if !state_in_shard(path, &shard) {
                return Err(MergeError::MisplacedFile {
                    part: part.name.clone(),
                    shard,
                    file: path.clone(),
                });
            }
            if let Some(other) = holder.insert(path.clone(), &part.name) {
                return Err(MergeError::Overlap {
                    part: part.name.clone(),
                    other: other.to_string(),
                    file: path.clone(),
                });
            }
            files.add(path.clone(), bytes.clone());
        }
    }
    controls::sort(&mut rows);
    for (path, bytes) in config_of(&first.files) {
        files.add(path.to_string(), bytes.to_vec());
    }

    let manifest = Manifest {
        format_version: bundle::MANIFEST_VERSION,
        govern_version: GOVERN_VERSION.to_string(),
        // Shard 1's: the one that read the organization-wide state of the merged bundle.
        caller: first.manifest.caller.clone(),
        organization_id: first.manifest.organization_id.clone(),
        management_account: first.manifest.management_account.clone(),
        config_digest: first.manifest.config_digest.clone(),
        // Shard 1's: the config files are identical in every part (checked), the checkout they
        // were read from may not be.
        config_git: first.manifest.config_git.clone(),
        shard: None,
        merged_from: parts
            .iter()
            .map(|p| MergedPart {
                shard: p.manifest.shard.expect("checked: every part has a shard"),
                manifest_sha256: p.manifest_sha256.clone(),
                caller: p.manifest.caller.clone(),
                collection: p.manifest.collection.clone(),
            })
            .collect(),
        collection: window(parts.iter().map(|p| &p.manifest.collection)),
        summary: BTreeMap::new(),
        previous_bundle_sha256: previous,
        files: BTreeMap::new(),
    };
    let (files, manifest) = super::complete(files, &rows, manifest);
    Ok((files, rows, manifest))
}

/// Checks the parts are the N shards of one run, each once; returns N.
fn check_set(parts: &[Part]) -> Result<u32, MergeError> {
    let first = parts.first().ok_or(MergeError::Empty)?;
    let shard_of = |p: &Part| -> Result<Shard, MergeError> {
        p.manifest.shard.ok_or_else(|| {
            if p.manifest.merged_from.is_empty() {
                MergeError::NotPartial(p.name.clone())
            } else {
                MergeError::Merged(p.name.clone())
            }
        })
    };
    let mut shards = Vec::new();
    for p in parts {
        shards.push((p.name.as_str(), shard_of(p)?));
        let m = &p.manifest;
        if m.govern_version != GOVERN_VERSION {
            return Err(MergeError::OtherVersion {
                part: p.name.clone(),
                theirs: m.govern_version.clone(),
            });
        }
        if m.organization_id != first.manifest.organization_id
            || m.management_account != first.manifest.management_account
        {
            return Err(MergeError::OtherOrganization {
                part: p.name.clone(),
                theirs: m.organization_id.clone(),
                first: first.name.clone(),
                ours: first.manifest.organization_id.clone(),
            });
        }
        if m.config_digest != first.manifest.config_digest
            || config_of(&p.files).ne(config_of(&first.files))
        {
            return Err(MergeError::OtherConfig {
                part: p.name.clone(),
                first: first.name.clone(),
            });
        }
    }
    Ok(shard::check_set(shards)?)
}

fn config_of(files: &Files) -> impl Iterator<Item = (&str, &[u8])> {
    files
        .0
        .iter()
        .filter(|(p, _)| p.starts_with(CONFIG_DIR))
        .map(|(p, b)| (p.as_str(), b.as_slice()))
}

/// The part's rows; each must belong to its shard, so no row is counted twice.
fn part_rows(part: &Part, shard: &Shard) -> Result<Vec<Row>, MergeError> {
    let unreadable = |why: String| MergeError::Unreadable {
        part: part.name.clone(),
        why,
    };
    let bytes = part
        .files
        .0
        .get("controls.json")
        .ok_or_else(|| unreadable("missing".into()))?;
    let parsed: ControlsIn =
        serde_json::from_slice(bytes).map_err(|e| unreadable(e.to_string()))?;
    if let Some(r) = parsed.rows.iter().find(|r| !controls::in_shard(r, shard)) {
        return Err(MergeError::Misplaced {
            part: part.name.clone(),
            shard: *shard,
            control: r.control_id.clone(),
            account: if AccountId::parse(&r.account_id).is_ok() {
                r.account_id.clone()
            } else {
                "(none: an organization-wide row, shard 1's)".into()
            },
        });
    }
    Ok(parsed.rows)
}

/// Whether a shard writes this state file: its accounts' files, and the organization's in shard 1.
fn state_in_shard(path: &str, shard: &Shard) -> bool {
    if path == controls::ORGANIZATION_FILE {
        return shard.is_first();
    }
    path.strip_prefix("state/accounts/")
        .and_then(|f| f.strip_suffix(".json"))
        .and_then(|id| AccountId::parse(id).ok())
        .is_some_and(|id| shard.owns(&id))
}

/// Earliest start to latest finish.
fn window<'a>(windows: impl Iterator<Item = &'a Window>) -> Window {
    // RFC 3339 as govern writes it; compared as times, so a differently written offset still orders.
    let key = |s: &str| crate::time::parse_rfc3339(s);
    let mut out: Option<Window> = None;
    for w in windows {
        let o = out.get_or_insert_with(|| w.clone());
        if key(&w.started_at) < key(&o.started_at) {
            o.started_at = w.started_at.clone();
        }
        if key(&w.finished_at) > key(&o.finished_at) {
            o.finished_at = w.finished_at.clone();
        }
    }
    out.unwrap_or(Window {
        started_at: String::new(),
        finished_at: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(a: &str, b: &str) -> Window {
        Window {
            started_at: a.into(),
            finished_at: b.into(),
        }
    }

    use crate::evidence::{Caller, Status};

    /// Account ids of shard 1, 2 and 3 of 3.
    const IDS: [&str; 3] = ["111111111111", "111111111112", "111111111113"];

    fn row(account: &str) -> Row {
        Row {
            control_id: "GOV.ORG.2".into(),
            title: "t".into(),
            frameworks: vec![],
            account_id: account.into(),
            account_name: String::new(),
            ou_path: String::new(),
            ou_id: String::new(),
            region: "global".into(),
            resource: format!("account:{account}"),
            resource_arn: String::new(),
            status: Status::Pass,
            expected: "e".into(),
            observed: "o".into(),
            evidence: "x".into(),
            evaluated_at: "2026-03-04T05:06:08Z".into(),
        }
    }

    /// Shard `index` of 3 of organization o-1, as `govern evidence --shard` writes it.
    fn part(index: u32) -> Part {
        let shard = Shard { index, count: 3 };
        let id = IDS[index as usize - 1];
        let mut rows = vec![row(id)];
        let mut files = Files::default();
        if index == 1 {
            rows.push(row(""));
            files.add(controls::ORGANIZATION_FILE, "{}");
        }
        files.add(format!("state/accounts/{id}.json"), "{}");
        files.add(
            "config/org.toml",
            "[organization]\nhome_region = \"eu-west-1\"\n",
        );
        files.add(
            "controls.json",
            serde_json::to_vec(&serde_json::json!({ "rows": rows })).unwrap(),
        );
        Part {
            name: format!("part-{index}"),
            files,
            manifest: Manifest {
                format_version: 1,
                govern_version: GOVERN_VERSION.into(),
                caller: Caller {
                    account: "123456789012".into(),
                    arn: "arn".into(),
                },
                organization_id: "o-1".into(),
                management_account: "123456789012".into(),
                config_digest: Some("c".into()),
                config_git: None,
                shard: Some(shard),
                merged_from: vec![],
                collection: w("2026-03-04T05:06:08Z", "2026-03-04T05:06:09Z"),
                summary: BTreeMap::new(),
                previous_bundle_sha256: None,
                files: BTreeMap::new(),
            },
            manifest_sha256: format!("m{index}"),
        }
    }

    fn refused(parts: Vec<Part>) -> String {
        match merge(parts, None) {
            Ok(_) => panic!("merged"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn the_parts_of_one_run_merge() {
        let (files, rows, manifest) = merge(vec![part(3), part(1), part(2)], None).unwrap();
        let accounts: Vec<&str> = rows.iter().map(|r| r.account_id.as_str()).collect();
        assert_eq!(accounts, ["", IDS[0], IDS[1], IDS[2]]);
        assert!(files.0.contains_key(controls::ORGANIZATION_FILE));
        assert_eq!(manifest.merged_from.len(), 3);
        assert_eq!(manifest.merged_from[0].manifest_sha256, "m1");
        assert_eq!(manifest.shard, None);
    }

    #[test]
    fn parts_of_other_runs_are_refused_by_name() {
        let mut other = part(2);
        other.manifest.organization_id = "o-2".into();
        assert_eq!(
            refused(vec![part(1), other, part(3)]),
            "part-2 is of organization o-2, part-1 of o-1"
        );
        let mut other = part(2);
        other.manifest.config_digest = Some("d".into());
        assert_eq!(
            refused(vec![part(1), other, part(3)]),
            "part-2 and part-1 were collected with different config files"
        );
        let mut other = part(2);
        other.files.add("config/org.toml", "edited");
        assert!(refused(vec![part(1), other, part(3)]).contains("different config files"));
        let mut other = part(3);
        other.manifest.shard = Some(Shard { index: 3, count: 4 });
        assert_eq!(
            refused(vec![part(1), part(2), other]),
            "part-3 is shard 3/4, part-1 is of 3 shards"
        );
        let mut other = part(2);
        other.manifest.previous_bundle_sha256 = Some("p".into());
        assert!(refused(vec![part(1), other, part(3)]).contains("records previous_bundle_sha256"));
        let mut other = part(2);
        other.manifest.govern_version = "0.0.1".into();
        assert!(refused(vec![part(1), other, part(3)])
            .starts_with("part-2 was written by govern 0.0.1"));
    }

    #[test]
    fn rows_and_state_of_another_shard_are_refused() {
        let mut other = part(2);
        let rows = vec![row(IDS[1]), row(IDS[2])];
        other.files.add(
            "controls.json",
            serde_json::to_vec(&serde_json::json!({ "rows": rows })).unwrap(),
        );
        assert_eq!(
            refused(vec![part(1), other, part(3)]),
            format!("part-2 (shard 2/3) holds a row of GOV.ORG.2 for account {}, which is not in that shard", IDS[2])
        );
        let mut other = part(2);
        other.files.add(controls::ORGANIZATION_FILE, "{}");
        assert_eq!(
            refused(vec![part(1), other, part(3)]),
            "part-2 (shard 2/3) holds state/organization.json, which is not that shard's"
        );
    }

    #[test]
    fn the_window_spans_every_part() {
        let parts = [
            w("2026-03-04T05:06:10Z", "2026-03-04T05:07:00Z"),
            w("2026-03-04T05:06:08Z", "2026-03-04T05:06:50Z"),
            w("2026-03-04T05:06:09Z", "2026-03-04T05:07:30Z"),
        ];
        assert_eq!(
            window(parts.iter()),
            w("2026-03-04T05:06:08Z", "2026-03-04T05:07:30Z")
        );
    }
}
