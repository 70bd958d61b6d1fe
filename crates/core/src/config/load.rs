//! `load`: read org.toml, read its structure, validate it and the files it names.

use std::path::{Path, PathBuf};

use super::error::{ConfigError, Problem};
use super::problems::{Problems, Source};
use super::{raw, validate};
use crate::model::Desired;

/// A valid org.toml, as the rest of govern uses it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub desired: Desired,
    /// org.toml and every baseline file read, in read order.
    pub files: Vec<PathBuf>,
}

/// Reads and validates org.toml at `path` and the SCP files it names (relative to its directory).
/// On failure, every problem found is reported, in file order.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let fail = |problems: Vec<Problem>| ConfigError {
        file: path.to_path_buf(),
        problems,
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        fail(vec![Problem::new(
            path,
            format!("cannot read {}: {e}", path.display()),
        )
        .with_help(
            "pass the path of org.toml with --config, or run govern from its directory",
        )])
    })?;
    let src = Source::new(path, text);
    let mut problems = Problems::default();
    let mut files = vec![path.to_path_buf()];
    let desired = raw::read(&src, &mut problems)
        .and_then(|raw| validate::validate(&src, &raw, &mut problems, &mut files));
    match desired {
        Some(desired) if problems.is_empty() => Ok(Loaded { desired, files }),
        _ => Err(fail(problems.into_sorted())),
    }
}
