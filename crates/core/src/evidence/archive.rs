//! A bundle as one file, for upload to a GRC tool: `.zip` (deflate) or `.tar.gz`, holding the
//! directory bundle's files at the top level under the same paths.
//!
//! Packing is a pure function of the bundle's files: entries in path order, mode 0644, owner 0,
//! every timestamp the manifest's `collection.finished_at` rather than "now", so the same bundle
//! gives byte-identical archives whenever and wherever it is packed. Unpacking takes either kind,
//! recognised by its first bytes (a renamed file still verifies), and reports entries a directory
//! bundle could not hold instead of silently dropping them.

use std::collections::btree_map::Entry;
use std::io::{Cursor, Read, Write};
use std::path::{Component, Path};

use super::bundle::{Files, Manifest, Problem, MANIFEST};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    TarGz,
}

impl Kind {
    /// By content: zip's local-file (or empty-archive) signature, gzip's magic number.
    pub fn sniff(bytes: &[u8]) -> Option<Kind> {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            Some(Kind::Zip)
        } else if bytes.starts_with(&[0x1f, 0x8b]) {
            Some(Kind::TarGz)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Zip => "zip",
            Kind::TarGz => "tar.gz",
        }
    }
}

/// Unpacked bytes accepted at most: a bundle is JSON and text, far below this even for thousands
/// of accounts; the cap keeps a hostile archive from exhausting memory during `verify`.
pub const MAX_UNPACKED: u64 = 1 << 30;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("the bundle has no {MANIFEST} to take the archive's timestamps from")]
    NoManifest,
    #[error("{MANIFEST} cannot be read: {0}")]
    BadManifest(serde_json::Error),
    #[error("collection.finished_at `{0}` in {MANIFEST} is not a time a {1} entry can carry (RFC 3339, 1980 to 2107)")]
    BadTime(String, &'static str),
    #[error("neither a zip nor a gzip-compressed tar archive (its first bytes are neither `PK` nor 1f 8b)")]
    Unknown,
    #[error("the zip archive cannot be read: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("the tar.gz archive cannot be read: {0}")]
    Tar(std::io::Error),
    #[error("it unpacks to more than {MAX_UNPACKED} bytes, far more than any bundle")]
    TooLarge,
}

/// The bundle's files in one archive of `kind`, dated by its manifest.
pub fn pack(files: &Files, kind: Kind) -> Result<Vec<u8>, ArchiveError> {
    let finished_at = collection_time(files)?;
    match kind {
        Kind::Zip => pack_zip(files, &finished_at),
        Kind::TarGz => pack_tar_gz(files, &finished_at),
    }
}

fn collection_time(files: &Files) -> Result<String, ArchiveError> {
    let bytes = files.0.get(MANIFEST).ok_or(ArchiveError::NoManifest)?;
    let manifest: Manifest = serde_json::from_slice(bytes).map_err(ArchiveError::BadManifest)?;
    Ok(manifest.collection.finished_at)
}

fn pack_zip(files: &Files, finished_at: &str) -> Result<Vec<u8>, ArchiveError> {
    let bad_time = || ArchiveError::BadTime(finished_at.to_string(), "zip");
    let (secs, _) = crate::time::parse_rfc3339(finished_at).ok_or_else(bad_time)?;
    // Normalised to `YYYY-MM-DDTHH:MM:SSZ` in UTC, so the fields sit at fixed offsets.
    let utc = crate::time::rfc3339(u64::try_from(secs).map_err(|_| bad_time())?);
    let field = |at: std::ops::Range<usize>| utc.get(at).and_then(|s| s.parse::<u16>().ok());
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (
        field(0..4),
        field(5..7),
        field(8..10),
        field(11..13),
        field(14..16),
        field(17..19),
    ) else {
        return Err(bad_time());
    };
    let when = zip::DateTime::from_date_and_time(y, mo as u8, d as u8, h as u8, mi as u8, s as u8)
        .map_err(|_| bad_time())?;
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(when)
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (path, bytes) in &files.0 {
        zip.start_file(path.as_str(), options)?;
        zip.write_all(bytes).map_err(zip::result::ZipError::Io)?;
    }
    Ok(zip.finish()?.into_inner())
}

fn pack_tar_gz(files: &Files, finished_at: &str) -> Result<Vec<u8>, ArchiveError> {
    let secs = crate::time::parse_rfc3339(finished_at)
        .and_then(|(secs, _)| u32::try_from(secs).ok())
        .ok_or_else(|| ArchiveError::BadTime(finished_at.to_string(), "tar.gz"))?;
    let gz = flate2::GzBuilder::new()
        .mtime(secs)
        .write(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (path, bytes) in &files.0 {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(u64::from(secs));
        tar.append_data(&mut header, path, bytes.as_slice())
            .map_err(ArchiveError::Tar)?;
    }
    let gz = tar.into_inner().map_err(ArchiveError::Tar)?;
    gz.finish().map_err(ArchiveError::Tar)
}

/// An archive's files by bundle path, and what is wrong with entries that cannot be files of a
/// bundle (links, unsafe paths, duplicates, unreadable data).
#[derive(Debug)]
pub struct Unpacked {
    pub kind: Kind,
    pub files: Files,
    pub problems: Vec<Problem>,
}

pub fn unpack(bytes: &[u8]) -> Result<Unpacked, ArchiveError> {
    let kind = Kind::sniff(bytes).ok_or(ArchiveError::Unknown)?;
    let mut out = Unpacked {
        kind,
        files: Files::default(),
        problems: Vec::new(),
    };
    let mut budget = MAX_UNPACKED;
    match kind {
        Kind::Zip => unpack_zip(bytes, &mut out, &mut budget)?,
        Kind::TarGz => unpack_tar_gz(bytes, &mut out, &mut budget)?,
    }
    Ok(out)
}

/// The number of entries the zip's end-of-central-directory record declares, when it has one that
/// is not zip64 (whose count is 0xFFFF here).
fn declared_entries(bytes: &[u8]) -> Option<usize> {
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    let start = bytes.len().checked_sub(22)?;
    let floor = start.saturating_sub(u16::MAX as usize);
    let at = (floor..=start).rev().find(|&i| bytes[i..i + 4] == EOCD)?;
    let total = u16::from_le_bytes([bytes[at + 10], bytes[at + 11]]);
    (total != u16::MAX).then_some(usize::from(total))
}

fn unpack_zip(bytes: &[u8], out: &mut Unpacked, budget: &mut u64) -> Result<(), ArchiveError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
    // The zip crate indexes entries by name, so of two with one name it shows only one: compare
    // with the count the archive itself declares. Extracting tools disagree on which copy wins, so
    // neither may be trusted (a forged controls.json first, the genuine one last).
    if let Some(declared) = declared_entries(bytes) {
        if declared != zip.len() {
            let names: Vec<String> = zip.file_names().map(str::to_string).collect();
            let twice = names
                .into_iter()
                .find(|n| {
                    let n = n.as_bytes();
                    bytes.windows(n.len()).filter(|w| *w == n).count() > 2
                })
                .unwrap_or_else(|| "(an entry)".into());
            out.problems.push(Problem::Invalid(
                twice,
                format!(
                    "appears more than once in the archive ({declared} entries, {} names)",
                    zip.len()
                ),
            ));
        }
    }
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        let name = entry.name().to_string();
        if entry.is_dir() {
            continue;
        }
        if entry.is_symlink() {
            out.problems
                .push(Problem::Invalid(name, "a symbolic link, not a file".into()));
            continue;
        }
        let read = read_capped(&mut entry, budget);
        add(out, &name, read)?;
    }
    Ok(())
}

fn unpack_tar_gz(bytes: &[u8], out: &mut Unpacked, budget: &mut u64) -> Result<(), ArchiveError> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    for entry in tar.entries().map_err(ArchiveError::Tar)? {
        let mut entry = entry.map_err(ArchiveError::Tar)?;
        let kind = entry.header().entry_type();
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if kind.is_dir() || kind.is_pax_global_extensions() {
            continue;
        }
        if !kind.is_file() {
            out.problems.push(Problem::Invalid(
                name,
                format!("a tar entry of type {kind:?}, not a regular file"),
            ));
            continue;
        }
        let read = read_capped(&mut entry, budget);
        add(out, &name, read)?;
    }
    Ok(())
}

fn read_capped(entry: &mut impl Read, budget: &mut u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    entry.take(*budget + 1).read_to_end(&mut bytes)?;
    *budget = budget.saturating_sub(bytes.len() as u64);
    Ok(bytes)
}

fn add(out: &mut Unpacked, name: &str, read: std::io::Result<Vec<u8>>) -> Result<(), ArchiveError> {
    let Some(path) = bundle_path(name) else {
        out.problems.push(Problem::Invalid(
            name.to_string(),
            "unsafe path (absolute or with `..`)".into(),
        ));
        return Ok(());
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        // A damaged entry is named; the rest of the archive is still checked.
        Err(e) => {
            out.problems.push(Problem::Invalid(path, e.to_string()));
            return Ok(());
        }
    };
    if bytes.len() as u64 > MAX_UNPACKED {
        return Err(ArchiveError::TooLarge);
    }
    match out.files.0.entry(path) {
        Entry::Vacant(v) => {
            v.insert(bytes);
        }
        // Extracting tools disagree on which copy wins, so neither may be trusted.
        Entry::Occupied(o) => out.problems.push(Problem::Invalid(
            o.key().clone(),
            "appears more than once in the archive".into(),
        )),
    }
    Ok(())
}

/// `a/b` for `a/b`, `./a/b` or `a//b`; None for absolute paths and `..`.
fn bundle_path(name: &str) -> Option<String> {
    let mut parts = Vec::new();
    for c in Path::new(name).components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str()?.to_string()),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(finished_at: &str) -> Files {
        let mut files = Files::default();
        files.add("state/organization.json", "{}\n");
        files.add("controls.csv", "a,b\r\n");
        let manifest = serde_json::json!({
            "format_version": 1, "govern_version": "0", "organization_id": "o-x",
            "management_account": "123456789012",
            "caller": {"account": "123456789012", "arn": "arn"},
            "collection": {"started_at": finished_at, "finished_at": finished_at},
            "summary": {}, "previous_bundle_sha256": null, "files": {},
        });
        files.add(MANIFEST, manifest.to_string());
        files
    }

    #[test]
    fn packing_is_a_function_of_the_files_and_round_trips() {
        for kind in [Kind::Zip, Kind::TarGz] {
            let files = bundle("2026-03-04T05:06:08Z");
            let a = pack(&files, kind).unwrap();
            assert_eq!(a, pack(&files, kind).unwrap(), "{kind:?}");
            assert_eq!(Kind::sniff(&a), Some(kind));
            let back = unpack(&a).unwrap();
            assert!(back.problems.is_empty(), "{:?}", back.problems);
            assert_eq!(back.files.0, files.0);
            // Another collection time is another archive.
            assert_ne!(a, pack(&bundle("2026-03-04T05:06:10Z"), kind).unwrap());
        }
    }

    #[test]
    fn entries_are_dated_by_the_manifest() {
        let files = bundle("2026-03-04T05:06:08Z");
        let tgz = pack(&files, Kind::TarGz).unwrap();
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(tgz.as_slice()));
        for e in tar.entries().unwrap() {
            let e = e.unwrap();
            assert_eq!(e.header().mtime().unwrap(), 1_772_600_768);
            assert_eq!(e.header().mode().unwrap(), 0o644);
        }
        let zip = pack(&files, Kind::Zip).unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        let e = zip.by_index(0).unwrap();
        let t = e.last_modified().unwrap();
        assert_eq!(
            (
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            (2026, 3, 4, 5, 6, 8)
        );
        assert_eq!(e.unix_mode().unwrap() & 0o777, 0o644);
    }

    #[test]
    fn unsafe_and_odd_paths() {
        assert_eq!(
            bundle_path("./state//a.json").as_deref(),
            Some("state/a.json")
        );
        assert_eq!(bundle_path("../etc/passwd"), None);
        assert_eq!(bundle_path("/etc/passwd"), None);
        assert_eq!(bundle_path("."), None);
    }

    #[test]
    fn garbage_is_not_an_archive() {
        assert!(matches!(unpack(b"hello"), Err(ArchiveError::Unknown)));
        assert!(pack(&Files::default(), Kind::Zip).is_err());
    }

    /// Two entries named `controls.json`, the forged one first: the zip crate keeps one of them
    /// by name, so the archive's own entry count is what tells.
    #[test]
    fn a_zip_with_a_name_twice_is_refused() {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            zip.start_file("controls.jsoo", options).unwrap();
            zip.write_all(b"{\"forged\": true}").unwrap();
            zip.start_file("controls.json", options).unwrap();
            zip.write_all(b"{\"genuine\": true}").unwrap();
            zip.finish().unwrap();
        }
        let mut bytes = buf.into_inner();
        // Rename the first entry to the second's name, in its local header and central record.
        let from = b"controls.jsoo";
        let mut i = 0;
        while i + from.len() <= bytes.len() {
            if &bytes[i..i + from.len()] == from {
                bytes[i + from.len() - 1] = b'n';
            }
            i += 1;
        }
        let unpacked = unpack(&bytes).expect("a readable zip");
        assert!(
            unpacked.problems.iter().any(|p| matches!(
                p,
                Problem::Invalid(name, why) if name == "controls.json" && why.contains("more than once")
            )),
            "{:?}",
            unpacked.problems
        );
    }
}
