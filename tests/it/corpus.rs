//! The SCP file checks `load` uses, run over every example in the shared corpus of real-world SCPs
//! (aws-samples/service-control-policy-examples): each file loads or is rejected with a clear
//! problem that names it.

use std::path::{Path, PathBuf};

use ::govern::config::policy_file;
use ::govern::model::Limits;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/scp-examples")
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_corpus_scp_loads_or_is_rejected_clearly() {
    let dir = corpus_dir();
    assert!(
        dir.is_dir(),
        "the SCP corpus is missing: looked in {} (CARGO_MANIFEST_DIR/../shared/corpus/scp-examples)",
        dir.display()
    );
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    files.sort();
    assert!(!files.is_empty(), "no *.json files under {}", dir.display());

    let limits = Limits::default();
    let (mut loaded, mut rejected) = (0, Vec::new());
    for path in &files {
        match policy_file::check(path, &limits) {
            Ok(doc) => {
                assert!(doc.minified_len() <= limits.scp_max_chars);
                loaded += 1;
            }
            Err(problem) => {
                let line = problem.to_string();
                assert_eq!(problem.file, *path);
                assert!(
                    line.starts_with(&path.display().to_string()),
                    "the problem names its file: {line}"
                );
                assert!(
                    problem.help.is_some(),
                    "the problem says what is allowed: {line}"
                );
                rejected.push(line);
            }
        }
    }
    eprintln!(
        "SCP corpus {}: {} files, {loaded} loaded, {} rejected",
        dir.display(),
        files.len(),
        rejected.len()
    );
    for line in &rejected {
        eprintln!("  rejected: {line}");
    }

    // One example carries a `//` comment, which JSON (and AWS) does not allow.
    let commented =
        dir.join("Service-specific-controls/AWS-IAM/deny-service-specific-credential-by-type.json");
    let problem = policy_file::check(&commented, &limits).unwrap_err();
    assert_eq!(
        problem.to_string(),
        format!(
            "{}:15:13: SCP file is not valid JSON: expected `,` or `]`",
            commented.display()
        )
    );
    assert_eq!((problem.line, problem.column), (Some(15), Some(13)));
    assert_eq!(
        rejected.len(),
        1,
        "only the commented file is rejected: {rejected:#?}"
    );
    assert_eq!(loaded + rejected.len(), files.len());
}
