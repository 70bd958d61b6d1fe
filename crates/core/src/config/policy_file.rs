//! SCP documents from files: valid JSON, the shape of a policy, and the size limit. `load` and the
//! corpus test go through these same functions.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::error::{offset_of, Problem};
use crate::model::{Limits, PolicyDocument};

/// Policy language versions AWS accepts.
const VERSIONS: &[&str] = &["2012-10-17", "2008-10-17"];

/// Reads `path` and checks it as an SCP document (see [`parse`]).
// A Problem is large, but it is returned once per file, never in a hot loop.
#[allow(clippy::result_large_err)]
pub fn check(path: &Path, limits: &Limits) -> Result<PolicyDocument, Problem> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Problem::new(
            path,
            format!("cannot read SCP file {}: {e}", path.display()),
        )
        .with_help("an SCP file is a UTF-8 JSON document")
    })?;
    parse(path, &text, limits)
}

/// Checks `text`, the contents of the SCP file `path`: valid JSON, an object with `Version` and
/// `Statement` (an object or a non-empty list of objects), and at most `limits.scp_max_chars`
/// characters once minified. Problems name `path`, with the line and column of a JSON error.
#[allow(clippy::result_large_err)]
pub fn parse(path: &Path, text: &str, limits: &Limits) -> Result<PolicyDocument, Problem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| json_error(path, text, &e))?;
    shape(&value).map_err(|(message, help)| Problem::new(path, message).with_help(help))?;
    let doc = PolicyDocument::from_value(value);
    within_limit(&doc, limits)
        .map_err(|(message, help)| Problem::new(path, message).with_help(help))?;
    Ok(doc)
}

/// The size rule, shared with templates: `Err((message, help))` when the minified document is too
/// long.
pub(crate) fn within_limit(doc: &PolicyDocument, limits: &Limits) -> Result<(), (String, String)> {
    let len = doc.minified_len();
    if len <= limits.scp_max_chars {
        return Ok(());
    }
    Err((
        format!(
            "SCP document is {len} characters minified, over the limit of {} ([limits] scp_max_chars)",
            limits.scp_max_chars
        ),
        "shorten the document (wildcards such as `ec2:Describe*`, fewer statements), split it into two \
         SCPs, or raise [limits] scp_max_chars if your organization's quota is higher"
            .to_string(),
    ))
}

fn json_error(path: &Path, text: &str, e: &serde_json::Error) -> Problem {
    // serde_json appends " at line L column C" to its message; the position goes in front instead.
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => &full,
    };
    let message = format!("SCP file is not valid JSON: {message}");
    let help = "an SCP is a JSON object like {\"Version\": \"2012-10-17\", \"Statement\": [...]}";
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

/// `Err((message, help))` when `value` is not shaped like a policy document.
fn shape(value: &Value) -> Result<(), (String, String)> {
    let example =
        "an SCP is a JSON object like {\"Version\": \"2012-10-17\", \"Statement\": [...]}";
    let Some(doc) = value.as_object() else {
        return Err((
            format!("SCP document is {}, not a JSON object", kind(value)),
            example.into(),
        ));
    };
    match doc.get("Version") {
        None => {
            return Err((
                "SCP document has no \"Version\"".into(),
                "add \"Version\": \"2012-10-17\"".into(),
            ))
        }
        Some(Value::String(v)) if VERSIONS.contains(&v.as_str()) => {}
        Some(other) => {
            return Err((
                format!("SCP \"Version\" is {other}, not a policy language version"),
                "use \"Version\": \"2012-10-17\" (AWS also accepts the older \"2008-10-17\")"
                    .into(),
            ))
        }
    }
    let statement_help = "\"Statement\" is one statement object or a non-empty list of them, each \
                          with \"Effect\" and \"Action\" or \"NotAction\"";
    match doc.get("Statement") {
        None => Err((
            "SCP document has no \"Statement\"".into(),
            statement_help.into(),
        )),
        Some(Value::Object(_)) => Ok(()),
        Some(Value::Array(list)) if list.is_empty() => Err((
            "SCP \"Statement\" is an empty list".into(),
            statement_help.into(),
        )),
        Some(Value::Array(list)) => match list.iter().position(|s| !s.is_object()) {
            Some(i) => Err((
                format!(
                    "SCP statement {} is {}, not a JSON object",
                    i + 1,
                    kind(&list[i])
                ),
                statement_help.into(),
            )),
            None => Ok(()),
        },
        Some(other) => Err((
            format!(
                "SCP \"Statement\" is {}, not an object or a list",
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
