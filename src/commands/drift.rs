//! `govern drift`: the plan engine for scheduled runs. Exit 0 clean, 2 differences, 1 error; each
//! difference classified against the last successful apply's record.

use crate::apply::{record, ConfigDigest};
use crate::cli::{DriftArgs, Format};
use crate::error::{Error, Result};
use crate::exit;
use crate::render::{self, DriftReport, Style};

use super::Context;

pub async fn run(ctx: &Context, args: &DriftArgs) -> Result<u8> {
    let loaded = crate::config::load(&ctx.config)?;
    let digest = ConfigDigest::of(&ctx.config, &loaded.files)?;
    let last = record::read(&ctx.state_dir)?;
    let (_, actual) = super::connect_and_discover(ctx, &loaded.desired, "drift").await?;
    let plan = ctx.plan(&loaded.desired, &actual);
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
    };
    let style = match args.output {
        Some(_) => Style::plain(),
        None => ctx.style,
    };
    let body = match args.format {
        Format::Text => render::drift_text(&report, &style),
        Format::Json => render::drift_json(&report),
        Format::Markdown => render::drift_markdown(&report),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, body).map_err(|source| Error::Io {
                context: format!("writing the report to {}", path.display()),
                source,
            })?;
            println!(
                "{} Report: {}",
                render::drift_summary_line(&report),
                path.display()
            );
        }
        None => print!("{body}"),
    }
    if !plan.conflicts.is_empty() {
        return Err(super::plan::conflicts(plan.conflicts.len()));
    }
    if let Some(e) = super::incomplete(&plan) {
        return Err(e);
    }
    Ok(if plan.is_empty() {
        exit::OK
    } else {
        exit::DRIFT
    })
}
