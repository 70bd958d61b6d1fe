//! Collecting problems while reading: the file being read, dotted key paths, and file order.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use super::error::{Lines, Problem};

/// A file as read, so problems can point into it.
pub(crate) struct Source {
    pub path: PathBuf,
    pub text: Arc<str>,
    /// Where its lines start, made once.
    pub lines: Lines,
}

impl Source {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        let text = text.into();
        Self {
            path: path.into(),
            lines: Lines::of(&text),
            text,
        }
    }

    /// A problem at `span` of this file about `key`.
    pub fn problem(&self, span: &Range<usize>, key: &str, message: impl Into<String>) -> Problem {
        Problem::at_in(&self.path, &self.text, &self.lines, span.clone(), message).with_key(key)
    }

    /// 1-based line of byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        self.lines.line_column(&self.text, offset).0
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
        let at = problem.offset().unwrap_or(0);
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
