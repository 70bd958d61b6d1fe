//! Issue 14: hostile input. Files named by org.toml (and org.toml itself) are read only when they
//! are plain files of a sane size inside the config directory; a problem shows at most its own line.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crate::support::Govern;

const CANARY: &str = "canary-7f3a9-not-for-logs";
const HEAD: &str =
    "[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n";

/// `govern validate` with a canary in its environment, killed (and failed) after 30 s: a read that
/// never ends must not hang a CI job.
fn validate(config: &Path, extra: &[&str]) -> Output {
    Govern::new(&["validate"])
        .config(config)
        .args(extra)
        .env("GOVERN_TEST_CANARY", CANARY)
        .run_within(Duration::from_secs(30))
        .0
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn org_with_policy_file(dir: &Path, file: &str) -> std::path::PathBuf {
    let config = dir.join("org.toml");
    std::fs::write(
        &config,
        format!("{HEAD}\n[policies.p]\nfile = \"{file}\"\n\n[root]\npolicies = [\"FullAWSAccess\", \"p\"]\n"),
    )
    .unwrap();
    config
}

#[test]
fn a_policy_file_outside_the_config_directory_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let config = org_with_policy_file(dir.path(), "/proc/self/environ");
    let out = validate(&config, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(!err.contains(CANARY), "the environment leaked:\n{err}");
    assert!(
        err.contains("policies.p.file") && err.contains("outside the directory of org.toml"),
        "{err}"
    );
    assert!(err.contains("--allow-outside-files"), "{err}");
    // A symlink inside the directory that points out of it is outside too.
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("env.json")).unwrap();
    let config = org_with_policy_file(dir.path(), "env.json");
    let err = stderr(&validate(&config, &[]));
    assert!(!err.contains(CANARY), "the environment leaked:\n{err}");
    assert!(err.contains("outside the directory of org.toml"), "{err}");
}

#[test]
fn device_files_and_fifos_are_refused_without_reading() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scp")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("scp/zero.json")).unwrap();
    let fifo = dir.path().join("scp/fifo.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for (file, opt_in) in [
        ("scp/fifo.json", false),
        ("scp/zero.json", true), // outside once resolved: allowed by the flag, refused as a device
    ] {
        let config = org_with_policy_file(dir.path(), file);
        let flags: &[&str] = if opt_in {
            &["--allow-outside-files"]
        } else {
            &[]
        };
        let out = validate(&config, flags);
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert!(
            stderr(&out).contains("not a regular file"),
            "{file}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_policy_file_over_the_size_cap_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(2 * 1024 * 1024).unwrap(); // sparse: 2 MiB of zeros
    let config = org_with_policy_file(dir.path(), "big.json");
    let out = validate(&config, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("2097152 bytes, over the 1048576 a policy file may have"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_problem_shows_only_its_own_line_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.json"),
        format!("{{\n  \"Version\": \"2012-10-17\",\n  \"Sid\": \"{CANARY}\",\n  \"Statement\": [,]\n}}\n"),
    )
    .unwrap();
    let config = org_with_policy_file(dir.path(), "p.json");
    let out = validate(&config, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("\"Statement\": [,]"),
        "the offending line is shown:\n{err}"
    );
    assert!(
        !err.contains(CANARY),
        "another line of the file was shown:\n{err}"
    );
}

#[test]
fn org_toml_that_is_not_a_plain_file_is_refused_and_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("org.toml");
    std::os::unix::fs::symlink("/proc/self/environ", &config).unwrap();
    let out = validate(&config, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(!err.contains(CANARY), "the environment leaked:\n{err}");
    assert!(err.contains("not a plain file"), "{err}");
    // Not UTF-8: the byte offset, and what the file must be.
    std::fs::remove_file(&config).unwrap();
    std::fs::write(&config, b"[organization]\nmanagement_account = \"\xff\"\n").unwrap();
    let err = stderr(&validate(&config, &[]));
    assert!(
        err.contains("not UTF-8 at byte 37") && err.contains("must be UTF-8"),
        "{err}"
    );
}

#[test]
fn a_file_outside_is_read_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let shared = tempfile::tempdir().unwrap();
    let policy = shared.path().join("p.json");
    std::fs::write(
        &policy,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#,
    )
    .unwrap();
    let config = org_with_policy_file(dir.path(), policy.to_str().unwrap());
    assert_eq!(validate(&config, &[]).status.code(), Some(1));
    let out = validate(&config, &["--allow-outside-files"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A loopback endpoint that misbehaves in one way, for one test: it serves requests until dropped.
struct Stub {
    port: u16,
    _thread: std::thread::JoinHandle<()>,
}

#[derive(Clone, Copy)]
enum Misbehaviour {
    /// Accepts, reads the request, never answers.
    Silent,
    /// Answers 200 with a body that never ends (bounded here to 1 GiB, far over govern's cap).
    Endless,
    /// Answers 200 with an HTML page.
    Html,
}

impl Stub {
    fn start(how: Misbehaviour) -> Stub {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming().take(32) {
                let Ok(mut stream) = stream else { return };
                std::thread::spawn(move || {
                    let mut buf = [0u8; 65536];
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    let _ = stream.read(&mut buf);
                    match how {
                        Misbehaviour::Silent => std::thread::sleep(Duration::from_secs(120)),
                        Misbehaviour::Html => {
                            let body = "<html><body><h1>Welcome to nginx!</h1></body></html>";
                            let _ = write!(
                                stream,
                                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
                                body.len()
                            );
                        }
                        Misbehaviour::Endless => {
                            let _ = stream.write_all(
                                b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n",
                            );
                            let chunk = vec![b'a'; 64 * 1024];
                            for _ in 0..(16 * 1024) {
                                let head = format!("{:x}\r\n", chunk.len());
                                if stream.write_all(head.as_bytes()).is_err()
                                    || stream.write_all(&chunk).is_err()
                                    || stream.write_all(b"\r\n").is_err()
                                {
                                    return;
                                }
                            }
                        }
                    }
                });
            }
        });
        Stub {
            port,
            _thread: thread,
        }
    }
}

/// `govern plan` against `stub` with static test credentials, killed (and failed) after 90 s.
fn plan_against(stub: &Stub, config: &Path, extra: &[&str]) -> (Output, Duration) {
    let home = tempfile::tempdir().unwrap();
    Govern::new(&["plan"])
        .config(config)
        .args(extra)
        .fresh_home(home.path())
        .env(
            "AWS_ENDPOINT_URL",
            &format!("http://127.0.0.1:{}", stub.port),
        )
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .run_within(Duration::from_secs(90))
}

fn plain_org(dir: &Path) -> std::path::PathBuf {
    let config = dir.join("org.toml");
    std::fs::write(&config, HEAD).unwrap();
    config
}

#[test]
fn an_endpoint_that_never_answers_times_out_naming_itself() {
    let stub = Stub::start(Misbehaviour::Silent);
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = plan_against(
        &stub,
        &plain_org(dir.path()),
        &["--read-timeout", "2", "--max-attempts", "1"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("127.0.0.1:{}", stub.port)) && err.contains("timed out"),
        "{err}"
    );
    assert!(!err.contains('{'), "a debug structure on stderr:\n{err}");
}

#[test]
fn a_never_ending_answer_is_cut_at_the_size_cap() {
    let stub = Stub::start(Misbehaviour::Endless);
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = plan_against(&stub, &plain_org(dir.path()), &["--max-attempts", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("over 64 MiB"), "{err}");
    assert!(!err.contains('{'), "a debug structure on stderr:\n{err}");
}

#[test]
fn an_html_answer_is_one_clear_line() {
    let stub = Stub::start(Misbehaviour::Html);
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = plan_against(&stub, &plain_org(dir.path()), &["--max-attempts", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("not an AWS answer") && err.contains("text/html"),
        "{err}"
    );
    assert!(!err.contains('{'), "a debug structure on stderr:\n{err}");
}

/// Every file under `dir`, relative, with `/` between components.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, at: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(at).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn two_outside_policy_files_of_one_name_are_both_in_the_evidence_bundle() {
    use govern_testkit::{Emulator, Faults, Proxy};
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    govern_testkit::seed::Seeder::new(&emu.sdk_config().await).await; // the organization
    let dir = tempfile::tempdir().unwrap();
    let shared = tempfile::tempdir().unwrap();
    let documents = [
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:*","Resource":"*"}]}"#,
    ];
    let mut paths = Vec::new();
    for (team, doc) in ["team-a", "team-b"].iter().zip(documents) {
        std::fs::create_dir(shared.path().join(team)).unwrap();
        let p = shared.path().join(team).join("g.json");
        std::fs::write(&p, doc).unwrap();
        paths.push(p);
    }
    let config = dir.path().join("org.toml");
    std::fs::write(
        &config,
        format!(
            "{HEAD}\n[policies.a]\nfile = \"{}\"\n[policies.b]\nfile = \"{}\"\n",
            paths[0].display(),
            paths[1].display()
        ),
    )
    .unwrap();
    let bundle = dir.path().join("bundle");
    let out = Govern::new(&["--allow-outside-files", "evidence", "--out"])
        .args(&[bundle.to_str().unwrap()])
        .config(&config)
        .through(&proxy, &emu)
        .run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files: Vec<String> = files_under(&bundle)
        .into_iter()
        .filter(|f| f.starts_with("config/"))
        .collect();
    let kept: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(bundle.join(f)).unwrap())
        .collect();
    for doc in documents {
        assert!(
            kept.iter().any(|k| k == doc.as_bytes()),
            "a policy file was lost from the bundle: {files:?}"
        );
    }
    assert_eq!(files.len(), 3, "org.toml and both policy files: {files:?}");
    let verify = Govern::new(&["evidence", "verify"])
        .args(&[bundle.to_str().unwrap()])
        .config(&config)
        .run();
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
}

/// Makes an OU named `name` (any text: AWS allows `/` and control characters in OU names) under
/// `parent_id`; returns its id.
async fn raw_ou(seeder: &govern_testkit::seed::Seeder, parent_id: &str, name: &str) -> String {
    seeder
        .org
        .create_organizational_unit()
        .parent_id(parent_id)
        .name(name)
        .send()
        .await
        .unwrap()
        .organizational_unit()
        .unwrap()
        .id()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn names_from_aws_that_govern_cannot_address_are_unmanaged_with_the_reason_and_escaped() {
    use govern_testkit::{Emulator, Faults, Proxy};
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    let seeder = govern_testkit::seed::Seeder::new(&emu.sdk_config().await).await;
    // Beside ordinary OUs and accounts: an OU named `Slash/Child` (which would read as `Child`
    // inside `Slash`) next to a real `Slash` that has a real `Child`; one named `a/b/c/d/e/f` (six
    // levels, read as a path); one whose name holds an ESC (a terminal colour code), with an OU and
    // an account inside; and an SCP whose name holds a BEL.
    seeder.ou("Slash/Child").await;
    let root = seeder.root_id.clone();
    raw_ou(&seeder, &root, "Slash/Child").await;
    raw_ou(&seeder, &root, "a/b/c/d/e/f").await;
    let esc = raw_ou(&seeder, &root, "Esc\u{1b}[31mRed").await;
    raw_ou(&seeder, &esc, "Inner").await;
    let hidden = seeder
        .account("hidden\u{1b}[2Jname", "hidden@example.com", None)
        .await;
    seeder
        .org
        .move_account()
        .account_id(&hidden)
        .source_parent_id(&root)
        .destination_parent_id(&esc)
        .send()
        .await
        .unwrap();
    seeder
        .account("plain", "plain@example.com", Some("Slash"))
        .await;
    seeder
        .policy(
            "bell\u{7}policy",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#,
            "",
        )
        .await;

    // Import then plan: both run, and the plan of the imported file has no change (the helper
    // asserts it).
    let dir = tempfile::tempdir().unwrap();
    crate::import::import_then_plan(&proxy, &emu, dir.path(), &[]);
    let config = dir.path().join("org.toml");
    let imported = std::fs::read_to_string(&config).unwrap();
    assert!(
        !imported.contains('\u{1b}') && !imported.contains('\u{7}'),
        "{imported}"
    );

    let (out, _) = crate::support::govern(&proxy, &emu, &config, &["plan"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        !all.contains('\u{1b}') && !all.contains('\u{7}'),
        "a control character from AWS reached the terminal: {all:?}"
    );
    let (json, _) = crate::support::govern(&proxy, &emu, &config, &["plan", "--json"]);
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let notes: Vec<String> = plan["unmanaged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| format!("{} {}", u["address"], u["note"].as_str().unwrap()))
        .collect();
    for (what, reason) in [
        ("Slash/Child", "`/`"),
        ("a/b/c/d/e/f", "`/`"),
        ("Esc\\u{1b}[31mRed", "control character U+001B"),
        ("Inner", "inside"),
        ("bell\\u{7}policy", "control character U+0007"),
        ("hidden\\u{1b}[2Jname", "not declared"),
    ] {
        let note = notes
            .iter()
            .find(|n| n.contains(what))
            .unwrap_or_else(|| panic!("{what} is not listed: {notes:#?}"));
        assert!(note.contains(reason), "{what}: {note}");
    }
    // The real Slash/Child is planned as what it is: declared by import, no change.
    assert!(imported.contains("[ous.\"Slash/Child\"]"), "{imported}");

    // An account in an OU govern cannot address, once declared, is moved out of it: found where
    // it is, never created a second time.
    std::fs::write(
        &config,
        format!("{imported}\n[accounts.hidden]\nemail = \"hidden@example.com\"\n"),
    )
    .unwrap();
    let (json, _) = crate::support::govern(&proxy, &emu, &config, &["plan", "--json"]);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let changes: Vec<String> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(changes, [format!("account:{hidden}/parent")], "{plan:#}");
    let state = tempfile::tempdir().unwrap();
    let (applied, _) = crate::support::govern(
        &proxy,
        &emu,
        &config,
        &[
            "--state-dir",
            state.path().to_str().unwrap(),
            "apply",
            "--auto-approve",
        ],
    );
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    let parents = seeder
        .org
        .list_parents()
        .child_id(&hidden)
        .send()
        .await
        .unwrap();
    assert_eq!(parents.parents()[0].id(), Some(root.as_str()));
}

#[test]
fn a_nul_in_a_name_in_org_toml_gets_its_own_message() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("org.toml");
    // TOML's \u0000 escape puts a NUL in a quoted key.
    std::fs::write(
        &config,
        format!(
            "{HEAD}\n[ous.\"Sec\\u0000urity\"]\n\n[accounts.\"dev\\u0000app\"]\nemail = \"dev@example.com\"\n"
        ),
    )
    .unwrap();
    let out = validate(&config, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(!err.contains('\0'), "a raw NUL reached stderr: {err:?}");
    for (key, line) in [("ous.", 5), ("accounts.", 7)] {
        let at = err
            .lines()
            .position(|l| l.contains(key) && l.contains("NUL character (U+0000)"))
            .unwrap_or_else(|| panic!("no NUL message for {key}: {err}"));
        assert!(
            err.lines()
                .skip(at)
                .take(4)
                .any(|l| l.contains(&format!("org.toml:{line}:"))),
            "{key}: no location: {err}"
        );
    }
}

/// SplitMix64: a deterministic generator for the fuzz run below (no crate needed, same sequence
/// on every machine).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Lines a mutation may insert: each aims at one rule or one parser edge.
const SNIPPETS: &[&str] = &[
    "[ous.\"a//b\"]",
    "[ous.\"A/B/C/D/E/F\"]",
    "[ous.\"\\u0000\"]",
    "[ous.\"x\\u001b[31m\"]",
    "[accounts.\"\\u202egpj\"]",
    "policies = []",
    "policies = [\"nope\"]",
    "policies = \"FullAWSAccess\"",
    "email = 1",
    "email = \"no-at-sign\"",
    "id = \"12345\"",
    "ou = \"\"",
    "ou = \"Nowhere/At/All\"",
    "[accounts.x]",
    "[policies.p]",
    "file = \"/proc/self/environ\"",
    "file = \"../../etc/passwd\"",
    "file = \"baselines\"",
    "file = \"\"",
    "template = \"deny-regions\"",
    "template = \"nope\"",
    "allowed_regions = [\"us-east-1\", \"us-east-1\"]",
    "allowed_regions = [\"mars-1\"]",
    "home_region = 42",
    "management_account = \"12345678901x\"",
    "description = \"\"\"multi\nline\"\"\"",
    "[[key_rotation.exempt]]",
    "[exemptions.\"123456789012\"]",
    "[policies.govern-apply-lock]",
    "a = { b = { c = [1, [2, [3]]] } }",
    "x = 1979-05-27T07:32:00Z",
    "[organization]",
    "[[ous]]",
    "'literal' = 'key'",
    "k = \"\\uD800\"",
    "k = \"\\U0010FFFF\"",
];

/// One mutation of `base`: bytes changed, cut, moved or inserted (`what` says which, for the
/// failure message).
fn mutate(base: &[u8], rng: &mut Rng) -> (Vec<u8>, &'static str) {
    let mut b = base.to_vec();
    let rounds = 1 + rng.below(3);
    let mut what = "";
    for _ in 0..rounds {
        let len = b.len().max(1);
        let at = rng.below(len);
        match rng.below(9) {
            0 => {
                let end = (at + 1 + rng.below(40)).min(b.len());
                b.drain(at.min(b.len())..end);
                what = "cut";
            }
            1 => {
                const BYTES: &[u8] = b"[]{}\"'=.,\n#\\ 0123456789abcxyz-_/\t\r\x00\x1b\xff\xc3";
                for _ in 0..1 + rng.below(6) {
                    let c = BYTES[rng.below(BYTES.len())];
                    b.insert(at.min(b.len()), c);
                }
                what = "bytes";
            }
            2 | 3 => {
                // Insert a snippet at a line start.
                let line_start = b[..at.min(b.len())]
                    .iter()
                    .rposition(|c| *c == b'\n')
                    .map_or(0, |i| i + 1);
                let s = SNIPPETS[rng.below(SNIPPETS.len())];
                let mut ins = s.as_bytes().to_vec();
                ins.push(b'\n');
                b.splice(line_start..line_start, ins);
                what = "snippet";
            }
            4 => {
                // Duplicate or drop a whole line.
                let text = String::from_utf8_lossy(&b).into_owned();
                let mut lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let i = rng.below(lines.len());
                    if rng.below(2) == 0 {
                        lines.insert(i, lines[i]);
                    } else {
                        lines.remove(i);
                    }
                }
                b = lines.join("\n").into_bytes();
                what = "line";
            }
            5 => {
                // Swap two lines.
                let text = String::from_utf8_lossy(&b).into_owned();
                let mut lines: Vec<&str> = text.lines().collect();
                if lines.len() > 1 {
                    let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
                    lines.swap(i, j);
                }
                b = lines.join("\n").into_bytes();
                what = "swap";
            }
            6 => {
                b.truncate(at);
                what = "truncate";
            }
            7 => {
                // A long run of one character: long names, deep nesting.
                let c = [b'a', b'[', b'/', b'"', b'{'][rng.below(5)];
                let n = 1 + rng.below(300);
                b.splice(at.min(b.len())..at.min(b.len()), std::iter::repeat_n(c, n));
                what = "run";
            }
            _ => {
                if let Some(i) = (at..b.len()).find(|i| b[*i].is_ascii_digit()) {
                    b[i] = b"0123456789"[rng.below(10)];
                }
                what = "digit";
            }
        }
    }
    (b, what)
}

/// The fuzz run of `govern validate` (issue 14): 600 seeded mutations of the sample org.toml, with
/// its SCP files beside it, through the same loader `govern validate` runs (config::load_with, in
/// process: a fork per case would cost minutes) and the same miette rendering. No mutation may
/// panic or hang (a case still running after 30 s fails the run), and every problem in a file
/// that has lines has a position.
#[test]
fn fuzzed_org_tomls_never_panic_or_hang_and_every_problem_has_a_location() {
    use std::sync::mpsc;
    const CASES: u64 = 600;
    let sample_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = std::fs::read(sample_dir.join("org.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let scp = dir.path().join("baselines/scp");
    std::fs::create_dir_all(&scp).unwrap();
    for f in std::fs::read_dir(sample_dir.join("baselines/scp")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, scp.join(f.file_name().unwrap())).unwrap();
    }
    let config = dir.path().join("org.toml");
    let mut rng = Rng(0x6f72_672e_746f_6d6c); // "org.toml"
    let (mut valid, mut invalid, mut problems_seen) = (0, 0, 0);
    for case in 0..CASES {
        let (bytes, what) = mutate(&base, &mut rng);
        std::fs::write(&config, &bytes).unwrap();
        let path = config.clone();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let outcome = std::panic::catch_unwind(|| {
                match ::govern::config::load_with(&path, Default::default()) {
                    Ok(_) => Ok(()),
                    Err(e) => {
                        // What main.rs prints: the error through miette's handler.
                        let report = format!("{:?}", miette::Report::new(e.clone()));
                        Err((e, report))
                    }
                }
            });
            let _ = tx.send(outcome);
        });
        let outcome = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| {
                panic!(
                    "case {case} ({what}) hung; input:\n{}",
                    String::from_utf8_lossy(&bytes)
                )
            });
        let outcome = outcome.unwrap_or_else(|_| {
            panic!(
                "case {case} ({what}) panicked; input:\n{}",
                String::from_utf8_lossy(&bytes)
            )
        });
        match outcome {
            Ok(()) => valid += 1,
            Err((e, report)) => {
                invalid += 1;
                assert!(
                    !e.problems.is_empty(),
                    "case {case}: an error without problems"
                );
                assert!(!report.trim().is_empty(), "case {case}: nothing rendered");
                for p in &e.problems {
                    problems_seen += 1;
                    // Where the file has lines, the problem has one. A file that could not be
                    // read as text names its byte offset instead (not UTF-8).
                    let located = p.line.is_some()
                        || (p.message.contains("not UTF-8") && p.message.contains("byte"));
                    assert!(
                        located,
                        "case {case} ({what}): a problem without a location: {p}\ninput:\n{}",
                        String::from_utf8_lossy(&bytes)
                    );
                }
            }
        }
    }
    eprintln!(
        "fuzzed govern validate: {CASES} cases, {valid} valid, {invalid} refused with \
         {problems_seen} problems; 0 panics, 0 hangs"
    );
    assert!(
        invalid > CASES as usize / 2,
        "the mutations hardly hit anything"
    );
}
