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

/// How a run may read the files org.toml names.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Read policy files outside org.toml's directory (`--allow-outside-files`). Off by default:
    /// org.toml often comes from a pull request, and a name in it could point anywhere.
    pub allow_outside: bool,
}

/// Reads and validates org.toml at `path` and the SCP files it names (relative to its directory,
/// and inside it). On failure, every problem found is reported, in file order.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    load_with(path, Options::default())
}

/// [`load`], with `options`.
pub fn load_with(path: &Path, options: Options) -> Result<Loaded, ConfigError> {
    let (src, mut problems) = read(path, options)?;
    let mut files: Vec<PathBuf> = src.files().map(Path::to_path_buf).collect();
    let desired = raw::read(&src, &mut problems)
        .and_then(|raw| validate::validate(&src, &raw, options, &mut problems, &mut files));
    match desired {
        Some(desired) if problems.is_empty() => Ok(Loaded { desired, files }),
        _ => Err(ConfigError {
            file: path.to_path_buf(),
            problems: problems.into_sorted(),
        }),
    }
}

/// org.toml at `path` and the files its `include` names, org.toml first (for `govern fmt`): only
/// what reading them needs is checked, not what they mean.
pub fn config_files(path: &Path, options: Options) -> Result<Vec<PathBuf>, ConfigError> {
    let (src, problems) = read(path, options)?;
    if !problems.is_empty() {
        return Err(ConfigError {
            file: path.to_path_buf(),
            problems: problems.into_sorted(),
        });
    }
    Ok(src.files().map(Path::to_path_buf).collect())
}

/// org.toml and its included files as one source, with the problems reading them found; an
/// org.toml that cannot be read at all is the error.
fn read(path: &Path, options: Options) -> Result<(Source, Problems), ConfigError> {
    let text = super::files::read_plain(path, super::files::MAX_CONFIG_BYTES, "config file")
        .map_err(|e| {
            let help = match e {
                super::files::Refused::Io(..) => {
                    "pass the path of org.toml with --config, or run govern from its directory"
                }
                _ => "org.toml is a UTF-8 TOML text file",
            };
            ConfigError {
                file: path.to_path_buf(),
                problems: vec![Problem::new(path, format!("cannot read {e}")).with_help(help)],
            }
        })?;
    let (src, found) = super::include::read(path, text, options.allow_outside);
    let mut problems = Problems::default();
    for (at, p) in found {
        problems.push_at(at, p);
    }
    Ok((src, problems))
}
