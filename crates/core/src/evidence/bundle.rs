//! The bundle on disk: its files, `manifest.json` (SHA-256 of every file), `SHA256SUMS` (so
//! `sha256sum -c SHA256SUMS` checks it with no govern), and verification.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::plan::Shard;
use crate::state::sha256;

use super::controls::Status;

pub const MANIFEST: &str = "manifest.json";
pub const SUMS: &str = "SHA256SUMS";
pub const SIGNATURE: &str = "signature.json";
pub const PUBLIC_KEY_DER: &str = "public-key.der";
pub const PUBLIC_KEY_PEM: &str = "public-key.pem";
/// `manifest.json`'s `format_version`.
pub const MANIFEST_VERSION: u32 = 1;

/// Files written after the manifest, so not listed in it (SHA256SUMS lists all but itself).
pub const AFTER_MANIFEST: &[&str] = &[MANIFEST, SUMS, SIGNATURE, PUBLIC_KEY_DER, PUBLIC_KEY_PEM];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub govern_version: String,
    pub caller: Caller,
    pub organization_id: String,
    pub management_account: String,
    /// SHA-256 over the config files' hashes, as `config.digest` in drift reports; absent in
    /// bundles written before govern recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    /// The git commit org.toml's repository was at when the bundle was collected, when org.toml
    /// is in a git repository and `git` is installed; absent otherwise (nothing is claimed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_git: Option<ConfigGit>,
    /// Set in a partial bundle (`govern evidence --shard I/N`): it holds this shard's rows only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// Set in a bundle written by `govern evidence merge`: the partial bundles it was made of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<MergedPart>,
    pub collection: Window,
    /// Rows per status.
    pub summary: BTreeMap<Status, usize>,
    /// Hex SHA-256 of the bundle of the previous period, when given, to chain bundles.
    pub previous_bundle_sha256: Option<String>,
    /// Every file of the bundle but those in [`AFTER_MANIFEST`], by path relative to the bundle.
    pub files: BTreeMap<String, String>,
}

/// Where the config files stand in git.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigGit {
    /// `git rev-parse HEAD` in org.toml's directory.
    pub commit: String,
    /// Whether org.toml or a file it names differs from that commit (or is not in it), so the
    /// config in the bundle is not exactly the commit's.
    pub uncommitted_changes: bool,
}

/// One partial bundle a merged bundle was made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedPart {
    pub shard: Shard,
    /// SHA-256 of the part's manifest.json, which names the SHA-256 of each of its files.
    pub manifest_sha256: String,
    pub caller: Caller,
    pub collection: Window,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub account: String,
    pub arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub started_at: String,
    pub finished_at: String,
}

/// Files by bundle-relative path (always `/`-separated), written in one go.
#[derive(Debug, Default)]
pub struct Files(pub BTreeMap<String, Vec<u8>>);

impl Files {
    pub fn add(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.0.insert(path.into(), bytes.into());
    }
    pub fn hashes(&self) -> BTreeMap<String, String> {
        self.0.iter().map(|(p, b)| (p.clone(), sha256(b))).collect()
    }
    /// Writes every file under `dir`, creating folders.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        for (path, bytes) in &self.0 {
            let full = dir.join(path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(full, bytes)?;
        }
        Ok(())
    }
}

/// `sha256sum`'s format: `<hex>  <path>` per line, sorted by path.
pub fn sums(hashes: &BTreeMap<String, String>) -> String {
    hashes.iter().map(|(p, h)| format!("{h}  {p}\n")).collect()
}

fn parse_sums(text: &str) -> Option<BTreeMap<String, String>> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (h, p) = l.split_once("  ")?;
            Some((p.to_string(), h.to_string()))
        })
        .collect()
}

/// Every regular file under `dir`, by `/`-separated relative path, with its bytes; what is not a
/// regular file (a symbolic link, a FIFO, a device) is named as a problem and never opened: a bundle
/// is untrusted, and a link to `/dev/zero` or a FIFO would grow memory or hang `verify`.
pub fn read_dir(dir: &Path) -> std::io::Result<(Files, Vec<Problem>)> {
    fn walk(
        base: &Path,
        at: &Path,
        out: &mut Files,
        problems: &mut Vec<Problem>,
    ) -> std::io::Result<()> {
        for entry in std::fs::read_dir(at)? {
            let entry = entry?;
            let path = entry.path();
            // file_type does not follow symbolic links.
            let kind = entry.file_type()?;
            let rel = path.strip_prefix(base).unwrap_or(&path);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if kind.is_dir() {
                walk(base, &path, out, problems)?;
            } else if kind.is_file() {
                out.add(rel, std::fs::read(&path)?);
            } else {
                let what = if kind.is_symlink() {
                    "a symbolic link"
                } else {
                    "a FIFO, socket or device"
                };
                problems.push(Problem::Invalid(rel, format!("{what}, not a regular file")));
            }
        }
        Ok(())
    }
    let mut out = Files::default();
    let mut problems = Vec::new();
    walk(dir, dir, &mut out, &mut problems)?;
    Ok((out, problems))
}

/// A bundle read from disk, whatever its form.
#[derive(Debug)]
pub struct Opened {
    /// `directory`, `zip` or `tar.gz`.
    pub form: &'static str,
    pub files: Files,
    /// Entries of an archive that cannot be files of a bundle.
    pub problems: Vec<Problem>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0} does not exist")]
    NotFound(PathBuf),
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Archive {
        path: PathBuf,
        source: super::archive::ArchiveError,
    },
}

/// The bundle at `path`: a directory `govern evidence` wrote, or a `.zip` / `.tar.gz` of one.
pub fn open(path: &Path) -> Result<Opened, OpenError> {
    let io = |source| OpenError::Io {
        path: path.to_path_buf(),
        source,
    };
    if !path.exists() {
        return Err(OpenError::NotFound(path.to_path_buf()));
    }
    if path.is_dir() {
        let (files, problems) = read_dir(path).map_err(io)?;
        return Ok(Opened {
            form: "directory",
            files,
            problems,
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let unpacked = super::archive::unpack(&bytes).map_err(|source| OpenError::Archive {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Opened {
        form: unpacked.kind.as_str(),
        files: unpacked.files,
        problems: unpacked.problems,
    })
}

/// What is wrong with one file of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    Changed(String),
    Missing(String),
    Extra(String),
    /// A file that exists but cannot be what it claims (bad manifest, bad signature).
    Invalid(String, String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Changed(p) => write!(f, "changed: {p}"),
            Problem::Missing(p) => write!(f, "missing: {p}"),
            Problem::Extra(p) => write!(f, "extra: {p}"),
            Problem::Invalid(p, why) => write!(f, "invalid: {p}: {why}"),
        }
    }
}

/// The result of checking the hashes of a bundle (the signature is checked by the caller).
#[derive(Debug, Default)]
pub struct Checked {
    pub manifest: Option<Manifest>,
    pub manifest_sha256: Option<String>,
    pub files: usize,
    pub problems: Vec<Problem>,
}

/// Recomputes every hash of a bundle's files against manifest.json and SHA256SUMS.
pub fn check(present: &Files) -> Checked {
    let mut out = Checked::default();
    let mut problems = Vec::new();
    let actual = present.hashes();

    let manifest = match present.0.get(MANIFEST) {
        None => {
            problems.push(Problem::Missing(MANIFEST.into()));
            None
        }
        Some(bytes) => {
            out.manifest_sha256 = Some(sha256(bytes));
            match serde_json::from_slice::<Manifest>(bytes) {
                Ok(m) => Some(m),
                Err(e) => {
                    problems.push(Problem::Invalid(MANIFEST.into(), e.to_string()));
                    None
                }
            }
        }
    };
    let sums_listed = match present.0.get(SUMS) {
        None => {
            problems.push(Problem::Missing(SUMS.into()));
            None
        }
        Some(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let parsed = parse_sums(&text);
            if parsed.is_none() {
                problems.push(Problem::Invalid(
                    SUMS.into(),
                    "not in `sha256sum` format".into(),
                ));
            }
            parsed
        }
    };

    // The manifest is the authority for the files it lists.
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    if let Some(m) = &manifest {
        for (path, hash) in &m.files {
            if path
                .split('/')
                .any(|s| s.is_empty() || s == "." || s == "..")
            {
                problems.push(Problem::Invalid(
                    MANIFEST.into(),
                    format!("unsafe path `{path}`"),
                ));
                continue;
            }
            expected.insert(path.clone(), hash.clone());
        }
    }
    // SHA256SUMS vouches for the files written after the manifest.
    if let Some(listed) = &sums_listed {
        for name in AFTER_MANIFEST {
            if *name == SUMS {
                continue;
            }
            if let Some(h) = listed.get(*name) {
                expected.insert(name.to_string(), h.clone());
            }
        }
    }
    for (path, hash) in &expected {
        match actual.get(path) {
            None => problems.push(Problem::Missing(path.clone())),
            Some(h) if h != hash => problems.push(Problem::Changed(path.clone())),
            Some(_) => {}
        }
    }
    for path in actual.keys() {
        let known = expected.contains_key(path) || path == SUMS || path == MANIFEST;
        if !known {
            problems.push(Problem::Extra(path.clone()));
        }
    }
    // SHA256SUMS must agree with the manifest (else it was edited, or a file beside it was).
    if let (Some(listed), Some(_)) = (&sums_listed, &manifest) {
        let mut want = expected.clone();
        if let Some(h) = &out.manifest_sha256 {
            want.insert(MANIFEST.into(), h.clone());
        }
        if *listed != want
            && !problems
                .iter()
                .any(|p| matches!(p, Problem::Changed(_) | Problem::Missing(_)))
        {
            problems.push(Problem::Changed(SUMS.into()));
        }
    }
    problems.sort_by_key(|p| p.to_string());
    problems.dedup();
    out.files = actual.len();
    out.manifest = manifest;
    out.problems = problems;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_bundle_with_a_link_or_fifo_names_them_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.json"), "{}").unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("controls.json")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.path().join("report.html"))
            .status()
            .unwrap();
        assert!(made.success());
        let (files, problems) = read_dir(dir.path()).unwrap();
        assert_eq!(files.0.keys().collect::<Vec<_>>(), ["manifest.json"]);
        let mut named: Vec<String> = problems
            .iter()
            .map(|p| match p {
                Problem::Invalid(name, why) => format!("{name}: {why}"),
                other => format!("{other:?}"),
            })
            .collect();
        named.sort();
        assert_eq!(
            named,
            [
                "controls.json: a symbolic link, not a regular file",
                "report.html: a FIFO, socket or device, not a regular file"
            ]
        );
    }
}
