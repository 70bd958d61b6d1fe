//! `govern schema` and `govern man`: files generated from this binary's own types, so an installed
//! govern documents itself without a source checkout.

use std::path::Path;

use crate::error::{Error, Result};
use crate::exit;

/// The JSON Schema of org.toml, to stdout or `output`.
pub fn schema(output: Option<&Path>) -> Result<u8> {
    let text = crate::config::schema::generate();
    match output {
        None => print!("{text}"),
        Some(path) => std::fs::write(path, text).map_err(|source| Error::Io {
            context: format!("cannot write {}", path.display()),
            source,
        })?,
    }
    Ok(exit::OK)
}

/// A man page for govern and one per subcommand, into `dir`.
pub fn man(dir: &Path) -> Result<u8> {
    let written =
        write_man_pages(dir).map_err(|(context, source)| Error::Io { context, source })?;
    eprintln!("wrote {written} man pages to {}", dir.display());
    Ok(exit::OK)
}

/// Writes `govern.1` and `govern-<subcommand>.1` (nested: `govern-drift-merge.1`) into `dir`,
/// creating it; returns how many. `cargo xtask man` calls this too.
pub fn write_man_pages(dir: &Path) -> std::result::Result<usize, (String, std::io::Error)> {
    std::fs::create_dir_all(dir).map_err(|e| (format!("cannot create {}", dir.display()), e))?;
    // Built (which fills in each subcommand's bin name, `govern plan`, for the SYNOPSIS lines), and
    // each page shows only the options its command uses.
    let cmd = crate::cli::command();
    let mut written = 0;
    pages(&cmd, "", dir, &mut written)?;
    Ok(written)
}

fn pages(
    cmd: &clap::Command,
    parent: &str,
    dir: &Path,
    written: &mut usize,
) -> std::result::Result<(), (String, std::io::Error)> {
    let name = if parent.is_empty() {
        cmd.get_name().to_string()
    } else {
        format!("{parent}-{}", cmd.get_name())
    };
    // A subcommand's page is titled and named by its full path, as man(1) expects (`man govern-plan`).
    let page = cmd.clone().display_name(name.clone());
    let path = dir.join(format!("{name}.1"));
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .title(name.to_uppercase())
        .render(&mut out)
        .map_err(|e| (format!("cannot render the man page {name}"), e))?;
    std::fs::write(&path, out).map_err(|e| (format!("cannot write {}", path.display()), e))?;
    *written += 1;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        pages(sub, &name, dir, written)?;
    }
    Ok(())
}
