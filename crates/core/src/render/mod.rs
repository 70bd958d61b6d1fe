//! Plan → text for people, JSON for machines, Markdown for PR comments. All read only the `Plan`,
//! so they never disagree. Rendering never looks at the environment: the edge decides the `Style`.

mod columns;
mod docdiff;
mod drift;
mod json;
mod markdown;
mod text;

pub use drift::{
    drift_json, drift_markdown, drift_summary_line, drift_text, DriftReport, DRIFT_FORMAT_VERSION,
};
pub use json::json;
pub use markdown::markdown;
pub use text::{summary_line, text};

/// `text` made safe to print on a terminal or in a CI log: names read from AWS are untrusted
/// (issue 14), and an ESC in an OU name would otherwise reach the terminal raw (colours, cursor
/// moves, a rewritten line). Control characters (C0, DEL, C1) and the Unicode bidirectional
/// controls, which reorder what a reviewer reads, are written as `\u{..}`; a backslash is doubled,
/// so that an escaped text never reads as another.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    use crate::model::unsafe_char;
    if !text.chars().any(|c| unsafe_char(c) || c == '\\') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod escape_tests {
    use super::escape;

    #[test]
    fn control_and_bidi_characters_are_escaped_and_plain_text_is_kept() {
        assert_eq!(escape("Workloads/Prod"), "Workloads/Prod");
        assert_eq!(escape("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escape("x\ny\0"), "x\\u{a}y\\u{0}");
        assert_eq!(escape("\u{202e}gpj"), "\\u{202e}gpj");
        assert_eq!(escape("a\\u{1b}"), "a\\\\u{1b}");
    }
}

/// How text output looks; decided at the edge (TTY, NO_COLOR, --color).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Style {
    pub fn plain() -> Self {
        Self {
            color: false,
            width: 100,
        }
    }
}
