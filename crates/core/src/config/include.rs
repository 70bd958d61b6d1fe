//! `include = ["accounts/*.toml"]`: a configuration over several files, so that 1,000 accounts do
//! not make one 10,000-line org.toml. The included files hold `[accounts.<name>]`, `[ous."<path>"]`
//! and `[exemptions."<id>"]` tables only; org.toml keeps everything organization-wide. They are
//! read as if appended to org.toml (each starts with a table header, so nothing of one can land in
//! a table of another), and every problem names the file and line it is in.

use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use toml_edit::ImDocument;

use super::error::Problem;
use super::problems::Source;

/// The tables an included file may hold.
pub const INCLUDABLE: &[&str] = &["accounts", "ous", "exemptions"];

/// Included files at most (a glob that matches more is a mistake, or a layout to rethink).
const MAX_FILES: usize = 10_000;

/// org.toml and the files its `include` names, as one [`Source`]; the problems found on the way
/// (a bad pattern, a file that cannot be read or holds what it may not). Without `include`, or
/// when org.toml is not valid TOML (reading it reports that), just org.toml.
pub(crate) fn read(
    path: &Path,
    text: String,
    allow_outside: bool,
) -> (Source, Vec<(usize, Problem)>) {
    let org: Arc<str> = text.into();
    let single = Source::new(path, org.clone());
    let Ok(doc) = ImDocument::parse(org.to_string()) else {
        return (single, Vec::new());
    };
    let Some(item) = doc.as_table().get("include") else {
        return (single, Vec::new());
    };
    let mut problems = Vec::new();
    let span = item.span().unwrap_or(0..0);
    let problem = |span: &Range<usize>, message: String, help: &str| {
        (
            span.start,
            single
                .problem(span, "include", message)
                .with_help(help.to_string()),
        )
    };
    let Some(array) = item.as_array() else {
        problems.push(problem(
            &span,
            "`include` must be an array of file names".into(),
            "include = [\"accounts/*.toml\"]: files beside org.toml, `*` in the last part",
        ));
        return (single, problems);
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut files: Vec<PathBuf> = Vec::new();
    for value in array.iter() {
        let span = value.span().unwrap_or(span.clone());
        let Some(pattern) = value.as_str() else {
            problems.push(problem(
                &span,
                "`include` lists file names as strings".into(),
                "include = [\"accounts/*.toml\"]",
            ));
            continue;
        };
        match expand(dir, pattern) {
            Ok(found) => {
                for f in found {
                    if !files.contains(&f) {
                        files.push(f);
                    }
                }
            }
            Err(message) => problems.push(problem(
                &span,
                message,
                "name files inside org.toml's directory, like \"accounts/*.toml\" (`*` in the file name only)",
            )),
        }
    }
    if files.len() > MAX_FILES {
        problems.push(problem(
            &span,
            format!("`include` names {} files, over {MAX_FILES}", files.len()),
            "put more accounts in each file",
        ));
        return (single, problems);
    }

    let mut parts = vec![(path.to_path_buf(), org)];
    for file in files {
        let read = if allow_outside {
            Ok(())
        } else {
            super::files::inside(&file, dir)
        }
        .and_then(|()| {
            super::files::read_plain(&file, super::files::MAX_CONFIG_BYTES, "config file")
        });
        let text = match read {
            Ok(text) => text,
            Err(e) => {
                problems.push(problem(
                    &span,
                    format!("cannot read an included file: {e}"),
                    "included files are UTF-8 TOML files inside org.toml's directory",
                ));
                continue;
            }
        };
        match check(&file, &text) {
            Ok(()) => parts.push((file, text.into())),
            Err(p) => problems.push((span.start, *p)),
        }
    }
    (Source::joined(parts), problems)
}

/// The files `pattern` names under `dir`, sorted: a relative path inside the directory whose last
/// part may hold `*` (any characters but `/`). A name without `*` must exist.
fn expand(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let rel = Path::new(pattern);
    if pattern.is_empty()
        || rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "`{pattern}` is not a relative path inside org.toml's directory"
        ));
    }
    let (parent, name) = match pattern.rsplit_once('/') {
        Some((parent, name)) => (dir.join(parent), name),
        None => (dir.to_path_buf(), pattern),
    };
    if parent.to_string_lossy().contains('*') {
        return Err(format!(
            "`{pattern}`: `*` may only be in the file name, not in a directory"
        ));
    }
    if !name.contains('*') {
        let file = parent.join(name);
        return if file.exists() {
            Ok(vec![file])
        } else {
            Err(format!("`{pattern}` does not exist"))
        };
    }
    let entries = match std::fs::read_dir(&parent) {
        Ok(entries) => entries,
        // A directory not made yet includes nothing (a layout whose accounts are still to come).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list {}: {e}", parent.display())),
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_str().is_some_and(|n| matches(name, n)))
        .map(|e| e.path())
        .collect();
    found.sort();
    Ok(found)
}

/// `*` matches any run of characters; everything else itself. A leading dot is matched only by a
/// pattern that starts with one (editors' swap files stay out).
fn matches(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = parts.split_first().expect("split gives one part at least");
    let Some(mut left) = name.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return left.is_empty();
    };
    for part in middle {
        match left.find(part) {
            Some(i) => left = &left[i + part.len()..],
            None => return false,
        }
    }
    left.len() >= last.len() && left.ends_with(last)
}

/// An included file holds only includable tables, and starts with a table header (so that when
/// read after org.toml its first keys cannot land in org.toml's last table).
fn check(path: &Path, text: &str) -> Result<(), Box<Problem>> {
    let text_arc: Arc<str> = text.into();
    let at = |span: Range<usize>, key: &str, message: String, help: &str| {
        Source::new(path, text_arc.clone())
            .problem(&span, key, message)
            .with_help(help.to_string())
    };
    let doc = match ImDocument::parse(text.to_string()) {
        Ok(doc) => doc,
        // The joined text reports it, at this file's line.
        Err(_) => return Ok(()),
    };
    for (key, item) in doc.as_table().iter() {
        let span = doc
            .as_table()
            .key(key)
            .and_then(|k| k.span())
            .or_else(|| item.span())
            .unwrap_or(0..0);
        if !INCLUDABLE.contains(&key) {
            return Err(Box::new(at(
                span,
                key,
                format!("`{key}` cannot be in an included file"),
                "included files hold [accounts.<name>], [ous.\"<path>\"] and [exemptions.\"<id>\"] tables; the rest stays in org.toml",
            )));
        }
        if !item.is_table() {
            return Err(Box::new(at(
                span,
                key,
                format!("`{key}` must be written as [{key}.<name>] tables in an included file"),
                "start the file with a table header, like [accounts.prod-app]",
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_file_names() {
        assert!(matches("*.toml", "prod.toml"));
        assert!(!matches("*.toml", ".prod.toml.swp"));
        assert!(!matches("*.toml", "prod.toml~"));
        assert!(matches("team-*-accounts.toml", "team-a-accounts.toml"));
        assert!(!matches("team-*-accounts.toml", "team-accounts.toml"));
        assert!(matches("a.toml", "a.toml"));
    }

    #[test]
    fn patterns_stay_inside_the_directory() {
        let dir = Path::new("/nonexistent");
        assert!(expand(dir, "../x/*.toml").is_err());
        assert!(expand(dir, "/etc/*.toml").is_err());
        assert!(expand(dir, "*/a.toml").is_err());
        assert_eq!(expand(dir, "accounts/*.toml"), Ok(vec![]));
    }
}
