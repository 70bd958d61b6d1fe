//! `cargo xtask schema` and `cargo xtask man`: files generated from govern's own types.

use std::path::{Path, PathBuf};

/// Writes docs/org.schema.json from the config types (a unit test fails while it is stale).
pub fn schema(root: &Path) -> Result<i32, String> {
    let path = root.join(govern::config::schema::SCHEMA_PATH);
    std::fs::write(&path, govern::config::schema::generate())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(0)
}

/// Writes a man page for govern and one per subcommand (`govern-plan.1`, …) into `dir`
/// (default: target/man), as `govern man DIR` does.
pub fn man(root: &Path, dir: Option<&str>) -> Result<i32, String> {
    let dir = dir.map_or_else(|| root.join("target").join("man"), PathBuf::from);
    let written = govern::commands::write_man_pages(&dir)
        .map_err(|(context, e)| format!("{context}: {e}"))?;
    println!("wrote {written} man pages to {}", dir.display());
    Ok(0)
}
