//! `govern fmt`: org.toml and its included files in canonical order (`govern_core::config::fmt`).

use std::path::PathBuf;

use crate::cli::FmtArgs;
use crate::error::{Error, Result};
use crate::exit;

use super::Context;

pub fn run(ctx: &Context, args: &FmtArgs) -> Result<u8> {
    let files = crate::config::config_files(&ctx.config, ctx.load_options)?;
    let mut unordered: Vec<PathBuf> = Vec::new();
    for path in files {
        let text = crate::config::files::read_plain(
            &path,
            crate::config::files::MAX_CONFIG_BYTES,
            "config file",
        )
        .map_err(|e| Error::Refused {
            message: format!("cannot read {e}"),
            hint: None,
        })?;
        let formatted = crate::config::fmt::canonical(&text).map_err(|message| Error::Refused {
            message: format!("{} is not valid TOML: {message}", path.display()),
            hint: Some("`govern validate` shows where; fmt formats only what parses".into()),
        })?;
        if formatted == text {
            continue;
        }
        if !args.check {
            std::fs::write(&path, formatted).map_err(|source| Error::Io {
                context: format!("writing {}", path.display()),
                source,
            })?;
            println!("formatted {}", path.display());
        }
        unordered.push(path);
    }
    if args.check && !unordered.is_empty() {
        for path in &unordered {
            println!("not in canonical order: {}", path.display());
        }
        eprintln!("run `govern fmt` to put them in order");
        return Ok(exit::ERROR);
    }
    Ok(exit::OK)
}
