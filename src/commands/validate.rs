//! `govern validate`: offline checks of org.toml and its policy files.

use crate::error::Result;
use crate::exit;

use super::Context;

pub fn run(ctx: &Context) -> Result<u8> {
    let loaded = ctx.load()?;
    let d = &loaded.desired;
    let scps = d
        .policies
        .values()
        .filter(|p| p.kind == crate::model::PolicyKind::ServiceControlPolicy)
        .count();
    // Other kinds are counted apart, so an SCP-only file reads as it did before kinds.
    let others = match d.policies.len() - scps {
        0 => String::new(),
        n => format!(", {n} other {}", if n == 1 { "policy" } else { "policies" }),
    };
    println!(
        "{} is valid: {} SCPs{others}, {} OUs, {} accounts ({} files read).",
        ctx.config.display(),
        scps,
        d.ous.len(),
        d.accounts.len(),
        loaded.files.len()
    );
    Ok(exit::OK)
}
