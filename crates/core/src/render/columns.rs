//! Two aligned columns (an address, then a note) fitted to a terminal width: notes wrap between
//! words onto lines aligned under the note column; no token is ever split or dropped.

/// Space between the key and the note column.
const GAP: usize = 2;
/// The key column never takes more than this share of the width; longer keys push their note right.
const KEY_SHARE: usize = 2;
/// Below this many columns for notes, wrapping hurts more than it helps: notes run on.
const MIN_NOTE: usize = 24;

/// Lays out `(key, note)` rows for lines that start with `lead` columns of prefix. Returns, per row,
/// its lines without that prefix: the first holds the key, the others continue the note.
pub(super) fn table(rows: &[(&str, &str)], lead: usize, width: usize) -> Vec<Vec<String>> {
    let cap = (width.saturating_sub(lead) / KEY_SHARE).max(16);
    let key_width = rows
        .iter()
        .map(|(k, _)| len(k))
        .filter(|&n| n <= cap)
        .max()
        .unwrap_or(0);
    let note_col = lead + key_width + GAP;
    let wraps = width >= note_col + MIN_NOTE;
    rows.iter()
        .map(|(key, note)| {
            let first = key_width.max(len(key));
            let limit = |col: usize| {
                if wraps {
                    width.saturating_sub(col).max(1)
                } else {
                    0
                }
            };
            let parts = wrap(note, limit(lead + first + GAP), limit(note_col));
            let mut lines = Vec::with_capacity(parts.len().max(1));
            let mut parts = parts.into_iter();
            let head = parts.next().unwrap_or_default();
            if head.is_empty() {
                lines.push(key.to_string());
            } else {
                lines.push(format!("{key:<first$}{:GAP$}{head}", ""));
            }
            let indent = " ".repeat(key_width + GAP);
            lines.extend(parts.map(|p| format!("{indent}{p}")));
            lines
        })
        .collect()
}

/// Greedy word wrap: `first` columns on the first line, `rest` after; 0 means no limit. A word longer
/// than its line stands alone on it, whole.
pub(super) fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut limit = first;
    for word in text.split_whitespace() {
        let fits = line.is_empty() || limit == 0 || len(&line) + 1 + len(word) <= limit;
        if !fits {
            lines.push(std::mem::take(&mut line));
            limit = rest;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn len(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_notes_under_the_widest_key() {
        let t = table(&[("ou:Sandbox", "OU not declared"), ("scp:x", "y")], 2, 100);
        assert_eq!(t[0], ["ou:Sandbox  OU not declared"]);
        assert_eq!(t[1], ["scp:x       y"]);
    }

    #[test]
    fn wraps_between_words_and_aligns_continuations() {
        let note = "an account named audit already exists with another email address";
        let t = table(&[("account:audit", note)], 2, 50);
        assert_eq!(
            t[0],
            [
                "account:audit  an account named audit already",
                "               exists with another email address",
            ]
        );
        for l in &t[0] {
            assert!(2 + l.chars().count() <= 50, "{l:?}");
        }
    }

    #[test]
    fn a_long_key_does_not_widen_the_column_for_the_others() {
        let long = "attach:scp:a-very-long-policy-name\u{2192}ou:Workloads/Prod/Payments";
        let t = table(&[("ou:A", "short"), (long, "note")], 2, 60);
        assert_eq!(t[0], ["ou:A  short"]);
        assert_eq!(t[1], [format!("{long}  note")]);
    }

    #[test]
    fn never_splits_a_token_and_narrow_widths_do_not_wrap() {
        assert_eq!(
            wrap("a arn:aws:kms:long b", 5, 5),
            ["a", "arn:aws:kms:long", "b"]
        );
        let t = table(&[("k", "one two three four five six")], 2, 10);
        assert_eq!(t[0], ["k  one two three four five six"]);
        assert_eq!(wrap("", 10, 10), [""]);
        assert_eq!(table(&[("k", "")], 0, 80)[0], ["k"]);
    }
}
