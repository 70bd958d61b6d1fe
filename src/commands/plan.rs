//! `govern plan`: read the organization, diff it against org.toml, print what would change.

use crate::cli::PlanArgs;
use crate::error::{Error, Result};
use crate::{exit, render};

use super::Context;

pub async fn run(ctx: &Context, args: &PlanArgs) -> Result<u8> {
    let loaded = crate::config::load(&ctx.config)?;
    let (_, actual) = super::connect_and_discover(ctx, &loaded.desired, "plan").await?;
    let plan = crate::plan::plan(&loaded.desired, &actual);
    if args.json {
        print!("{}", render::json(&plan));
    } else {
        print!("{}", render::text(&plan, &ctx.style));
    }
    if !plan.conflicts.is_empty() {
        return Err(conflicts(plan.conflicts.len()));
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
