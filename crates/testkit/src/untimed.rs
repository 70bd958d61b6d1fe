//! Outputs compared across runs (golden files, `cargo xtask golden-bench`) differ only in when
//! they were made: [`untimed`] replaces every RFC 3339 UTC timestamp with `<time>`.

/// `text` with every RFC 3339 UTC timestamp (`2026-12-01T22:43:27Z`, optionally with fractional
/// seconds) replaced by `<time>`.
pub fn untimed(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(len) = timestamp_at(&bytes[i..]) {
            out.push_str("<time>");
            i += len;
        } else {
            let ch = text[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The length of an RFC 3339 UTC timestamp starting at `b`, if one does.
fn timestamp_at(b: &[u8]) -> Option<usize> {
    let shape = b"dddd-dd-ddTdd:dd:dd";
    if b.len() < shape.len() {
        return None;
    }
    let fits = b.iter().zip(shape).all(|(c, s)| match s {
        b'd' => c.is_ascii_digit(),
        other => c == other,
    });
    if !fits {
        return None;
    }
    let mut n = shape.len();
    if b.get(n) == Some(&b'.') {
        n += 1;
        while b.get(n).is_some_and(u8::is_ascii_digit) {
            n += 1;
        }
    }
    (b.get(n) == Some(&b'Z')).then_some(n + 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_become_time_and_nothing_else_changes() {
        assert_eq!(
            super::untimed(
                "at 2026-12-01T22:43:27Z and 2026-12-01T22:43:27.125Z, not 2026-12-01T22:43:27"
            ),
            "at <time> and <time>, not 2026-12-01T22:43:27"
        );
        assert_eq!(super::untimed("ç 2026-01-02T03:04:05Z"), "ç <time>");
    }
}
