//! Policy documents from files: valid JSON, the grammar of the policy's kind, and the kind's size
//! limit. `load` and the corpus test go through these same functions.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::error::{offset_of, Problem};
use crate::model::{Grammar, Limits, PolicyDocument, PolicyKind};

/// Policy language versions AWS accepts.
const VERSIONS: &[&str] = &["2012-10-17", "2008-10-17"];

/// Reads `path` and checks it as an SCP document (see [`parse`]).
// A Problem is large, but it is returned once per file, never in a hot loop.
#[allow(clippy::result_large_err)]
pub fn check(path: &Path, limits: &Limits) -> Result<PolicyDocument, Problem> {
    check_kind(path, PolicyKind::ServiceControlPolicy, limits)
}

/// Reads `path` and checks it as a document of `kind` (see [`parse_kind`]).
#[allow(clippy::result_large_err)]
pub fn check_kind(
    path: &Path,
    kind: PolicyKind,
    limits: &Limits,
) -> Result<PolicyDocument, Problem> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Problem::new(
            path,
            format!("cannot read {} file {}: {e}", kind.noun(), path.display()),
        )
        .with_help(format!("a {} file is a UTF-8 JSON document", kind.noun()))
    })?;
    parse_kind(path, &text, kind, limits)
}

/// Checks `text`, the contents of the SCP file `path`: valid JSON, an object with `Version` and
/// `Statement` (an object or a non-empty list of objects), and at most `limits.scp_max_chars`
/// characters once minified. Problems name `path`, with the line and column of a JSON error.
#[allow(clippy::result_large_err)]
pub fn parse(path: &Path, text: &str, limits: &Limits) -> Result<PolicyDocument, Problem> {
    parse_kind(path, text, PolicyKind::ServiceControlPolicy, limits)
}

/// Checks `text`, the contents of a policy file of `kind`: valid JSON, the kind's grammar, and at
/// most the kind's characters once minified. Problems name `path`, with the line and column of
/// what is wrong where it can be found.
#[allow(clippy::result_large_err)]
pub fn parse_kind(
    path: &Path,
    text: &str,
    kind: PolicyKind,
    limits: &Limits,
) -> Result<PolicyDocument, Problem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| json_error(path, text, kind, &e))?;
    match kind.grammar() {
        Grammar::Iam => shape(&value, kind),
        Grammar::Management => management_shape(&value, kind),
    }
    .map_err(|(message, help)| Problem::new(path, message).with_help(help))?;
    if let Some(f) = super::grammar::check(kind, &value) {
        let problem = match super::grammar::locate(text, &f.path) {
            Some(range) => {
                let text: Arc<str> = Arc::from(text);
                Problem::at(path, &text, range, f.message)
            }
            None => Problem::new(path, f.message),
        };
        return Err(problem.with_help(f.help));
    }
    let doc = PolicyDocument::from_value(value);
    within_limit(&doc, kind, limits)
        .map_err(|(message, help)| Problem::new(path, message).with_help(help))?;
    Ok(doc)
}

/// The size rule, shared with templates: `Err((message, help))` when the minified document is too
/// long for its kind.
pub(crate) fn within_limit(
    doc: &PolicyDocument,
    kind: PolicyKind,
    limits: &Limits,
) -> Result<(), (String, String)> {
    let len = doc.minified_len();
    let max = limits.max_chars(kind);
    if len <= max {
        return Ok(());
    }
    let (key, _) = Limits::keys(kind);
    let noun = kind.noun();
    let help = match kind.grammar() {
        Grammar::Iam => format!(
            "shorten the document (wildcards such as `ec2:Describe*`, fewer statements), split it into two \
             {noun}s, or raise [limits] {key} if your organization's quota is higher"
        ),
        Grammar::Management => format!(
            "shorten the document or split it into two (children inherit and merge them), \
             or raise [limits] {key} if your organization's quota is higher"
        ),
    };
    Err((
        format!("{noun} document is {len} characters minified, over the limit of {max} ([limits] {key})"),
        help,
    ))
}

fn json_error(path: &Path, text: &str, kind: PolicyKind, e: &serde_json::Error) -> Problem {
    // serde_json appends " at line L column C" to its message; the position goes in front instead.
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => &full,
    };
    let message = format!("{} file is not valid JSON: {message}", kind.noun());
    let help = example(kind);
    if e.line() == 0 {
        return Problem::new(path, message).with_help(help);
    }
    let start = offset_of(text, e.line(), e.column().max(1));
    let end = text[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8());
    let text: Arc<str> = Arc::from(text);
    Problem::at(path, &text, start..end, message).with_help(help)
}

/// What a document of `kind` looks like, for help texts.
fn example(kind: PolicyKind) -> String {
    match kind.grammar() {
        Grammar::Iam => format!(
            "{} {} is a JSON object like {{\"Version\": \"2012-10-17\", \"Statement\": [...]}}",
            article(kind.noun()),
            kind.noun()
        ),
        Grammar::Management => format!(
            "{} {} is a JSON object of the keys its type allows, each with inheritance operators like {{\"@@assign\": ...}}",
            article(kind.noun()),
            kind.noun()
        ),
    }
}

/// "a" or "an" before `noun`, as it is read aloud ("an SCP", "an S3 policy", "a tag policy").
pub(crate) fn article(noun: &str) -> &'static str {
    let spoken_vowel = noun.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u'])
        || ["SCP", "RCP", "S3"].iter().any(|p| noun.starts_with(p));
    if spoken_vowel {
        "an"
    } else {
        "a"
    }
}

/// `Err((message, help))` when a management policy is not a JSON object (its keys and operators
/// are checked by `config::grammar`).
fn management_shape(value: &Value, k: PolicyKind) -> Result<(), (String, String)> {
    if value.is_object() {
        return Ok(());
    }
    Err((
        format!(
            "{} document is {}, not a JSON object",
            k.noun(),
            kind(value)
        ),
        example(k),
    ))
}

/// `Err((message, help))` when `value` is not shaped like a policy document.
fn shape(value: &Value, k: PolicyKind) -> Result<(), (String, String)> {
    let noun = k.noun();
    let Some(doc) = value.as_object() else {
        return Err((
            format!("{noun} document is {}, not a JSON object", kind(value)),
            example(k),
        ));
    };
    match doc.get("Version") {
        None => {
            return Err((
                format!("{noun} document has no \"Version\""),
                "add \"Version\": \"2012-10-17\"".into(),
            ))
        }
        Some(Value::String(v)) if VERSIONS.contains(&v.as_str()) => {}
        Some(other) => {
            return Err((
                format!("{noun} \"Version\" is {other}, not a policy language version"),
                "use \"Version\": \"2012-10-17\" (AWS also accepts the older \"2008-10-17\")"
                    .into(),
            ))
        }
    }
    let statement_help = "\"Statement\" is one statement object or a non-empty list of them, each \
                          with \"Effect\" and \"Action\" or \"NotAction\"";
    match doc.get("Statement") {
        None => Err((
            format!("{noun} document has no \"Statement\""),
            statement_help.into(),
        )),
        Some(Value::Object(_)) => Ok(()),
        Some(Value::Array(list)) if list.is_empty() => Err((
            format!("{noun} \"Statement\" is an empty list"),
            statement_help.into(),
        )),
        Some(Value::Array(list)) => match list.iter().position(|s| !s.is_object()) {
            Some(i) => Err((
                format!(
                    "{noun} statement {} is {}, not a JSON object",
                    i + 1,
                    kind(&list[i])
                ),
                statement_help.into(),
            )),
            None => Ok(()),
        },
        Some(other) => Err((
            format!(
                "{noun} \"Statement\" is {}, not an object or a list",
                kind(other)
            ),
            statement_help.into(),
        )),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> String {
        parse(Path::new("p.json"), text, &Limits::default())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn json_errors_carry_their_position() {
        assert_eq!(
            problem("{\n  \"Version\": \"2012-10-17\"\n  \"Statement\": []\n}"),
            "p.json:3:3: SCP file is not valid JSON: expected `,` or `}`"
        );
    }

    #[test]
    fn shapes() {
        assert_eq!(
            problem("[]"),
            "p.json: SCP document is a list, not a JSON object"
        );
        assert_eq!(
            problem(r#"{"Statement": {}}"#),
            "p.json: SCP document has no \"Version\""
        );
        assert_eq!(
            problem(r#"{"Version": "2012-10-17", "Statement": []}"#),
            "p.json: SCP \"Statement\" is an empty list"
        );
        assert_eq!(
            problem(r#"{"Version": "2012-10-17", "Statement": ["x"]}"#),
            "p.json: SCP statement 1 is a string, not a JSON object"
        );
        let ok = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}"#;
        assert!(parse(Path::new("p.json"), ok, &Limits::default()).is_ok());
        let bom = format!("\u{feff}{ok}");
        assert!(parse(Path::new("p.json"), &bom, &Limits::default()).is_ok());
    }

    #[test]
    fn size_is_measured_minified() {
        let doc = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}"#;
        let len = PolicyDocument::parse(doc).unwrap().minified_len();
        let tight = Limits {
            scp_max_chars: len,
            ..Limits::default()
        };
        assert!(parse(Path::new("p.json"), doc, &tight).is_ok());
        let over = Limits {
            scp_max_chars: len - 1,
            ..Limits::default()
        };
        assert_eq!(
            parse(Path::new("p.json"), doc, &over).unwrap_err().to_string(),
            format!(
                "p.json: SCP document is {len} characters minified, over the limit of {} ([limits] scp_max_chars)",
                len - 1
            )
        );
    }
}
