//! Reads and writes the record of the last successful apply (`<state-dir>/last-apply.json`); what
//! the record is and what it tells about a difference is pure and lives in the core crate.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
pub use govern_core::drift::*;

/// The record in `dir`, if there is one.
pub fn read(dir: &Path) -> Result<Option<LastApply>> {
    let path = dir.join(LAST_APPLY);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Io {
                context: format!("reading {}", path.display()),
                source,
            })
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Error::Refused {
            message: format!("{} is not a record govern can read: {e}", path.display()),
            hint: Some("delete it; the next successful `govern apply` writes a new one".into()),
        })
}

/// Writes the record into `dir` (created if needed), atomically: a reader sees the old record or
/// the new one, never half of one.
pub fn write(dir: &Path, record: &LastApply) -> Result<PathBuf> {
    let path = dir.join(LAST_APPLY);
    let io = |context: String| move |source| Error::Io { context, source };
    std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    let tmp = dir.join(format!(".{LAST_APPLY}.{}.tmp", std::process::id()));
    let mut text = serde_json::to_string_pretty(record).expect("a record always serializes");
    text.push('\n');
    std::fs::write(&tmp, text).map_err(io(format!("writing {}", tmp.display())))?;
    std::fs::rename(&tmp, &path).map_err(io(format!("writing {}", path.display())))?;
    Ok(path)
}
