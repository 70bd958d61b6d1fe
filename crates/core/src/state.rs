//! The digests that tie a run to the files it used: the config digest, and SHA-256 itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A config file that could not be read to hash it.
#[derive(Debug, thiserror::Error)]
#[error("reading {}: {source}", path.display())]
pub struct ReadError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// The config files of one run and their SHA-256, by path relative to the config file's directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigDigest {
    /// SHA-256 of the `files` listing (one `<sha256>  <path>\n` line per file, sorted by path, as
    /// `sha256sum` prints them): equal exactly when every file is.
    pub digest: String,
    pub files: BTreeMap<String, String>,
}

/// Hex SHA-256 of some bytes.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl ConfigDigest {
    /// Reads and hashes `files` (org.toml first, then what it names), as config loading listed them.
    pub fn of(config: &Path, files: &[PathBuf]) -> Result<ConfigDigest, ReadError> {
        let base = config.parent().unwrap_or(Path::new(""));
        let mut hashed = BTreeMap::new();
        for file in files {
            // Read again minutes after loading: checked again as loading checks (a plain file of a
            // sane size), since it could have been swapped for a FIFO or a device meanwhile.
            let bytes = crate::config::files::read_plain(
                file,
                crate::config::files::MAX_CONFIG_BYTES,
                "config file",
            )
            .map_err(|e| ReadError {
                path: file.clone(),
                source: std::io::Error::other(e),
            })?
            .into_bytes();
            let name = file.strip_prefix(base).unwrap_or(file);
            hashed.insert(name.to_string_lossy().replace('\\', "/"), sha256(&bytes));
        }
        Ok(Self::from_files(hashed))
    }

    pub fn from_files(files: BTreeMap<String, String>) -> ConfigDigest {
        let listing: String = files
            .iter()
            .map(|(path, sha)| format!("{sha}  {path}\n"))
            .collect();
        ConfigDigest {
            digest: sha256(listing.as_bytes()),
            files,
        }
    }

    /// Files added, removed or changed in `now` compared with `self`, sorted.
    pub fn changed_files(&self, now: &ConfigDigest) -> Vec<String> {
        let mut out: Vec<String> = now
            .files
            .iter()
            .filter(|(p, sha)| self.files.get(*p) != Some(sha))
            .map(|(p, _)| p.clone())
            .collect();
        out.extend(
            self.files
                .keys()
                .filter(|p| !now.files.contains_key(*p))
                .cloned(),
        );
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    /// A config file swapped for a FIFO after loading (the run reads the files again to hash
    /// them, minutes later) is refused, not waited on forever.
    #[cfg(unix)]
    #[test]
    fn a_fifo_among_the_config_files_is_refused_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("org.toml");
        std::fs::write(&config, "[organization]\n").unwrap();
        let fifo = dir.path().join("scp.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let (tx, rx) = std::sync::mpsc::channel();
        let files = vec![config.clone(), fifo];
        std::thread::spawn(move || {
            let _ = tx.send(ConfigDigest::of(&config, &files).map(|d| d.digest));
        });
        // A watchdog, not a timing assertion: a read that blocks fails the test instead of hanging.
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("ConfigDigest::of blocked on a FIFO");
        let e = got.unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    use super::*;

    fn d(files: &[(&str, &str)]) -> ConfigDigest {
        ConfigDigest::from_files(
            files
                .iter()
                .map(|(p, s)| (p.to_string(), s.to_string()))
                .collect(),
        )
    }

    #[test]
    fn equal_files_give_equal_digests_and_changes_are_named() {
        let a = d(&[("org.toml", "aa"), ("scp/x.json", "bb")]);
        assert_eq!(a, d(&[("scp/x.json", "bb"), ("org.toml", "aa")]));
        let b = d(&[
            ("org.toml", "aa"),
            ("scp/x.json", "cc"),
            ("scp/y.json", "dd"),
        ]);
        assert_ne!(a.digest, b.digest);
        assert_eq!(a.changed_files(&b), ["scp/x.json", "scp/y.json"]);
        let c = d(&[("org.toml", "aa")]);
        assert_eq!(a.changed_files(&c), ["scp/x.json"]);
    }
}
