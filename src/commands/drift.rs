//! `govern drift`: the plan engine for scheduled runs. Exit 0 clean, 2 differences, 1 error; each
//! difference classified against the last successful apply's record.

use crate::apply::{record, ConfigDigest};
use crate::cli::{DriftAction, DriftArgs, Format, MergeArgs};
use crate::error::{Error, Result};
use crate::exit;
use crate::plan::Shard;
use crate::render::{self, DriftReport, EffectivePolicy, Style};

use super::Context;

pub async fn run(ctx: &Context, args: &DriftArgs) -> Result<u8> {
    if let (Some(action), Some(_)) = (&args.action, &args.organization) {
        let name = match action {
            DriftAction::Merge(_) => "merge",
            DriftAction::Organization => "organization",
        };
        return Err(Error::Refused {
            message: format!("--organization is for `govern drift` itself, not `drift {name}`"),
            hint: Some("govern --shard I/N drift --organization organization.json".into()),
        });
    }
    match &args.action {
        Some(DriftAction::Merge(m)) => return merge(ctx, args, m),
        Some(DriftAction::Organization) => return organization(ctx, args).await,
        None => {}
    }
    let loaded = ctx.load()?;
    let digest = ConfigDigest::of(&ctx.config, &loaded.files)?;
    let last = record::read(&ctx.state_dir)?;
    let snapshot = match &args.organization {
        Some(path) => Some(read_snapshot(path, &loaded.desired.management_account)?),
        None => None,
    };
    let (organization, snapshot_ref) = match snapshot {
        Some(s) => (Some(s.organization), Some(s.source)),
        None => (None, None),
    };
    let (clients, actual) =
        crate::connect::declared_from(&ctx.reader(), &loaded.desired, "drift", organization)
            .await?;
    let plan = ctx.plan(&loaded.desired, &actual);
    // Accounts × declared management types (src/discover/effective.rs): none when none declared.
    let effective: Vec<EffectivePolicy> =
        crate::discover::effective::read(&clients, &loaded.desired, &actual, ctx.shard)
            .await?
            .into_iter()
            .map(|((account, kind), effective_policy)| EffectivePolicy {
                account,
                policy_type: kind.api_name().to_string(),
                effective_policy,
            })
            .collect();
    let verdict = crate::apply::classify(
        &plan,
        &digest,
        &actual.organization_id,
        last.as_ref(),
        &format!("{}/", ctx.state_dir.display()),
    );
    let report = DriftReport {
        verdict: &verdict,
        last_apply: last.as_ref(),
        plan: &plan,
        organization_id: &actual.organization_id,
        config: &digest,
        shard: ctx.shard,
        effective: &effective,
        organization_snapshot: snapshot_ref.as_ref(),
    };
    emit(ctx, args, &report)?;
    finish(&plan)
}

/// `govern drift organization`: the organization read once, written for the shards of one run.
async fn organization(ctx: &Context, args: &DriftArgs) -> Result<u8> {
    let Some(path) = &args.output else {
        return Err(Error::Refused {
            message: "`govern drift organization` writes a file: --output is missing".into(),
            hint: Some("govern drift organization --output organization.json".into()),
        });
    };
    let loaded = ctx.load()?;
    let actual = crate::connect::organization_only(&ctx.reader(), &loaded.desired, "drift").await?;
    let text = govern_core::snapshot::write(&actual, now());
    // Written beside the target and renamed over it: a shard never reads half a file.
    let partial = path.with_extension("partial");
    std::fs::write(&partial, &text)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|source| Error::Io {
            context: format!("writing the organization to {}", path.display()),
            source,
        })?;
    println!(
        "Organization {}: {} accounts, {} OUs, {} policies. Snapshot: {} (sha256 {}); shards may start from it for {} minutes.",
        actual.organization_id,
        actual.accounts.len(),
        actual.ous.len(),
        actual.policies.len(),
        path.display(),
        govern_core::state::sha256(text.as_bytes()),
        govern_core::snapshot::MAX_AGE_SECS / 60
    );
    Ok(exit::OK)
}

/// `--organization FILE`, read with its size capped and checked (govern_core::snapshot).
fn read_snapshot(
    path: &std::path::Path,
    declared: &crate::model::AccountId,
) -> Result<govern_core::snapshot::Snapshot> {
    use std::io::Read;
    let io = |source| Error::Io {
        context: format!("reading the organization snapshot {}", path.display()),
        source,
    };
    let refuse = |e: govern_core::snapshot::SnapshotError| Error::Refused {
        message: format!("--organization {} {e}", path.display()),
        hint: Some(
            "write a fresh one for this run with `govern drift organization --output FILE`".into(),
        ),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    govern_core::snapshot::check_size(size).map_err(refuse)?;
    let mut bytes = Vec::with_capacity(size as usize);
    // A file that grows while read stops at the cap all the same.
    file.take(govern_core::snapshot::MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    govern_core::snapshot::read(&bytes, now(), declared).map_err(refuse)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Prints or writes the report in the format asked for.
fn emit(ctx: &Context, args: &DriftArgs, report: &DriftReport) -> Result<()> {
    let style = args.report.style(&match args.output {
        Some(_) => Style::plain(),
        None => ctx.style,
    });
    let body = match args.format {
        Format::Text => render::drift_text(report, &style),
        Format::Json => render::drift_json(report),
        Format::Markdown => render::drift_markdown(report, &style),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, body).map_err(|source| Error::Io {
                context: format!("writing the report to {}", path.display()),
                source,
            })?;
            println!(
                "{} Report: {}",
                render::drift_summary_line(report),
                path.display()
            );
        }
        None => print!("{body}"),
    }
    Ok(())
}

/// The exit code for a report's plan.
fn finish(plan: &crate::plan::Plan) -> Result<u8> {
    if !plan.conflicts.is_empty() {
        return Err(super::plan::conflicts(plan.conflicts.len()));
    }
    if let Some(e) = super::incomplete(plan) {
        return Err(e);
    }
    Ok(if plan.is_empty() {
        exit::OK
    } else {
        exit::DRIFT
    })
}

/// One shard's `drift --format json` report, as far as merging needs it.
#[derive(serde::Deserialize)]
struct ShardReport {
    kind: String,
    organization_id: String,
    config: ConfigDigest,
    shard: Option<Shard>,
    last_apply: Option<record::LastApply>,
    plan: ShardPlan,
    #[serde(default)]
    effective: Vec<EffectivePolicy>,
    #[serde(default)]
    organization_snapshot: Option<govern_core::snapshot::SnapshotRef>,
}

fn snapshot_name(s: Option<&govern_core::snapshot::SnapshotRef>) -> String {
    match s {
        Some(s) => format!("sha256 {}", s.sha256),
        None => "read from AWS".into(),
    }
}

#[derive(serde::Deserialize)]
struct ShardPlan {
    format_version: u32,
    changes: Vec<crate::plan::PlannedChange>,
    unmanaged: Vec<crate::plan::Unmanaged>,
    conflicts: Vec<crate::plan::Conflict>,
    findings: Vec<crate::plan::Finding>,
    #[serde(default)]
    account_names: std::collections::BTreeMap<crate::model::AccountId, String>,
}

/// `govern drift merge`: the shards' JSON reports → one report, as if one job had run. Refuses
/// reports of different organizations or config files, and a missing or repeated shard.
fn merge(ctx: &Context, args: &DriftArgs, m: &MergeArgs) -> Result<u8> {
    let refuse = |message: String| Error::Refused {
        message,
        hint: Some(
            "merge the `govern drift --shard I/N --format json` reports of one run, one per shard"
                .into(),
        ),
    };
    let mut reports: Vec<(String, ShardReport)> = Vec::new();
    for path in &m.reports {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            context: format!("reading {}", path.display()),
            source,
        })?;
        let r: ShardReport = serde_json::from_str(&text).map_err(|e| {
            refuse(format!(
                "{} is not a drift JSON report of this govern version: {e}",
                path.display()
            ))
        })?;
        if r.kind != "drift" {
            return Err(refuse(format!(
                "{} is a {:?} report, not drift",
                path.display(),
                r.kind
            )));
        }
        reports.push((path.display().to_string(), r));
    }
    let Some((first_path, first)) = reports.first() else {
        return Err(refuse("no reports given".into()));
    };
    for (path, r) in &reports {
        if r.organization_id != first.organization_id {
            return Err(refuse(format!(
                "{path} is of organization {}, {first_path} of {}",
                r.organization_id, first.organization_id
            )));
        }
        if r.config.digest != first.config.digest {
            return Err(refuse(format!(
                "{path} and {first_path} checked different config files"
            )));
        }
        // Shards that started from different organization snapshots (or some from one and some
        // from AWS) saw different organizations: one report of them would mix two moments.
        if r.organization_snapshot != first.organization_snapshot {
            return Err(refuse(format!(
                "{path} and {first_path} started from different organization snapshots ({} and {})",
                snapshot_name(r.organization_snapshot.as_ref()),
                snapshot_name(first.organization_snapshot.as_ref())
            )));
        }
    }
    let shards = reports.iter().map(|(path, r)| {
        let shard = r.shard.unwrap_or(Shard { index: 1, count: 1 });
        (path.as_str(), shard)
    });
    crate::plan::shard::check_set(shards).map_err(|e| refuse(e.to_string()))?;
    let format_version = first.plan.format_version;
    let last = first.last_apply.clone();
    let organization_id = first.organization_id.clone();
    let config = first.config.clone();
    let snapshot = first.organization_snapshot.clone();
    // Shard order: shard 1's organization-wide changes first, as one job would order them.
    reports.sort_by_key(|(_, r)| r.shard.map_or(1, |s| s.index));
    let mut plan = crate::plan::Plan {
        format_version,
        changes: Vec::new(),
        unmanaged: Vec::new(),
        conflicts: Vec::new(),
        findings: Vec::new(),
        account_names: Default::default(),
    };
    let mut effective = Vec::new();
    for (_, r) in reports {
        effective.extend(r.effective);
        plan.changes.extend(r.plan.changes);
        plan.unmanaged.extend(r.plan.unmanaged);
        plan.conflicts.extend(r.plan.conflicts);
        plan.findings.extend(r.plan.findings);
        plan.account_names.extend(r.plan.account_names);
    }
    let verdict = crate::apply::classify(
        &plan,
        &config,
        &organization_id,
        last.as_ref(),
        &format!("{}/", ctx.state_dir.display()),
    );
    let report = DriftReport {
        verdict: &verdict,
        last_apply: last.as_ref(),
        plan: &plan,
        organization_id: &organization_id,
        config: &config,
        shard: None,
        effective: &effective,
        organization_snapshot: snapshot.as_ref(),
    };
    emit(ctx, args, &report)?;
    finish(&plan)
}
