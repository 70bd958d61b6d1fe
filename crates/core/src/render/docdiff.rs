//! SCP documents as lines of a unified diff of their normalized, pretty-printed JSON (documents are
//! compared as JSON, so the diff never shows mere re-spelling).

use similar::{ChangeTag, TextDiff};

use crate::model::PolicyDocument;

/// Lines of context around each change, as `diff -u`.
const CONTEXT: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Line {
    /// `@@ -3,7 +3,6 @@`
    Hunk(String),
    Context(String),
    Insert(String),
    Delete(String),
}

impl Line {
    /// The line as `diff -u` prints it: a one-character sign, then the text.
    pub(super) fn plain(&self) -> String {
        match self {
            Line::Hunk(h) => h.clone(),
            Line::Context(t) => format!(" {t}"),
            Line::Insert(t) => format!("+{t}"),
            Line::Delete(t) => format!("-{t}"),
        }
    }
}

/// Hunks turning `before` into `after`; empty when the documents are equal.
pub(super) fn unified(before: &PolicyDocument, after: &PolicyDocument) -> Vec<Line> {
    let (old, new) = (before.pretty() + "\n", after.pretty() + "\n");
    let diff = TextDiff::from_lines(&old, &new);
    let mut lines = Vec::new();
    for hunk in diff.unified_diff().context_radius(CONTEXT).iter_hunks() {
        lines.push(Line::Hunk(hunk.header().to_string()));
        for change in hunk.iter_changes() {
            let text = change.value().trim_end_matches('\n').to_string();
            lines.push(match change.tag() {
                ChangeTag::Equal => Line::Context(text),
                ChangeTag::Insert => Line::Insert(text),
                ChangeTag::Delete => Line::Delete(text),
            });
        }
    }
    lines
}

/// A new document, every line added.
pub(super) fn added(doc: &PolicyDocument) -> Vec<Line> {
    doc.pretty()
        .lines()
        .map(|l| Line::Insert(l.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> PolicyDocument {
        PolicyDocument::parse(s).unwrap()
    }

    #[test]
    fn equal_documents_have_no_hunks() {
        let a = doc(r#"{"Version":"2012-10-17","Statement":[]}"#);
        let b = doc("{ \"Statement\": [],\n \"Version\": \"2012-10-17\" }");
        assert!(unified(&a, &b).is_empty());
    }

    #[test]
    fn a_changed_value_is_one_hunk_with_context() {
        let a = doc(r#"{"Statement":[{"Action":"a:A","Effect":"Deny","Resource":"*"}]}"#);
        let b = doc(r#"{"Statement":[{"Action":"a:B","Effect":"Deny","Resource":"*"}]}"#);
        let plain: Vec<_> = unified(&a, &b).iter().map(Line::plain).collect();
        assert_eq!(
            plain,
            [
                "@@ -1,7 +1,7 @@",
                " {",
                "   \"Statement\": [",
                "     {",
                "-      \"Action\": \"a:A\",",
                "+      \"Action\": \"a:B\",",
                "       \"Effect\": \"Deny\",",
                "       \"Resource\": \"*\"",
                "     }",
            ]
        );
    }

    #[test]
    fn a_new_document_is_all_insertions() {
        let lines = added(&doc(r#"{"Version":"2012-10-17"}"#));
        assert_eq!(
            lines.iter().map(Line::plain).collect::<Vec<_>>(),
            ["+{", "+  \"Version\": \"2012-10-17\"", "+}"]
        );
    }
}
