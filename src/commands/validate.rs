//! `govern validate`: offline checks of org.toml and its policy files; `--format sarif` also writes
//! them as a SARIF log for GitHub code scanning.

use crate::cli::{ValidateArgs, ValidateFormat};
use crate::error::{Error, Result};
use crate::exit;

use super::Context;

pub fn run(ctx: &Context, args: &ValidateArgs) -> Result<u8> {
    let loaded = ctx.load();
    if args.format == ValidateFormat::Sarif {
        let problems = match &loaded {
            Ok(_) => &[][..],
            Err(e) => &e.problems[..],
        };
        let cwd = std::env::current_dir().map_err(|source| Error::Io {
            context: "reading the working directory".into(),
            source,
        })?;
        let log = crate::config::sarif::log(problems, &cwd, env!("CARGO_PKG_VERSION"));
        println!(
            "{}",
            serde_json::to_string_pretty(&log).expect("JSON values serialize")
        );
    }
    // The problems go to stderr as text either way (exit 1), so a CI log shows them too.
    let loaded = loaded?;
    if args.format == ValidateFormat::Text {
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
    }
    Ok(exit::OK)
}
