//! `govern apply PLAN_FILE`: apply exactly a reviewed plan, or refuse when it is stale: when a
//! config file changed, or the state of any address it touches changed in AWS since it was made.

use std::path::Path;

use crate::apply::rails::check_removals;
use crate::apply::transaction;
use crate::apply::ConfigDigest;
use crate::cli::ApplyArgs;
use crate::error::{Error, Result};
use crate::{exit, render};

use super::Context;

pub async fn run(ctx: &Context, args: &ApplyArgs, file: &Path) -> Result<u8> {
    let saved = super::saved_file::read(file)?;
    let loaded = ctx.load()?;
    let config = ConfigDigest::of(&ctx.config, &loaded.files)?;
    let (clients, actual) = super::connect_and_discover(ctx, &loaded.desired, "apply").await?;
    if actual.management_account.as_str() != saved.caller_account {
        return Err(Error::StalePlan {
            path: file.display().to_string(),
            reasons: vec![format!(
                "it was made by account {}, these credentials are {}'s",
                saved.caller_account, actual.management_account
            )],
        });
    }
    let reasons = saved.staleness(&config, &actual);
    if !reasons.is_empty() {
        return Err(Error::StalePlan {
            path: file.display().to_string(),
            reasons,
        });
    }
    // Same files, same state, same govern: the plan made again must be the file's, change for
    // change. Anything else was written into the file after review, and is not applied.
    let targets = saved
        .targets
        .iter()
        .map(|t| crate::plan::TargetFilter::parse(t))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|message| Error::Refused {
            message: format!("{}: {message}", file.display()),
            hint: None,
        })?;
    let now = super::narrowed(&loaded.desired, &actual, &targets, saved.shard);
    let differences = saved.differences(&now);
    if !differences.is_empty() {
        return Err(Error::Refused {
            message: format!(
                "{} is not the plan that was reviewed: {}",
                file.display(),
                differences.join("; ")
            ),
            hint: Some(format!(
                "make and review a new plan with `govern plan -o {}`",
                file.display()
            )),
        });
    }
    println!(
        "Applying the saved plan {} (plan {}, made {}):\n",
        file.display(),
        saved.plan_id,
        saved.created_at
    );
    // The changes are the file's, checked above; the names beside ids are what AWS holds now (the
    // file's are untrusted text that no check above covers).
    let mut shown = saved.plan.clone();
    shown.account_names = now.account_names;
    print!("{}", render::text(&shown, &ctx.style));
    if saved.plan.is_empty() {
        return Ok(exit::OK);
    }
    check_removals(&saved.plan, args.max_removals, args.allow_removals)?;
    let tx = ctx.transaction();
    let total = transaction::execute(
        &tx,
        &clients,
        &saved.plan,
        &actual,
        &crate::apply::lock::Break::from_arg(args.break_lock.as_ref()),
    )
    .await?;
    // Fingerprints are keyed by address text; one that does not read back is no address govern
    // plans, and cannot match a change.
    let touched = saved
        .fingerprints
        .keys()
        .filter_map(|a| a.parse().ok())
        .collect();
    let unread = transaction::unread(&actual);
    let known = crate::plan::plan(&loaded.desired, &actual)
        .changes
        .into_iter()
        .map(|c| c.address)
        .collect();
    transaction::verify(
        &tx,
        &clients,
        &loaded,
        total,
        Some(&touched),
        &unread,
        &known,
    )
    .await
}
