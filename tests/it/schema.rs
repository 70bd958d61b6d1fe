//! org.toml files validate against docs/org.schema.json, the schema editors use: the sample, the
//! fixtures the tests declare, and whatever a case adds (one line in `cases()`).

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Raw-string fixtures with an [organization] table in the integration tests (validate.rs holds
/// deliberately broken ones and is left out).
fn fixtures() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(repo().join("tests/it")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".rs") || name == "validate.rs" || name == "schema.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, chunk) in text.split("r#\"").skip(1).enumerate() {
            let Some((body, _)) = chunk.split_once("\"#") else {
                continue;
            };
            if body.trim_start().starts_with("[organization]") || body.contains("\n[organization]")
            {
                out.push((
                    format!("tests/it/{name} fixture {}", i + 1),
                    body.to_string(),
                ));
            }
        }
    }
    out
}

/// Every file that must validate: (what, TOML text). Add a case here (e.g. a `govern import`
/// output) in one line.
fn cases() -> Vec<(String, String)> {
    let file = |p: &Path| {
        (
            p.display().to_string(),
            std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        )
    };
    let mut cases = vec![file(&repo().join("org.toml"))];
    cases.extend(fixtures());
    cases.push((
        "tests/it/trail.rs [logging.trail]".into(),
        crate::trail::config(crate::trail::TRAIL),
    ));
    cases
}

#[test]
fn sample_and_fixtures_validate_against_the_schema() {
    let cases = cases();
    assert!(
        cases.len() >= 2,
        "expected the sample and at least one fixture: {cases:?}"
    );
    for (what, text) in &cases {
        let found = crate::support::schema_problems(text);
        assert!(
            found.is_empty(),
            "{what} does not validate:\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn the_sample_points_editors_at_the_schema() {
    let sample = std::fs::read_to_string(repo().join("org.toml")).unwrap();
    assert_eq!(
        sample.lines().next(),
        Some("#:schema ./docs/org.schema.json"),
        "taplo reads the schema from the first line"
    );
}

#[test]
fn the_schema_rejects_what_govern_rejects() {
    let base =
        "[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n";
    assert!(crate::support::schema_problems(base).is_empty());
    for (bad, why) in [
        ("[organization]\nhome_region = \"us-east-1\"\n", "management_account is required"),
        (&format!("{base}colour = 1\n"), "unknown top-level key"),
        (&format!("{base}[accounts.a]\nemial = \"a@example.com\"\n"), "misspelt key"),
        (&format!("{base}[policies.p]\ntemplate = \"deny-everything\"\n"), "unknown template"),
        (&format!("{base}[policies.p]\nfile = \"p.json\"\ntemplate = \"deny-regions\"\n"), "file and template"),
        (&format!("{base}[key_rotation]\nkms_rotation_period_days = 30\nsecret_max_rotation_days = 9\n"), "period below 90"),
        (&format!("{base}[exemptions.abc]\nkms = \"x\"\n"), "exemption key not an account id"),
        (&format!("{base}[contacts.legal]\nname = \"x\"\n"), "unknown contact type"),
    ] {
        assert!(
            !crate::support::schema_problems(bad).is_empty(),
            "{why}: the schema accepts\n{bad}"
        );
    }
}

/// Key paths for comparing the README with the schema: `<name>`-style placeholders and the schema's
/// `*` both become `*`, and so do the contact types (the README writes `contacts.<type>.name`).
fn normalize(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push('*');
        rest = rest[open..].split_once('>').map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    for kind in ["security", "operations", "billing"] {
        out = out.replace(&format!("contacts.{kind}."), "contacts.*.");
    }
    out
}

/// The keys the README's "org.toml reference" documents: every backticked path in the first cell of
/// a table row. `a.b`, `.c` in one cell means `a.b` and `a.c`.
fn readme_keys() -> std::collections::BTreeSet<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme
        .find("\n## org.toml reference")
        .expect("README has an `## org.toml reference` section");
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let mut keys = std::collections::BTreeSet::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cell = line[1..].split(" |").next().unwrap_or("");
        let mut base = String::new();
        // A top-level key (`include`) is a row's first name with no dot.
        if let Some(first) = cell.split('`').nth(1) {
            if !first.is_empty() && first.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                keys.insert(first.to_string());
            }
        }
        for code in cell.split('`').skip(1).step_by(2) {
            let key = match code.strip_prefix('.') {
                Some(leaf) => format!("{}.{leaf}", base.rsplit_once('.').map_or("", |(b, _)| b)),
                None => code.to_string(),
            };
            if key.contains('.') {
                base = key.clone();
                keys.insert(normalize(&key));
            }
        }
    }
    keys
}

#[test]
fn the_readme_reference_documents_every_key_of_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/org.schema.json")).unwrap(),
    )
    .unwrap();
    let paths = ::govern::config::schema::property_paths(&schema);
    // Keys that hold a value: paths with nothing below them.
    let leaves: std::collections::BTreeSet<String> = paths
        .iter()
        .filter(|p| {
            !paths.iter().any(|q| {
                q.len() > p.len()
                    && q.starts_with(p.as_str())
                    && matches!(q.as_bytes()[p.len()], b'.' | b'[')
            })
        })
        .map(|p| normalize(p))
        .collect();
    let documented = readme_keys();
    let undocumented: Vec<_> = leaves.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&leaves).collect();
    assert!(
        undocumented.is_empty() && unknown.is_empty(),
        "README's org.toml reference and docs/org.schema.json differ:\n  not in the README: \
         {undocumented:?}\n  in the README but not in the schema: {unknown:?}"
    );
    assert!(leaves.len() > 30, "{leaves:?}");
}

/// Every property name anywhere in a JSON value (objects' keys, recursively), and the values a
/// schema names with `const` and `enum` (change types such as `create_ou`).
fn property_names(value: &serde_json::Value, into: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                into.insert(k.clone());
                match (k.as_str(), v) {
                    ("const", serde_json::Value::String(s)) => {
                        into.insert(s.clone());
                    }
                    ("enum", serde_json::Value::Array(items)) => {
                        into.extend(items.iter().filter_map(|i| i.as_str().map(String::from)));
                    }
                    _ => {}
                }
                property_names(v, into);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| property_names(v, into)),
        _ => {}
    }
}

/// The docs name only keys that exist: every `snake_case` name in backticks in README.md and
/// docs/*.md is a key of org.toml (its schema), of the plan or drift JSON (their schemas, their
/// golden outputs), of evidence's controls.json (golden) or OCSF findings (the vendored OCSF
/// dictionary), or one of the few names listed here with
/// what they are. docs/evidence.md once named `exempt_keys` and `exempt_secrets`, which org.toml never
/// had (it is `[[key_rotation.exempt]]` and `[exemptions."<id>"]`).
#[test]
fn the_docs_name_only_keys_that_exist() {
    let mut known = std::collections::BTreeSet::new();
    for file in [
        "docs/org.schema.json",
        "docs/plan.schema.json",
        "docs/drift.schema.json",
    ] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        property_names(&value, &mut known);
    }
    for dir in ["tests/it/golden/demo", "tests/it/golden/baselines"] {
        for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                let value: serde_json::Value = serde_json::from_str(&text).unwrap();
                property_names(&value, &mut known);
            }
        }
    }
    // Evidence's findings.ocsf.jsonl: OCSF's attribute names, from the vendored dictionary.
    let ocsf =
        std::fs::read_to_string(repo().join("tests/ocsf/schema-1.6.0/dictionary.json")).unwrap();
    let ocsf: serde_json::Value = serde_json::from_str(&ocsf).unwrap();
    known.extend(ocsf["attributes"].as_object().unwrap().keys().cloned());
    // Names that are not keys of those outputs, with what they are.
    let other = [
        "moto_server",            // the emulator's executable
        "took_ms",                // a field of govern's debug log lines
        "previous_bundle_sha256", // evidence manifest.json (written at run time, not golden)
        "signed_at",              // evidence manifest.json
        "merged_from",            // evidence manifest.json of a merged bundle
        "created_at",             // a saved plan file (docs/saved-plan.md)
        "caller_account",         // a saved plan file
        "plan_id",                // a saved plan file
        "non_compliant",          // a value of findings[].kind (open-ended, so not an enum)
        "required_regions",       // the made-up baseline docs/architecture.md counts files with
        "per_target",             // `Limits::per_target`, a function named in docs/architecture.md
        "started_at",             // evidence manifest.json
        "finished_at",            // evidence manifest.json
        "config_digest",          // evidence manifest.json
        "config_git",             // evidence manifest.json
        "policy_type",            // evidence state/effective/<id>/<type>.json
        "effective_policy",       // evidence state/effective/<id>/<type>.json
        "uncommitted_changes",    // evidence manifest.json, in config_git
    ];
    known.extend(other.iter().map(|s| s.to_string()));

    let mut docs = vec![repo().join("README.md")];
    for entry in std::fs::read_dir(repo().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    let mut unknown = Vec::new();
    for path in docs {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            for (i, chunk) in line.split('`').enumerate() {
                let snake = i % 2 == 1
                    && chunk.contains('_')
                    && chunk.starts_with(|c: char| c.is_ascii_lowercase())
                    && chunk
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                if snake && !known.contains(chunk) {
                    unknown.push(format!(
                        "{}:{}: `{chunk}`",
                        path.strip_prefix(repo()).unwrap().display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "the docs name keys no schema or output has (fix the doc, or list the name with what it is):\n{}",
        unknown.join("\n")
    );
}
