//! Reading the files org.toml is made of. They come from a pull request as often as from a platform
//! engineer's desk, so a name in them is not trusted to be a file: each must be a plain file of a
//! sane size (a FIFO would hang the run, `/dev/zero` grow memory without bound, `/proc/self/environ`
//! print the environment, credentials included, into a CI log), and a policy file must sit inside
//! org.toml's directory unless the run allows otherwise (`--allow-outside-files`).

use std::io::Read;
use std::path::{Path, PathBuf};

/// org.toml: a quarter of a million lines at 50,000 accounts is about 10 MiB.
pub const MAX_CONFIG_BYTES: u64 = 64 * 1024 * 1024;
/// A policy file: SCP documents are at most 10,240 characters minified; white space and comments
/// of a readable file fit many times over.
pub const MAX_POLICY_BYTES: u64 = 1024 * 1024;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0} is not a regular file (a device, FIFO, socket or directory)")]
    NotRegular(PathBuf),
    #[error("{path} is {len} bytes, over the {cap} a {what} may have")]
    TooBig {
        path: PathBuf,
        len: u64,
        cap: u64,
        what: &'static str,
    },
    /// Regular by its metadata but longer than it says (procfs and sysfs files report size 0).
    #[error("{0} is not a plain file: it holds more than its size says (a /proc or /sys file?)")]
    NotPlain(PathBuf),
    #[error("{path} is not UTF-8 at byte {offset}: it must be UTF-8 text")]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{path} is outside the directory of org.toml ({dir})")]
    Outside { path: PathBuf, dir: PathBuf },
}

/// Reads `path` as UTF-8 text, refusing what is not a plain file of at most `cap` bytes: checked on
/// the metadata before anything is opened (so a FIFO is never opened), then enforced while reading.
pub fn read_plain(path: &Path, cap: u64, what: &'static str) -> Result<String, Refused> {
    let meta = std::fs::metadata(path).map_err(|e| Refused::Io(path.to_path_buf(), e))?;
    if !meta.is_file() {
        return Err(Refused::NotRegular(path.to_path_buf()));
    }
    let len = meta.len();
    if len > cap {
        return Err(Refused::TooBig {
            path: path.to_path_buf(),
            len,
            cap,
            what,
        });
    }
    let file = std::fs::File::open(path).map_err(|e| Refused::Io(path.to_path_buf(), e))?;
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(len + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Refused::Io(path.to_path_buf(), e))?;
    if bytes.len() as u64 > len {
        return Err(Refused::NotPlain(path.to_path_buf()));
    }
    String::from_utf8(bytes).map_err(|e| Refused::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// `path` resolved (symlinks followed) must lie inside `dir`, resolved too.
pub fn inside(path: &Path, dir: &Path) -> Result<(), Refused> {
    let real = std::fs::canonicalize(path).map_err(|e| Refused::Io(path.to_path_buf(), e))?;
    let base = std::fs::canonicalize(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })
    .map_err(|e| Refused::Io(dir.to_path_buf(), e))?;
    if real.starts_with(&base) {
        Ok(())
    } else {
        Err(Refused::Outside {
            path: path.to_path_buf(),
            dir: base,
        })
    }
}
