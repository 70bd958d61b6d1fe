//! `govern validate --format sarif`: the problems of org.toml and the files it names as one SARIF
//! 2.1.0 log, which GitHub code scanning (`github/codeql-action/upload-sarif`) shows as alerts on
//! the pull request's lines.
//!
//! What GitHub needs of it (its "SARIF support for code scanning" page): `version` 2.1.0, one run
//! whose `tool.driver` has a `name` and the `rules` the results name by `ruleId`, and for every
//! result a message and a physical location with `region.startLine`. Paths are relative to the
//! working directory (run govern from the repository's root, as CI does), so they match the
//! checkout's; a file outside it keeps an absolute `file://` URI. A problem with no position (a
//! document that lacks a key altogether) is put at line 1 of its file, the only line it can be
//! shown on; its message says what is missing. Columns count characters (`columnKind`
//! `unicodeCodePoints`), as govern's do. With `--online`, IAM Access Analyzer's findings follow
//! the problems in the same run ([`log_with`]), a rule per finding code.

use std::path::{Component, Path};

use serde_json::{json, Value};

use super::Problem;

pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The rules a result can name: where the problem is.
const RULES: [(&str, &str, &str); 2] = [
    (
        "org-toml",
        "org.toml is not valid",
        "A problem in org.toml: TOML syntax, an unknown key, a value of the wrong type or out of range, or a reference to something org.toml does not declare. The message names the key and what is allowed.",
    ),
    (
        "policy-file",
        "A file org.toml names is not valid",
        "A problem in a file org.toml names (an SCP document): not readable, not JSON, not an SCP document, or over AWS's limits. The message says which; the help names the org.toml key that uses the file.",
    ),
];

fn rule_of(problem: &Problem) -> usize {
    let toml = problem
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if toml {
        0
    } else {
        1
    }
}

/// `path` as a URI reference: relative to `cwd` when it is inside it (`/`-separated,
/// percent-encoded), else an absolute `file://` URI.
pub fn uri(path: &Path, cwd: &Path) -> (String, bool) {
    let relative = if path.is_absolute() {
        path.strip_prefix(cwd).ok()
    } else {
        Some(path)
    };
    match relative {
        Some(rel) => {
            let parts: Vec<String> = rel
                .components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(encode(&s.to_string_lossy())),
                    Component::ParentDir => Some("..".to_string()),
                    _ => None,
                })
                .collect();
            (parts.join("/"), true)
        }
        None => {
            let parts: Vec<String> = path
                .components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(encode(&s.to_string_lossy())),
                    _ => None,
                })
                .collect();
            (format!("file:///{}", parts.join("/")), false)
        }
    }
}

/// RFC 3986: everything but unreserved characters percent-encoded, byte by byte.
fn encode(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A finding of IAM Access Analyzer's ValidatePolicy on a policy document
/// (`govern validate --online`): one SARIF result, under a rule per finding code
/// (`access-analyzer/<ISSUE_CODE>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineFinding {
    /// The policy file; org.toml for a template's document (which no file holds).
    pub file: std::path::PathBuf,
    /// Line and column from 1, where the finding's span starts; None when it has none.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// SARIF's level: `error` (ERROR), `warning` (SECURITY_WARNING, WARNING), `note`
    /// (SUGGESTION).
    pub level: &'static str,
    /// Access Analyzer's issue code (`UNKNOWN_ACTION`).
    pub code: String,
    /// The finding's details, with the policy's address for a template's.
    pub message: String,
    /// The finding's learn-more link, when it has one.
    pub link: Option<String>,
}

/// The SARIF log of `problems` (none: a log with no results), paths relative to `cwd`.
pub fn log(problems: &[Problem], cwd: &Path, govern_version: &str) -> Value {
    log_with(problems, &[], cwd, govern_version)
}

/// The SARIF log of `problems` and then of Access Analyzer's `findings`, in one run.
pub fn log_with(
    problems: &[Problem],
    findings: &[OnlineFinding],
    cwd: &Path,
    govern_version: &str,
) -> Value {
    let mut rules: Vec<Value> = RULES
        .iter()
        .map(|(id, short, full)| {
            json!({
                "id": id,
                "name": id,
                "shortDescription": { "text": short },
                "fullDescription": { "text": full },
                "defaultConfiguration": { "level": "error" },
            })
        })
        .collect();
    let mut results: Vec<Value> = problems
        .iter()
        .map(|p| {
            let rule = rule_of(p);
            let (uri, relative) = uri(&p.file, cwd);
            let mut artifact = json!({ "uri": uri });
            if relative {
                artifact["uriBaseId"] = json!("%SRCROOT%");
            }
            let mut region = json!({ "startLine": p.line.unwrap_or(1) });
            if let (Some(_), Some(column)) = (p.line, p.column) {
                region["startColumn"] = json!(column);
            }
            let mut text = match &p.key {
                Some(key) => format!("{key}: {}", p.message),
                None => p.message.clone(),
            };
            if let Some(help) = &p.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let mut result = json!({
                "ruleId": RULES[rule].0,
                "ruleIndex": rule,
                "level": "error",
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": { "artifactLocation": artifact, "region": region }
                }],
            });
            if let Some(key) = &p.key {
                result["properties"] = json!({ "key": key });
            }
            result
        })
        .collect();
    // A rule per finding code, in order of first appearance, after govern's own.
    let mut codes: Vec<&str> = Vec::new();
    for f in findings {
        let index = match codes.iter().position(|c| *c == f.code) {
            Some(i) => i,
            None => {
                codes.push(&f.code);
                let mut rule = json!({
                    "id": format!("access-analyzer/{}", f.code),
                    "name": f.code,
                    "shortDescription": { "text": format!("IAM Access Analyzer: {}", f.code) },
                    "defaultConfiguration": { "level": f.level },
                });
                if let Some(link) = &f.link {
                    rule["helpUri"] = json!(link);
                }
                rules.push(rule);
                codes.len() - 1
            }
        } + RULES.len();
        let (uri, relative) = uri(&f.file, cwd);
        let mut artifact = json!({ "uri": uri });
        if relative {
            artifact["uriBaseId"] = json!("%SRCROOT%");
        }
        let mut region = json!({ "startLine": f.line.unwrap_or(1) });
        if let (Some(_), Some(column)) = (f.line, f.column) {
            region["startColumn"] = json!(column);
        }
        results.push(json!({
            "ruleId": format!("access-analyzer/{}", f.code),
            "ruleIndex": index,
            "level": f.level,
            "message": { "text": f.message },
            "locations": [{
                "physicalLocation": { "artifactLocation": artifact, "region": region }
            }],
        }));
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "govern",
                    "version": govern_version,
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_to_the_working_directory_and_encoded() {
        let cwd = Path::new("/repo");
        assert_eq!(
            uri(Path::new("/repo/scp/deny all.json"), cwd),
            ("scp/deny%20all.json".to_string(), true)
        );
        assert_eq!(
            uri(Path::new("./org.toml"), cwd),
            ("org.toml".to_string(), true)
        );
        assert_eq!(
            uri(Path::new("/elsewhere/org.toml"), cwd),
            ("file:///elsewhere/org.toml".to_string(), false)
        );
    }
}
