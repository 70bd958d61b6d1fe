//! `govern show PLAN_FILE`: render a saved plan; no AWS access.

use crate::cli::{Format, ShowArgs};
use crate::error::Result;
use crate::{exit, render};

use super::Context;

pub fn run(ctx: &Context, args: &ShowArgs) -> Result<u8> {
    let saved = super::saved_file::read(&args.plan)?;
    let format = if args.json { Format::Json } else { args.format };
    let about = format!(
        "plan {} made {} by govern {} for organization {} (account {})",
        saved.plan_id,
        saved.created_at,
        saved.govern_version,
        saved.organization_id,
        saved.caller_account
    );
    let style = args.report.style(&ctx.style);
    match format {
        Format::Text => {
            println!("Saved {about}\n");
            print!("{}", render::text(&saved.plan, &style));
        }
        Format::Json => print!("{}", render::json(&saved.plan)),
        Format::Markdown => {
            let md = render::markdown(&saved.plan, &style);
            let body = md.strip_prefix("## govern plan\n\n").unwrap_or(&md);
            print!(
                "## govern plan `{}`\n\nSaved {about}.\n\n{body}",
                args.plan.display()
            );
        }
    }
    Ok(exit::OK)
}
