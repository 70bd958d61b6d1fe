//! Plan → text for people, JSON for machines, Markdown for PR comments. All read only the `Plan`,
//! so they never disagree. Rendering never looks at the environment: the edge decides the `Style`.

mod columns;
mod details;
mod docdiff;
mod drift;
mod findings;
mod json;
mod markdown;
mod text;

pub use drift::{
    drift_json, drift_markdown, drift_summary_line, drift_text, DriftReport, EffectivePolicy,
    DRIFT_FORMAT_VERSION,
};
pub use findings::FindingsView;
pub use json::json;
pub use markdown::markdown;
pub use text::{summary_line, text};

/// How text output looks; decided at the edge (TTY, NO_COLOR, --color).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    pub width: usize,
    /// How many findings text and Markdown show (`--findings`).
    pub findings: FindingsView,
    /// Markdown longer than this is cut to a summary that says where the whole plan is (a GitHub
    /// comment holds 65,536 characters). `None`: never cut.
    pub max_chars: Option<usize>,
}

impl Style {
    pub fn plain() -> Self {
        Self {
            color: false,
            width: 100,
            findings: FindingsView::Summary,
            max_chars: None,
        }
    }
}
