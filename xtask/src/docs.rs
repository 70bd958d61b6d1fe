//! `cargo xtask schema` and `cargo xtask man`: files generated from govern's own types.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

/// Writes docs/org.schema.json from the config types (a unit test fails while it is stale).
pub fn schema(root: &Path) -> Result<i32, String> {
    let path = root.join(govern::config::schema::SCHEMA_PATH);
    std::fs::write(&path, govern::config::schema::generate())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(0)
}

/// Writes a man page for govern and one per subcommand (`govern-plan.1`, …) into `dir`
/// (default: target/man).
pub fn man(root: &Path, dir: Option<&str>) -> Result<i32, String> {
    let dir = dir.map_or_else(|| root.join("target").join("man"), PathBuf::from);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut cmd = govern::cli::Cli::command();
    // Building fills in each subcommand's bin name (`govern plan`) for the SYNOPSIS lines.
    cmd.build();
    let mut written = 0;
    write_pages(&cmd, "", &dir, &mut written)?;
    println!("wrote {written} man pages to {}", dir.display());
    Ok(0)
}

fn write_pages(
    cmd: &clap::Command,
    parent: &str,
    dir: &Path,
    written: &mut usize,
) -> Result<(), String> {
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
        .map_err(|e| format!("cannot render {name}: {e}"))?;
    std::fs::write(&path, out).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    *written += 1;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        write_pages(sub, &name, dir, written)?;
    }
    Ok(())
}
