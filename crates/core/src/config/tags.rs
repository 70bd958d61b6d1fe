//! `tags = { key = "value" }` on `[ous.<path>]`, `[accounts.<name>]` and `[policies.<name>]`,
//! checked against AWS's tag rules before AWS sees them.
//!
//! The rules, from the Organizations API reference (`Tag`: Key 1 to 128 characters, Value 0 to
//! 256; TagResource: "You can't use the `aws:` prefix", at most 50 tags per resource), as read on
//! 2026-12-05. govern keeps its own `managed-by = govern` tag on the policies (and OUs) it creates
//! and adopts, so `managed-by` cannot be declared and a resource holds at most 49 declared tags.

use super::problems::{key_path, Problems, Source};
use super::raw::RawTags;
use crate::model::{Tags, MANAGED_BY_KEY};

pub(crate) const MAX_KEY: usize = 128;
pub(crate) const MAX_VALUE: usize = 256;
/// Tags AWS allows on one resource.
pub(crate) const MAX_TAGS: usize = 50;

/// The declared tags, `Ok(None)` when the table declares none; `Err(())` after a problem.
pub(crate) fn tags(
    src: &Source,
    raw: Option<&RawTags>,
    base: &[&str],
    problems: &mut Problems,
) -> Result<Option<Tags>, ()> {
    let Some(raw) = raw else { return Ok(None) };
    let before = problems.len();
    let mut out = Tags::new();
    let mut at = base.to_vec();
    at.push("tags");
    for (key, value) in &raw.value {
        let mut here = at.clone();
        here.push(&key.value);
        let path = key_path(&here);
        let n = key.value.chars().count();
        if key.value == MANAGED_BY_KEY {
            problems.push(
                src.problem(&key.span, &path, format!("`{MANAGED_BY_KEY}` is govern's own tag"))
                    .with_help(format!(
                        "remove it: govern sets {MANAGED_BY_KEY} = govern on what it creates and adopts, and never removes it"
                    )),
            );
        } else if n == 0 || n > MAX_KEY {
            problems.push(
                src.problem(
                    &key.span,
                    &path,
                    format!(
                        "tag key `{}` is {n} characters: AWS allows 1 to {MAX_KEY}",
                        key.value
                    ),
                )
                .with_help(format!("shorten the key to at most {MAX_KEY} characters")),
            );
        } else if key.value.to_ascii_lowercase().starts_with("aws:") {
            problems.push(
                src.problem(
                    &key.span,
                    &path,
                    format!(
                        "tag key `{}` begins with `aws:`, which AWS reserves for its own tags",
                        key.value
                    ),
                )
                .with_help("choose a key without the `aws:` prefix"),
            );
        }
        let m = value.value.chars().count();
        if m > MAX_VALUE {
            problems.push(
                src.problem(
                    &value.span,
                    &path,
                    format!(
                        "the value of tag `{}` is {m} characters: AWS allows at most {MAX_VALUE}",
                        key.value
                    ),
                )
                .with_help(format!(
                    "shorten the value to at most {MAX_VALUE} characters"
                )),
            );
        }
        out.insert(key.value.clone(), value.value.clone());
    }
    if out.len() > MAX_TAGS - 1 {
        problems.push(
            src.problem(
                &raw.span,
                &key_path(&at),
                format!(
                    "{} tags: AWS allows {MAX_TAGS} on one resource, and govern keeps one of them ({MANAGED_BY_KEY})",
                    out.len()
                ),
            )
            .with_help(format!("declare at most {} tags", MAX_TAGS - 1)),
        );
    }
    if problems.len() > before {
        return Err(());
    }
    Ok(Some(out))
}
