//! `govern validate`: offline checks of org.toml and its policy files.

use crate::error::Result;
use crate::exit;

use super::Context;

pub fn run(ctx: &Context) -> Result<u8> {
    let loaded = ctx.load()?;
    let d = &loaded.desired;
    println!(
        "{} is valid: {} SCPs, {} OUs, {} accounts ({} files read).",
        ctx.config.display(),
        d.policies.len(),
        d.ous.len(),
        d.accounts.len(),
        loaded.files.len()
    );
    Ok(exit::OK)
}
