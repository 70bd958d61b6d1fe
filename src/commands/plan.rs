//! `govern plan`: read the organization, diff it against org.toml, print what would change.

use crate::apply::record::now_rfc3339;
use crate::apply::ConfigDigest;
use crate::cli::{Format, PlanArgs};
use crate::error::{Error, Result};
use crate::plan::SavedPlan;
use crate::{exit, render};

use super::Context;

pub async fn run(ctx: &Context, args: &PlanArgs) -> Result<u8> {
    let loaded = ctx.load()?;
    let (_, actual) = super::connect_and_discover(ctx, &loaded.desired, "plan").await?;
    let plan = ctx.plan(&loaded.desired, &actual);
    let style = args.report.style(&ctx.style);
    match args.format() {
        Format::Text => print!("{}", render::text(&plan, &style)),
        Format::Json => print!("{}", render::json(&plan)),
        Format::Markdown => print!("{}", render::markdown(&plan, &style)),
    }
    if !plan.conflicts.is_empty() {
        return Err(conflicts(plan.conflicts.len()));
    }
    if let Some(e) = super::incomplete(&plan) {
        return Err(e);
    }
    if let Some(path) = &args.out {
        let config = ConfigDigest::of(&ctx.config, &loaded.files)?;
        let caller = actual.management_account.to_string();
        let mut saved = SavedPlan::new(plan.clone(), &actual, config, &caller, now_rfc3339());
        saved.targets = ctx.target_args.clone();
        saved.shard = ctx.shard;
        super::saved_file::write(path, &saved)?;
        // Not on stdout when that carries JSON or Markdown.
        eprintln!(
            "Saved plan {} to {}; apply exactly it with `govern apply {}`.",
            saved.plan_id,
            path.display(),
            path.display()
        );
    }
    Ok(if args.detailed_exitcode && !plan.is_empty() {
        exit::CHANGES
    } else {
        exit::OK
    })
}

pub(super) fn conflicts(n: usize) -> Error {
    Error::Refused {
        message: format!(
            "the plan has {n} conflict{}: apply refuses until org.toml resolves {}",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        ),
        hint: Some("each conflict above says what to change in org.toml".into()),
    }
}
