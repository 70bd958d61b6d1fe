//! `govern apply`: plan (or read a saved plan), confirm, change AWS, then verify with a fresh plan.

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};

use crate::apply::rails::check_removals;
use crate::apply::transaction;
use crate::cli::ApplyArgs;
use crate::error::{Error, Result};
use crate::model::Address;
use crate::{exit, render};

use super::Context;

pub async fn run(ctx: &Context, args: &ApplyArgs) -> Result<u8> {
    if let Some(file) = &args.plan {
        return super::apply_saved::run(ctx, args, file).await;
    }
    let loaded = ctx.load()?;
    let (clients, actual) = super::connect_and_discover(ctx, &loaded.desired, "apply").await?;
    let plan = ctx.plan(&loaded.desired, &actual);
    print!("{}", render::text(&plan, &ctx.style));
    if !plan.conflicts.is_empty() {
        return Err(super::plan::conflicts(plan.conflicts.len()));
    }
    if plan.is_empty() {
        if let Some(e) = super::incomplete(&plan) {
            return Err(e);
        }
        transaction::record_success(&ctx.transaction(), &loaded, &actual)?;
        return Ok(exit::OK);
    }
    check_removals(&plan, args.max_removals, args.allow_removals)?;
    if !args.auto_approve {
        confirm()?;
    }
    let tx = ctx.transaction();
    let total = transaction::execute(
        &tx,
        &clients,
        &plan,
        &actual,
        &crate::apply::lock::Break::from_arg(args.break_lock.as_ref()),
    )
    .await?;
    // A targeted apply is verified on what it targeted; the rest is the next plan's business.
    let touched: BTreeSet<Address> = plan.changes.iter().map(|c| c.address.clone()).collect();
    let touched = (!ctx.targets.is_empty()).then_some(&touched);
    // Everything the plan would list without --target: what verification may find left out.
    let known: BTreeSet<Address> = crate::plan::plan(&loaded.desired, &actual)
        .changes
        .into_iter()
        .map(|c| c.address)
        .collect();
    transaction::verify(
        &tx,
        &clients,
        &loaded,
        total,
        touched,
        &transaction::unread(&actual),
        &known,
    )
    .await
}

fn confirm() -> Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Refused {
            message: "refusing to apply without a terminal to confirm on".into(),
            hint: Some("review the plan above, then run `govern apply --auto-approve`".into()),
        });
    }
    print!("\nDo you want to perform these actions? Only 'yes' will be accepted: ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|source| Error::Io {
            context: "reading the answer".into(),
            source,
        })?;
    if answer.trim() != "yes" {
        return Err(Error::Refused {
            message: "apply cancelled".into(),
            hint: None,
        });
    }
    Ok(())
}
