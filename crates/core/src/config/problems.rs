//! Collecting problems while reading: the file being read, dotted key paths, and file order.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use super::error::{Lines, Problem};

/// The configuration as read, so problems can point into it: org.toml, then the files its
/// `include` names, read as one TOML text (each included file starts with a table header, so the
/// joined text means what the files mean). A position in the joined text maps back to its file
/// and line.
pub(crate) struct Source {
    /// org.toml: relative names in it and in the included files are taken from its directory.
    pub path: PathBuf,
    /// The joined text.
    pub text: Arc<str>,
    /// Each file's part of `text`, in order; the first is org.toml's.
    segments: Vec<Segment>,
}

struct Segment {
    /// Its first byte in the joined text.
    start: usize,
    path: PathBuf,
    text: Arc<str>,
    /// Where its lines start, made once.
    lines: Lines,
}

impl Source {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        Self::joined(vec![(path.into(), text.into())])
    }

    /// Files read one after another; the first is org.toml.
    pub fn joined(files: Vec<(PathBuf, Arc<str>)>) -> Self {
        let mut joined = String::new();
        let mut segments = Vec::new();
        for (path, text) in files {
            if !joined.is_empty() && !joined.ends_with('\n') {
                joined.push('\n');
            }
            segments.push(Segment {
                start: joined.len(),
                path,
                lines: Lines::of(&text),
                text: text.clone(),
            });
            joined.push_str(&text);
        }
        Self {
            path: segments[0].path.clone(),
            text: joined.into(),
            segments,
        }
    }

    fn segment(&self, offset: usize) -> &Segment {
        let i = self.segments.partition_point(|s| s.start <= offset).max(1) - 1;
        &self.segments[i]
    }

    /// A problem at `span` of the joined text about `key`, pointing into the file it is in.
    pub fn problem(&self, span: &Range<usize>, key: &str, message: impl Into<String>) -> Problem {
        self.problem_at(span, message).with_key(key)
    }

    /// [`Source::problem`] without a key (a TOML syntax error).
    pub fn problem_at(&self, span: &Range<usize>, message: impl Into<String>) -> Problem {
        let seg = self.segment(span.start);
        let local = span.start - seg.start..span.end.saturating_sub(seg.start).min(seg.text.len());
        let p = Problem::at_in(&seg.path, &seg.text, &seg.lines, local, message);
        if seg.start == 0 {
            p
        } else {
            p.ordered_at(span.start)
        }
    }

    /// The file and 1-based line of byte `offset` of the joined text.
    pub fn place(&self, offset: usize) -> (&std::path::Path, usize) {
        let seg = self.segment(offset);
        (
            &seg.path,
            seg.lines.line_column(&seg.text, offset - seg.start).0,
        )
    }

    /// `line N` for a place in org.toml, `<file> line N` for one in an included file.
    pub fn line_ref(&self, offset: usize) -> String {
        let (path, line) = self.place(offset);
        if path == self.path {
            format!("line {line}")
        } else {
            format!("{} line {line}", path.display())
        }
    }

    /// 1-based line of byte `offset` in its file.
    pub fn line(&self, offset: usize) -> usize {
        self.place(offset).1
    }

    /// The files read, org.toml first.
    pub fn files(&self) -> impl Iterator<Item = &std::path::Path> {
        self.segments.iter().map(|s| s.path.as_path())
    }
}

/// Problems in the order they will be reported: by position in org.toml; a problem inside a policy
/// file sorts where org.toml names that file.
#[derive(Default)]
pub(crate) struct Problems {
    list: Vec<(usize, Problem)>,
}

impl Problems {
    /// A problem sorted by its own position (org.toml problems).
    pub fn push(&mut self, problem: Problem) {
        let at = problem.order().unwrap_or(0);
        self.list.push((at, problem));
    }

    /// A problem sorted as if it were at byte `at` of org.toml.
    pub fn push_at(&mut self, at: usize, problem: Problem) {
        self.list.push((at, problem));
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn into_sorted(mut self) -> Vec<Problem> {
        self.list.sort_by_key(|(at, _)| *at);
        self.list.into_iter().map(|(_, p)| p).collect()
    }
}

/// A dotted key path as TOML writes it: bare segments as they are, others quoted
/// (`ous."Workloads/Prod".policies`).
pub(crate) fn key_path(segments: &[&str]) -> String {
    segments
        .iter()
        .map(|s| {
            let bare = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if bare {
                (*s).to_string()
            } else {
                format!("{s:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_quote_what_toml_would() {
        assert_eq!(
            key_path(&["accounts", "log-archive", "email"]),
            "accounts.log-archive.email"
        );
        assert_eq!(
            key_path(&["ous", "Workloads/Prod"]),
            "ous.\"Workloads/Prod\""
        );
        assert_eq!(key_path(&["accounts", "a b"]), "accounts.\"a b\"");
    }
}
