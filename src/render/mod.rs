//! Plan → text for people, JSON for machines. Both read only the `Plan`, so they never disagree.
//! Rendering never looks at the environment: the edge decides the `Style`.

mod json;
mod text;

pub use json::json;
pub use text::{summary_line, text};

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
