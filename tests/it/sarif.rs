//! `govern validate --format sarif` (issue 17): the problems of org.toml and its files as a SARIF
//! 2.1.0 log for GitHub code scanning, run as the binary in the directory CI runs it in.

use std::path::Path;

/// Lines 1 to 3 of the test files.
const BASE: &str = "[organization]
management_account = \"123456789012\"
home_region = \"us-east-1\"
";

const SCP: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}"#;

fn write(dir: &Path, rel: &str, contents: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// `govern validate --format sarif`, run in `dir` (as CI runs it in the checkout's root).
fn validate_sarif(dir: &Path, config: &str) -> (Option<i32>, serde_json::Value, String) {
    let mut cmd =
        crate::support::Govern::new(&["validate", "--format", "sarif", "--config", config])
            .command();
    let out = cmd.current_dir(dir).output().unwrap();
    let log = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (
        out.status.code(),
        log,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Issue 17: a file with two problems, one in org.toml and one in the SCP file it names, gives a
/// SARIF 2.1.0 log with two results, each at its file (relative to the working directory, as
/// GitHub code scanning wants) and line; the log has the shape GitHub reads (version, $schema, the
/// tool's name and the rules the results name). The problems still go to stderr, and exit 1.
#[test]
fn sarif_puts_each_problem_at_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write(
        dir,
        "scp/bad.json",
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Deny\"}\n    {\"Effect\": \"Deny\"}\n  ]\n}\n",
    );
    write(
        dir,
        "org.toml",
        &[
            BASE,
            "[policies.a]\nfile = \"scp/bad.json\"\n",
            "[accounts.a]\nemail = \"not-an-email\"\n",
        ]
        .concat(),
    );
    let (code, log, stderr) = validate_sarif(dir, "org.toml");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("org.toml has 2 problems"), "{stderr}");

    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"]
        .as_str()
        .unwrap()
        .ends_with("sarif-schema-2.1.0.json"));
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "govern");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    let mut at: Vec<(String, u64, String)> = results
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            assert!(
                rules.contains(&r["ruleId"].as_str().unwrap()),
                "{r} names a rule of the driver"
            );
            assert_eq!(
                rules[r["ruleIndex"].as_u64().unwrap() as usize],
                r["ruleId"].as_str().unwrap()
            );
            assert_eq!(r["level"], "error");
            (
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                loc["region"]["startLine"].as_u64().unwrap(),
                r["message"]["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    at.sort();
    assert_eq!(at.len(), 2, "{log:#}");
    assert_eq!((at[0].0.as_str(), at[0].1), ("org.toml", 7), "{at:?}");
    assert!(
        at[0]
            .2
            .starts_with("accounts.a.email: `not-an-email` is not a valid email address"),
        "{at:?}"
    );
    assert_eq!(
        results.iter().find(|r| r["ruleId"] == "org-toml").unwrap()["locations"][0]
            ["physicalLocation"]["region"]["startColumn"],
        9
    );
    assert_eq!((at[1].0.as_str(), at[1].1), ("scp/bad.json", 5), "{at:?}");
    assert!(at[1].2.contains("SCP file is not valid JSON"), "{at:?}");

    // A valid file: a log with no results, exit 0.
    write(dir, "scp/bad.json", SCP);
    write(
        dir,
        "org.toml",
        &[BASE, "[policies.a]\nfile = \"scp/bad.json\"\n"].concat(),
    );
    let (code, log, stderr) = validate_sarif(dir, "org.toml");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}
