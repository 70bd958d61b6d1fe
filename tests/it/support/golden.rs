//! Golden outputs: what govern printed or wrote for a fixed, seeded organization, kept under
//! tests/it/golden/ and compared byte for byte (after the substitutions below) on every run. They were
//! recorded before the redesign of issue 12 and guard that moving code changes no behaviour.
//!
//! `GOVERN_BLESS=1` rewrites them instead of comparing: do that only for a change of behaviour the
//! commit message names.

use std::path::{Path, PathBuf};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/golden")
}

/// Replaces what differs from run to run and says nothing of behaviour: the temporary directory
/// (`dir` → `<dir>`) and RFC 3339 timestamps (`<time>`).
pub fn normalize(text: &str, dir: &Path) -> String {
    govern_testkit::untimed(&text.replace(&dir.display().to_string(), "<dir>"))
}

/// Compares `actual` with tests/it/golden/`name` (or writes it under `GOVERN_BLESS=1`).
pub fn assert_golden(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if std::env::var_os("GOVERN_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("golden dir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; record it with GOVERN_BLESS=1 cargo xtask test",
            path.display()
        )
    });
    if want != actual {
        let diff = similar::TextDiff::from_lines(want.as_str(), actual);
        let shown = diff
            .unified_diff()
            .context_radius(3)
            .header("golden", "this run")
            .to_string();
        panic!(
            "{} differs from the golden output:\n{shown}",
            path.display()
        );
    }
}

/// Every file under `root`, relative path → content, sorted: what `import` or `evidence` wrote.
pub fn files_under(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .expect("under root")
                    .display()
                    .to_string();
                let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "<binary>".into());
                out.push((rel, text));
            }
        }
    }
    out.sort();
    out
}

/// For outputs made after an apply that created accounts and OUs, whose ids depend on how many
/// random draws the emulator made meanwhile (its polls are timed): every account id becomes
/// `<account NAME>`, every OU id `<ou PATH>` and every policy id `<policy NAME>`, read from the bundle's `state/organization.json`;
/// then, for a JSON object with `rows`, the rows are sorted by their text (their order follows the
/// ids).
pub fn by_names(text: &str, organization_json: &str) -> String {
    let org: serde_json::Value =
        serde_json::from_str(organization_json).expect("organization.json");
    let mut text = text.to_string();
    let mut ids: Vec<(String, String)> = Vec::new();
    for (id, account) in org["accounts"].as_object().expect("accounts") {
        ids.push((
            id.clone(),
            format!("<account {}>", account["name"].as_str().unwrap()),
        ));
    }
    for (path, ou) in org["ous"].as_object().expect("ous") {
        ids.push((
            ou["id"].as_str().unwrap().to_string(),
            format!("<ou {path}>"),
        ));
    }
    // Policies created by the apply: their ids are drawn as the accounts' are.
    if let Some(policies) = org["policies"].as_object() {
        for (name, policy) in policies {
            if let Some(id) = policy["id"].as_str() {
                ids.push((id.to_string(), format!("<policy {name}>")));
            }
        }
    }
    for (id, name) in ids {
        text = text.replace(&id, &name);
    }
    let text = key_ids(&text);
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return text;
    };
    if let Some(rows) = value.get_mut("rows").and_then(|r| r.as_array_mut()) {
        rows.sort_by_key(|r| r.to_string());
    }
    serde_json::to_string_pretty(&value).expect("JSON") + "\n"
}

/// KMS key ids (UUIDs) as `<key id>`: the demo's seeded keys have none in the rows, but the key the
/// apply creates for the organization trail is drawn anew on every run.
fn key_ids(text: &str) -> String {
    let is_uuid = |s: &str| {
        s.len() == 36
            && s.char_indices().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => c == '-',
                _ => c.is_ascii_hexdigit(),
            })
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let next = |r: &str| match (r.find("key/"), r.find("/us-east-1/")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    while let Some(at) = next(rest) {
        let (head, tail) = rest.split_at(at);
        let skip = if tail.starts_with("key/") {
            4
        } else {
            "/us-east-1/".len()
        };
        out.push_str(head);
        out.push_str(&tail[..skip]);
        let after = &tail[skip..];
        if after.get(..36).is_some_and(is_uuid) {
            out.push_str("<key id>");
            rest = &after[36..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}
