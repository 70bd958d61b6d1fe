//! `govern apply`: plan, confirm, change AWS, then verify that a fresh plan is empty.

use std::io::{BufRead, IsTerminal, Write};

use crate::apply::Outcome;
use crate::cli::ApplyArgs;
use crate::error::{Error, Result};
use crate::{exit, render};

use super::Context;

pub async fn run(ctx: &Context, args: &ApplyArgs) -> Result<u8> {
    let loaded = crate::config::load(&ctx.config)?;
    let (clients, actual) = super::connect_and_discover(ctx, &loaded.desired, "apply").await?;
    let plan = crate::plan::plan(&loaded.desired, &actual);
    print!("{}", render::text(&plan, &ctx.style));
    if !plan.conflicts.is_empty() {
        return Err(super::plan::conflicts(plan.conflicts.len()));
    }
    if plan.is_empty() {
        return Ok(exit::OK);
    }
    if !args.auto_approve {
        confirm()?;
    }

    println!();
    let total = plan.changes.len();
    let report = crate::apply::apply(&clients, &plan, &actual, |c, done| {
        let mut out = std::io::stdout().lock();
        match done {
            None => {
                let _ = write!(out, "  {} {} … ", c.action.symbol(), c.address);
            }
            Some((Outcome::Done, took)) => {
                let _ = writeln!(out, "done ({:.1}s)", took.as_secs_f64());
            }
            Some((Outcome::Failed(why), _)) => {
                let _ = writeln!(out, "FAILED\n      {why}");
            }
            Some((Outcome::Skipped { .. }, _)) => {}
        }
        let _ = out.flush();
    })
    .await;
    for (address, outcome) in &report.outcomes {
        if let Outcome::Skipped { because } = outcome {
            println!("  ! {address} not attempted: it depends on {because}");
        }
    }
    let failed = report.count(|o| matches!(o, Outcome::Failed(_)));
    let skipped = report.count(|o| matches!(o, Outcome::Skipped { .. }));
    if failed > 0 {
        return Err(Error::ApplyFailed {
            failed,
            skipped,
            total,
        });
    }

    // Terraform's rule: after a write, the result must equal what was planned.
    let (_, after) = super::connect_and_discover(ctx, &loaded.desired, "apply").await?;
    let again = crate::plan::plan(&loaded.desired, &after);
    if !again.is_empty() {
        let left: Vec<_> = again.changes.iter().map(|c| c.address.as_str()).collect();
        return Err(Error::Inconsistent(format!(
            "{} change(s) still planned: {}",
            left.len(),
            left.join(", ")
        )));
    }
    println!("\nApply complete: {total} change(s) made; the organization matches org.toml.");
    Ok(exit::OK)
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
