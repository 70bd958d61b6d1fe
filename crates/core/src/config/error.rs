//! What `load` reports: every problem found, each pointing at a file, a position and a key.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, SourceCode, SourceSpan};

/// All problems found in org.toml and the files it names. Validation goes on past the first error
/// and reports them all, in file order.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
#[error("{} has {} problem{}", file.display(), problems.len(), if problems.len() == 1 { "" } else { "s" })]
#[diagnostic(code(govern::config))]
pub struct ConfigError {
    /// org.toml, as given to `load`.
    pub file: PathBuf,
    #[related]
    pub problems: Vec<Problem>,
}

/// One problem. Displays as `<file>:<line>:<col>: <key>: <message>`, leaving out `:<line>:<col>`
/// when no position is known and `<key>: ` when no key applies. `help` says what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based.
    pub line: Option<usize>,
    /// 1-based, in characters.
    pub column: Option<usize>,
    /// The TOML key the problem is about, dotted as in the file: `accounts.audit.email`.
    pub key: Option<String>,
    pub message: String,
    pub help: Option<String>,
    source: Option<OneLine>,
    span: Option<SourceSpan>,
    /// Where the problem sorts among all of the configuration's (its byte in the files read one
    /// after another), when that differs from its offset in its own file (an included file).
    order: Option<usize>,
}

/// What a problem may show of its file: the offending line alone, at most [`MAX_SHOWN`] characters
/// of it around the problem. The file may not be one the user meant to print (a name in org.toml
/// can point anywhere), and a CI log keeps what it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OneLine {
    name: String,
    /// The excerpt of the line.
    text: String,
    /// Its byte offset in the file.
    offset: usize,
    /// 0-based line and column (in characters) of its start.
    line: usize,
    column: usize,
}

/// Characters of a line a problem may show.
const MAX_SHOWN: usize = 160;

impl OneLine {
    fn of(name: String, text: &str, lines: &Lines, span: &std::ops::Range<usize>) -> OneLine {
        let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[span.start..]
            .find('\n')
            .map_or(text.len(), |i| span.start + i);
        // Keep the excerpt around the problem: up to half of MAX_SHOWN characters before it.
        let before: Vec<(usize, char)> = text[line_start..span.start].char_indices().collect();
        let skip = before.len().saturating_sub(MAX_SHOWN / 2);
        let start = before.get(skip).map_or(span.start, |(i, _)| line_start + i);
        let end = text[start..line_end]
            .char_indices()
            .nth(MAX_SHOWN)
            .map_or(line_end, |(i, _)| start + i)
            .max(span.end.min(line_end));
        let (line, column) = lines.line_column(text, start);
        OneLine {
            name,
            text: visible(&text[start..end]),
            offset: start,
            line: line - 1,
            column: column - 1,
        }
    }
}

/// `line` with every control or bidirectional character ([`crate::model::unsafe_char`]; a tab
/// aside) replaced by a visible one of the same length in bytes (`?`, `¿` or `�`), so that the
/// problem's byte spans still fit: a line of org.toml is shown on terminals and in CI logs, and an
/// ESC typed into the file must not reach them raw.
fn visible(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '\t' => c,
            c if crate::model::unsafe_char(c) => match c.len_utf8() {
                1 => '?',
                2 => '¿',
                _ => '\u{fffd}',
            },
            c => c,
        })
        .collect()
}

impl SourceCode for OneLine {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        _before: usize,
        _after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let end = self.offset + self.text.len();
        if span.offset() < self.offset || span.offset() + span.len() > end {
            return Err(miette::MietteError::OutOfBounds);
        }
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            self.text.as_bytes(),
            SourceSpan::from(self.offset..end),
            self.line,
            self.column,
            1,
        )))
    }
}

impl Problem {
    /// A problem with a file but no position.
    pub fn new(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: None,
            column: None,
            key: None,
            message: message.into(),
            help: None,
            source: None,
            span: None,
            order: None,
        }
    }

    /// A problem at byte range `span` of `text`, the contents of `file`.
    pub fn at(
        file: impl Into<PathBuf>,
        text: &Arc<str>,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self::at_in(file, text, &Lines::of(text), span, message)
    }

    /// [`Problem::at`] with the text's line index made once for all its problems: counting lines
    /// again for every problem made validation quadratic in the size of the file.
    pub(crate) fn at_in(
        file: impl Into<PathBuf>,
        text: &Arc<str>,
        lines: &Lines,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        let file = file.into();
        let start = floor_char_boundary(text, span.start);
        let end = floor_char_boundary(text, span.end.max(start));
        let (line, column) = lines.line_column(text, start);
        let shown = OneLine::of(file.display().to_string(), text, lines, &(start..end));
        Self {
            line: Some(line),
            column: Some(column),
            span: Some(SourceSpan::from(
                start..end.min(shown.offset + shown.text.len()),
            )),
            source: Some(shown),
            ..Self::new(file, message)
        }
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Byte offset of the problem in its file, when known.
    pub fn offset(&self) -> Option<usize> {
        self.span.map(|s| s.offset())
    }

    /// Where the problem sorts in the configuration: [`Problem::offset`] unless it was placed.
    pub(crate) fn order(&self) -> Option<usize> {
        self.order.or_else(|| self.offset())
    }

    pub(crate) fn ordered_at(mut self, at: usize) -> Self {
        self.order = Some(at);
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        f.write_str(": ")?;
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl Diagnostic for Problem {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        // The headline already names file, position and key; the label repeats only the message.
        let span = self.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.message.clone()),
            span,
        ))))
    }
}

/// Where each line of a text starts, so that a position's line is a binary search.
#[derive(Debug, Clone)]
pub(crate) struct Lines(Vec<usize>);

impl Lines {
    pub fn of(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines(starts)
    }

    /// 1-based line and character column of byte `offset` in `text` (the text indexed).
    pub fn line_column(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset);
        let i = self.0.partition_point(|&s| s <= offset).max(1) - 1;
        let column = text[self.0[i]..offset].chars().count() + 1;
        (i + 1, column)
    }
}

/// 1-based line and character column of byte `offset` in `text` (one position; many go through
/// [`Lines`]).
#[cfg(test)]
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset);
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// Byte offset of 1-based `line` and byte column `column` (as serde_json counts), clamped to `text`.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    floor_char_boundary(text, start + column.saturating_sub(1))
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut i = offset.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\nçd = 1\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (2, 1));
        assert_eq!(line_column(text, 6), (2, 3)); // after "çd", ç being two bytes
        assert_eq!(offset_of(text, 2, 3), 5);
        assert_eq!(offset_of(text, 9, 1), text.len());
    }

    #[test]
    fn display_leaves_out_what_is_unknown() {
        let text: Arc<str> = Arc::from("[organization]\nx = 1\n");
        let p =
            Problem::at("org.toml", &text, 15..16, "unknown key `x`").with_key("organization.x");
        assert_eq!(
            p.to_string(),
            "org.toml:2:1: organization.x: unknown key `x`"
        );
        assert_eq!(Problem::new("a.json", "empty").to_string(), "a.json: empty");
    }

    #[test]
    fn a_shown_line_carries_no_control_character_and_keeps_its_spans() {
        let text: Arc<str> =
            Arc::from("[organization]\nname = \"\u{1b}[2J\u{202e}x\u{85}\" # \t\n");
        let at = text.find('x').unwrap();
        let p = Problem::at("org.toml", &text, at..at + 1, "bad");
        let shown = &p.source.as_ref().unwrap().text;
        assert_eq!(shown, "name = \"?[2J\u{fffd}x¿\" # \t");
        assert_eq!(shown.len(), text.lines().nth(1).unwrap().len());
        // The label still points at `x` in what is shown.
        let source = p.source.as_ref().unwrap();
        let span = p.span.unwrap();
        let from = span.offset() - source.offset;
        assert_eq!(&shown[from..from + span.len()], "x");
    }

    #[test]
    fn config_error_counts() {
        let one = ConfigError {
            file: "org.toml".into(),
            problems: vec![Problem::new("org.toml", "x")],
        };
        assert_eq!(one.to_string(), "org.toml has 1 problem");
        assert_eq!(one.related().unwrap().count(), 1);
    }

    #[test]
    fn the_line_index_agrees_with_counting() {
        let text = "a\nçd\n\n[x]\nlast line without end";
        let lines = Lines::of(text);
        for offset in 0..=text.len() {
            if text.is_char_boundary(offset) {
                assert_eq!(
                    lines.line_column(text, offset),
                    line_column(text, offset),
                    "{offset}"
                );
            }
        }
    }
}
