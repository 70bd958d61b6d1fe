//! `cargo xtask bench`: seeds a large organization in the emulator, runs the release-built
//! `govern plan --json` through the fault proxy with fixed added latency, and prints (and writes to
//! bench/results/) its wall time, CPU time, peak RSS and requests by operation beside the floor: the
//! same request mix fired by a plain parallel client at the same concurrency. Figures, never
//! assertions: targets are reported as met or missed. See bench/README.md.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_account::types::{AlternateContactType, RegionOptStatus};
use aws_sdk_organizations::types::PolicyType;
use futures::{StreamExt, TryStreamExt};
use govern_testkit::seed::bounded;
use govern_testkit::{Emulator, Faults, Proxy, Rule, Seeder};
use serde_json::{json, Value};

const HELP: &str = "\
cargo xtask bench [--accounts 100,1000] [--latency-ms 50] [--concurrency 16]
                  [--validate-accounts 5000,50000] [--validate-only]

First, validation: for each N in --validate-accounts, write an org.toml of N accounts (no AWS) and
time the release-built `govern validate` on it (wall, CPU, peak RSS; µs per account tells whether it
stays linear). --validate-only stops there.

For each N in --accounts: start moto and the fault proxy, seed an organization of N member accounts
(3-level OU tree, 3 SCPs, in us-east-1 and eu-west-1 3 KMS keys and 2 secrets per account, some
drift), then run the release-built `govern plan --json` through the proxy with --latency-ms added to
every request, and the floor (the same request mix from a plain parallel client at the same
concurrency). Prints a table and writes bench/results/<date>-<N>.{json,md}. See bench/README.md.
";

/// The allowed regions: keys and secrets are seeded and read in each.
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// Customer-managed symmetric keys per account-region (every one eligible for rotation).
const KEYS: usize = 3;
/// Secrets per account-region.
const SECRETS: usize = 2;
/// OUs per parent, over 3 levels: 3 + 9 + 27 OUs, accounts spread over the 27 leaves.
const FANOUT: usize = 3;
const ROLE: &str = "OrganizationAccountAccessRole";
/// govern's Organizations page size and in-flight cap (src/discover/mod.rs).
const ORG_PAGE: u64 = 20;
const ORG_CONCURRENCY: usize = 4;
/// Requests in flight while seeding (moto serves ~200 req/s sequentially; this hides the latency).
const SEED_CONCURRENCY: usize = 24;
/// Every `DRIFT_EVERY`-th account has its first us-east-1 key with rotation off (at offset 7) or a
/// wrong security contact (at offset 23).
const DRIFT_EVERY: usize = 40;

/// The declared contacts: (org.toml table, name, title, email, phone).
const CONTACTS: [(&str, &str, &str, &str, &str); 3] = [
    (
        "security",
        "Security Operations",
        "Security lead",
        "security@example.com",
        "+1 555 0100",
    ),
    (
        "operations",
        "Platform Operations",
        "Operations lead",
        "operations@example.com",
        "+1 555 0101",
    ),
    (
        "billing",
        "Cloud Finance",
        "Billing lead",
        "billing@example.com",
        "+1 555 0102",
    ),
];

/// Custom SCPs: name, file, document, description, OUs attached to.
const SCPS: [(&str, &str, &str, &str, &[&str]); 3] = [
    (
        "bench-deny-leave",
        "deny-leave.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["organizations:LeaveOrganization"],"Resource":"*"}]}"#,
        "Member accounts cannot leave the organization",
        &["ou1", "ou2", "ou3"],
    ),
    (
        "bench-deny-root",
        "deny-root.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":["arn:aws:iam::*:root"]}}}]}"#,
        "No actions as the root user",
        &["ou1/ou11", "ou2/ou21"],
    ),
    (
        "bench-protect-logging",
        "protect-logging.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["cloudtrail:StopLogging","cloudtrail:DeleteTrail"],"Resource":"*"}]}"#,
        "Logging cannot be switched off",
        &["ou3/ou31/ou311"],
    ),
];

struct Options {
    accounts: Vec<usize>,
    latency_ms: u64,
    concurrency: usize,
    /// Sizes of the org.toml `govern validate` is timed on (issue 14: validation was quadratic).
    validate_accounts: Vec<usize>,
    validate_only: bool,
}

fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let mut o = Options {
        accounts: vec![100, 1000],
        latency_ms: 50,
        concurrency: 16,
        validate_accounts: vec![5_000, 50_000],
        validate_only: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        if matches!(flag, "-h" | "--help") {
            return Ok(None);
        }
        if flag == "--validate-only" {
            o.validate_only = true;
            continue;
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let number = |v: &str| {
            v.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{flag}: {v:?} is not a positive number"))
        };
        match flag {
            "--accounts" => {
                o.accounts = value()?.split(',').map(number).collect::<Result<_, _>>()?
            }
            "--validate-accounts" => {
                o.validate_accounts = value()?.split(',').map(number).collect::<Result<_, _>>()?
            }
            "--latency-ms" => o.latency_ms = number(&value()?)? as u64,
            "--concurrency" => o.concurrency = number(&value()?)?,
            _ => return Err(format!("bench: unknown argument {arg:?}\n\n{HELP}")),
        }
    }
    Ok(Some(o))
}

pub fn run(args: &[String]) -> Result<i32, String> {
    let synthetic = args
        .iter()
        .any(|a| a == "--synthetic" || a.starts_with("--synthetic="));
    let options = if synthetic {
        None
    } else {
        match parse(args)? {
            Some(o) => Some(o),
            None => {
                print!("{HELP}");
                return Ok(0);
            }
        }
    };
    let root = crate::repo_root();
    // GOVERN_BENCH_GOVERN runs that binary instead of building the release one (say, a debug
    // build while the release one compiles; its CPU figures are then the debug build's).
    if let Some(given) = std::env::var_os("GOVERN_BENCH_GOVERN") {
        let govern = PathBuf::from(given);
        let out_dir = root.join("bench").join("results");
        std::fs::create_dir_all(&out_dir)
            .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
        println!("bench: running {} (GOVERN_BENCH_GOVERN)", govern.display());
        return match options {
            None => crate::bench_synthetic::run(args, &govern, &out_dir),
            Some(_) => Err("GOVERN_BENCH_GOVERN is for --synthetic only".into()),
        };
    }
    println!("bench: building the release govern (cargo build --release --bin govern) …");
    let built = crate::cargo()
        .args(["build", "--quiet", "--release", "--bin", "govern"])
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cannot run cargo build: {e}"))?;
    if !built.success() {
        return Err("`cargo build --release --bin govern` failed (see above)".into());
    }
    let govern = crate::target_dir(&root)
        .join("release")
        .join(format!("govern{}", std::env::consts::EXE_SUFFIX));
    if !govern.is_file() {
        return Err(format!(
            "{} does not exist after the build",
            govern.display()
        ));
    }
    let out_dir = root.join("bench").join("results");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let Some(options) = options else {
        return crate::bench_synthetic::run(args, &govern, &out_dir);
    };

    let mut validations = Vec::new();
    for &n in &options.validate_accounts {
        validations.push(validation(&govern, n)?);
    }
    if !validations.is_empty() {
        let path = write_validation(&out_dir, &validations)?;
        println!("bench: wrote {}", path.display());
    }
    if options.validate_only {
        return Ok(0);
    }

    let moto = crate::ensure_emulator(&root)?;
    let mut all = Vec::new();
    for &n in &options.accounts {
        let figures = one(n, &options, &moto, &govern)?;
        let (json_path, md_path) = write_results(&out_dir, &figures)?;
        println!(
            "bench: wrote {} and {}",
            json_path.display(),
            md_path.display()
        );
        all.push(figures);
    }
    println!("\n{}", table(&all));
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Validation of a large org.toml

/// One timed `govern validate`.
struct Validation {
    accounts: usize,
    ous: usize,
    bytes: usize,
    wall: Duration,
    cpu: Duration,
    max_rss_kb: u64,
}

impl Validation {
    fn us_per_account(&self) -> f64 {
        self.wall.as_secs_f64() * 1e6 / self.accounts as f64
    }
}

/// Writes an org.toml of `n` accounts (names and emails unique, spread over the bench's 39 OUs, the
/// same SCPs, contacts and key rotation as the plan benchmark's) and times `govern validate` on it.
fn validation(govern: &Path, n: usize) -> Result<Validation, String> {
    let dir =
        std::env::temp_dir().join(format!("govern-bench-validate-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scp")).map_err(|e| format!("cannot create {dir:?}: {e}"))?;
    let paths = ou_paths();
    let leaves: Vec<&String> = paths
        .iter()
        .filter(|p| p.matches('/').count() == 2)
        .collect();
    let org = Org {
        management: "123456789012".into(),
        ous: paths.iter().map(|p| (p.clone(), String::new())).collect(),
        parents: Vec::new(),
        members: (0..n)
            .map(|i| {
                (
                    format!("{:012}", 200_000_000_000u64 + i as u64),
                    format!("bench-{i:06}"),
                    leaves[i % leaves.len()].clone(),
                )
            })
            .collect(),
        policies: Vec::new(),
        drift_keys: 0,
        drift_contacts: 0,
    };
    write_org_toml(&dir, &org)?;
    let config = dir.join("org.toml");
    let bytes = std::fs::metadata(&config).map_or(0, |m| m.len() as usize);
    let started = Instant::now();
    let child = Command::new(govern)
        .arg("--config")
        .arg(&config)
        .arg("validate")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", govern.display()))?;
    let pid = child.id() as libc::pid_t;
    // Its output is one line (or the problems): read after it exits, the pipe holds it.
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; both pointers are to live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if waited != pid {
        return Err(format!(
            "wait4 on govern failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    let mut out = String::new();
    if let Some(mut o) = child.stdout {
        use std::io::Read;
        let _ = o.read_to_string(&mut out);
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let mut err = String::new();
        if let Some(mut e) = child.stderr {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        return Err(format!(
            "govern validate of {n} accounts failed:\n{out}{err}"
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    let v = Validation {
        accounts: n,
        ous: paths.len(),
        bytes,
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_kb: usage.ru_maxrss as u64,
    };
    println!(
        "bench: govern validate, {n} accounts, {} OUs, {:.1} MiB of org.toml: wall {}, CPU {}, peak RSS {:.0} MiB, {:.1} µs per account",
        v.ous,
        bytes as f64 / 1_048_576.0,
        secs(v.wall),
        secs(v.cpu),
        v.max_rss_kb as f64 / 1024.0,
        v.us_per_account()
    );
    Ok(v)
}

fn write_validation(dir: &Path, all: &[Validation]) -> Result<PathBuf, String> {
    let date = today();
    let runs: Vec<Value> = all
        .iter()
        .map(|v| {
            json!({
                "accounts": v.accounts, "ous": v.ous, "org_toml_bytes": v.bytes,
                "wall_seconds": v.wall.as_secs_f64(), "cpu_seconds": v.cpu.as_secs_f64(),
                "peak_rss_kib": v.max_rss_kb, "us_per_account": v.us_per_account(),
            })
        })
        .collect();
    let doc = json!({"date": date, "command": "govern validate (release build)", "runs": runs});
    let path = dir.join(format!("{date}-validate.json"));
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

// ---------------------------------------------------------------------------------------------
// One size

/// What seeding built: everything the floor and the formula need.
struct Org {
    management: String,
    ous: Vec<(String, String)>,
    /// (parent id, OUs under it, accounts under it), root first.
    parents: Vec<(String, u64, u64)>,
    members: Vec<(String, String, String)>,
    /// (id, custom, targets).
    policies: Vec<(String, bool, u64)>,
    drift_keys: usize,
    drift_contacts: usize,
}

struct Figures {
    n: usize,
    accounts_read: usize,
    ous: usize,
    latency_ms: u64,
    concurrency: usize,
    seed: Duration,
    wall: Duration,
    user: Duration,
    sys: Duration,
    max_rss_kb: u64,
    counts: BTreeMap<String, u64>,
    floor_wall: Duration,
    floor_counts: BTreeMap<String, u64>,
    formula: BTreeMap<String, u64>,
    plan_summary: Value,
    drift_keys: usize,
    drift_contacts: usize,
}

impl Figures {
    fn cpu(&self) -> Duration {
        self.user + self.sys
    }
    fn cpu_ms_per_account(&self) -> f64 {
        self.cpu().as_secs_f64() * 1000.0 / self.accounts_read as f64
    }
    fn total(&self) -> u64 {
        self.counts.values().sum()
    }
    fn formula_total(&self) -> u64 {
        self.formula.values().sum()
    }
    fn ratio(&self) -> f64 {
        self.wall.as_secs_f64() / self.floor_wall.as_secs_f64()
    }
    fn rss_mb(&self) -> f64 {
        self.max_rss_kb as f64 / 1024.0
    }
    /// Operations govern sent more often than the formula allows (or that are not in it).
    fn over_formula(&self) -> Vec<String> {
        self.counts
            .iter()
            .filter(|(op, n)| self.formula.get(*op).is_none_or(|f| *n > f))
            .map(|(op, n)| format!("{op} {n} > {}", self.formula.get(op).unwrap_or(&0)))
            .collect()
    }
    fn within_formula(&self) -> bool {
        self.over_formula().is_empty() && self.total() <= self.formula_total()
    }
    fn targets(&self) -> Vec<(String, bool)> {
        vec![
            (
                format!(
                    "requests ≤ minimal mix ({} ≤ {})",
                    self.total(),
                    self.formula_total()
                ),
                self.within_formula(),
            ),
            (
                format!("wall ≤ 1.3 × floor ({:.2}×)", self.ratio()),
                self.ratio() <= 1.3,
            ),
            (
                format!("CPU < 2 ms/account ({:.2} ms)", self.cpu_ms_per_account()),
                self.cpu_ms_per_account() < 2.0,
            ),
            (
                format!("peak RSS < 100 MB ({:.1} MB)", self.rss_mb()),
                self.rss_mb() < 100.0,
            ),
        ]
    }
}

fn one(n: usize, o: &Options, moto: &Path, govern: &Path) -> Result<Figures, String> {
    println!("\nbench: N = {n} accounts");
    let emulator = Emulator::start_with_binary(moto);
    let proxy = Proxy::start(&emulator.endpoint(), Faults::none());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
    // Seeding goes through the proxy (no latency yet) so it learns the assumed-role keys and the
    // KMS rotation periods it answers for moto.
    let cfg = runtime.block_on(proxy.sdk_config());
    let started = Instant::now();
    let org = runtime.block_on(seed(&cfg, n, SEED_CONCURRENCY))?;
    let seed_time = started.elapsed();
    println!(
        "bench: seeded {n} accounts + management, {} OUs, {} custom SCPs, {} keys and {} secrets in {:.1} s ({} keys with rotation off, {} wrong contacts)",
        org.ous.len(),
        SCPS.len(),
        (n + 1) * REGIONS.len() * KEYS,
        (n + 1) * REGIONS.len() * SECRETS,
        seed_time.as_secs_f64(),
        org.drift_keys,
        org.drift_contacts
    );

    let dir = std::env::temp_dir().join(format!("govern-bench-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scp")).map_err(|e| format!("cannot create {dir:?}: {e}"))?;
    write_org_toml(&dir, &org)?;

    let latency = Duration::from_millis(o.latency_ms);
    proxy.set_faults(Faults::none().rule(Rule::latency("*", latency)));
    proxy.reset_counts();
    println!(
        "bench: govern plan --json through the proxy (+{} ms a request, --concurrency {}) …",
        o.latency_ms, o.concurrency
    );
    let run = run_govern(govern, &dir, o.concurrency, &emulator, &proxy)?;
    let counts = proxy.counts();

    proxy.reset_counts();
    println!("bench: the floor (same mix, plain parallel client) …");
    let started = Instant::now();
    // Whatever govern sent beyond the minimal mix, the floor sends too (same operations, same counts).
    let base = formula(&org);
    let surplus: BTreeMap<String, u64> = run_counts_surplus(&counts, &base);
    runtime.block_on(floor(&cfg, &org, o.concurrency, &surplus))?;
    let floor_wall = started.elapsed();
    let floor_counts = proxy.counts();
    let _ = std::fs::remove_dir_all(&dir);

    let figures = Figures {
        n,
        accounts_read: n + 1,
        ous: org.ous.len(),
        latency_ms: o.latency_ms,
        concurrency: o.concurrency,
        seed: seed_time,
        wall: run.wall,
        user: run.user,
        sys: run.sys,
        max_rss_kb: run.max_rss_kb,
        counts,
        floor_wall,
        floor_counts,
        formula: formula(&org),
        plan_summary: run.summary,
        drift_keys: org.drift_keys,
        drift_contacts: org.drift_contacts,
    };
    println!("{}", table(std::slice::from_ref(&figures)));
    Ok(figures)
}

// ---------------------------------------------------------------------------------------------
// Seeding

fn ou_paths() -> Vec<String> {
    let mut paths = Vec::new();
    for a in 1..=FANOUT {
        paths.push(format!("ou{a}"));
    }
    for a in 1..=FANOUT {
        for b in 1..=FANOUT {
            paths.push(format!("ou{a}/ou{a}{b}"));
        }
    }
    for a in 1..=FANOUT {
        for b in 1..=FANOUT {
            for c in 1..=FANOUT {
                paths.push(format!("ou{a}/ou{a}{b}/ou{a}{b}{c}"));
            }
        }
    }
    paths
}

async fn seed(cfg: &SdkConfig, n: usize, concurrency: usize) -> Result<Org, String> {
    let seeder = Seeder::new(cfg).await;
    let org = seeder.org.clone();
    org.enable_policy_type()
        .root_id(&seeder.root_id)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .map_err(|e| sdk("EnablePolicyType", e))?;
    let management = org
        .describe_organization()
        .send()
        .await
        .map_err(|e| sdk("DescribeOrganization", e))?
        .organization()
        .and_then(|o| o.master_account_id())
        .unwrap_or_default()
        .to_string();

    let ous = seeder.ous_bulk(&ou_paths(), concurrency).await;
    let leaves: Vec<&(String, String)> = ous
        .iter()
        .filter(|(p, _)| p.matches('/').count() == 2)
        .collect();
    let specs: Vec<(String, String, String)> = (1..=n)
        .map(|i| {
            let (_, leaf) = leaves[i % leaves.len()];
            (
                format!("acct-{i:05}"),
                format!("bench+acct-{i:05}@example.com"),
                leaf.clone(),
            )
        })
        .collect();
    let ids = seeder.accounts_bulk(&specs, concurrency).await;
    let path_of: BTreeMap<&str, &str> = ous
        .iter()
        .map(|(p, id)| (id.as_str(), p.as_str()))
        .collect();
    let members: Vec<(String, String, String)> = specs
        .iter()
        .zip(&ids)
        .map(|((name, _, parent), id)| {
            (
                id.clone(),
                name.clone(),
                path_of[parent.as_str()].to_string(),
            )
        })
        .collect();

    let ou_id: BTreeMap<&str, &str> = ous
        .iter()
        .map(|(p, id)| (p.as_str(), id.as_str()))
        .collect();
    for (name, _, document, description, targets) in SCPS {
        let id = seeder.policy(name, document, description).await;
        for t in targets {
            seeder.attach(&id, ou_id[t]).await;
        }
    }

    // Inside every account (management first, index 0): contacts, keys and secrets.
    let mut everyone = vec![(management.clone(), false)];
    everyone.extend(ids.iter().map(|id| (id.clone(), true)));
    let indexed: Vec<(usize, String, bool)> = everyone
        .into_iter()
        .enumerate()
        .map(|(i, (id, member))| (i, id, member))
        .collect();
    let drift = bounded(indexed, concurrency, |(i, id, member)| {
        let cfg = cfg.clone();
        async move { seed_inside(&cfg, i, &id, member).await }
    })
    .await;
    let mut drift_keys = 0;
    let mut drift_contacts = 0;
    for d in drift {
        let (k, c) = d?;
        drift_keys += usize::from(k);
        drift_contacts += usize::from(c);
    }

    // Census of what the emulator now holds (parents' children, policy targets): the formula's inputs.
    let mut parents = Vec::new();
    let mut parent_ids = vec![seeder.root_id.clone()];
    parent_ids.extend(ous.iter().map(|(_, id)| id.clone()));
    for id in parent_ids {
        let ou_pages: Vec<_> = org
            .list_organizational_units_for_parent()
            .parent_id(&id)
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await;
        let mut n_ous = 0;
        for p in ou_pages {
            n_ous += p
                .map_err(|e| sdk("ListOrganizationalUnitsForParent", e))?
                .organizational_units()
                .len() as u64;
        }
        let acct_pages: Vec<_> = org
            .list_accounts_for_parent()
            .parent_id(&id)
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await;
        let mut n_accounts = 0;
        for p in acct_pages {
            n_accounts += p
                .map_err(|e| sdk("ListAccountsForParent", e))?
                .accounts()
                .len() as u64;
        }
        parents.push((id, n_ous, n_accounts));
    }
    let mut policies = Vec::new();
    let listed: Vec<_> = org
        .list_policies()
        .filter(PolicyType::ServiceControlPolicy)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    for page in listed {
        for p in page.map_err(|e| sdk("ListPolicies", e))?.policies() {
            let id = p.id().unwrap_or_default().to_string();
            let mut targets = 0;
            let pages: Vec<_> = org
                .list_targets_for_policy()
                .policy_id(&id)
                .into_paginator()
                .send()
                .collect::<Vec<_>>()
                .await;
            for t in pages {
                targets += t
                    .map_err(|e| sdk("ListTargetsForPolicy", e))?
                    .targets()
                    .len() as u64;
            }
            policies.push((id, !p.aws_managed(), targets));
        }
    }

    Ok(Org {
        management,
        ous,
        parents,
        members,
        policies,
        drift_keys,
        drift_contacts,
    })
}

/// Contacts, keys and secrets inside account number `i`; returns (a key left without rotation, a
/// wrong contact).
async fn seed_inside(
    cfg: &SdkConfig,
    i: usize,
    id: &str,
    member: bool,
) -> Result<(bool, bool), String> {
    let config = if member {
        assume(cfg, id, "govern-bench-seed").await?
    } else {
        cfg.clone()
    };
    let wrong_contact = i % DRIFT_EVERY == 23;
    let key_off = i % DRIFT_EVERY == 7;
    let account = aws_sdk_account::Client::new(&config);
    for (kind, name, title, email, phone) in CONTACTS {
        let email = if wrong_contact && kind == "security" {
            "old-security@example.com"
        } else {
            email
        };
        account
            .put_alternate_contact()
            .alternate_contact_type(AlternateContactType::from(
                kind.to_ascii_uppercase().as_str(),
            ))
            .name(name)
            .title(title)
            .email_address(email)
            .phone_number(phone)
            .send()
            .await
            .map_err(|e| sdk("PutAlternateContact", e))?;
    }
    for (r, region) in REGIONS.iter().enumerate() {
        let regional = in_region(&config, region);
        let kms = aws_sdk_kms::Client::new(&regional);
        for k in 0..KEYS {
            let key = kms
                .create_key()
                .description(format!("bench key {k}"))
                .send()
                .await
                .map_err(|e| sdk("CreateKey", e))?;
            let key_id = key
                .key_metadata()
                .map(|m| m.key_id().to_string())
                .unwrap_or_default();
            if key_off && r == 0 && k == 0 {
                continue;
            }
            kms.enable_key_rotation()
                .key_id(&key_id)
                .rotation_period_in_days(365)
                .send()
                .await
                .map_err(|e| sdk("EnableKeyRotation", e))?;
        }
        let sm = aws_sdk_secretsmanager::Client::new(&regional);
        for s in 0..SECRETS {
            sm.create_secret()
                .name(format!("bench/db-{s}"))
                .secret_string("never read by govern")
                .send()
                .await
                .map_err(|e| sdk("CreateSecret", e))?;
        }
    }
    Ok((key_off, wrong_contact))
}

async fn assume(cfg: &SdkConfig, account: &str, session: &str) -> Result<SdkConfig, String> {
    let sts = aws_sdk_sts::Client::new(cfg);
    let out = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/{ROLE}"))
        .role_session_name(session)
        .send()
        .await
        .map_err(|e| sdk("AssumeRole", e))?;
    let c = out
        .credentials()
        .ok_or_else(|| format!("AssumeRole into {account} returned no credentials"))?;
    let creds = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "govern-bench",
    );
    Ok(cfg
        .clone()
        .into_builder()
        .credentials_provider(SharedCredentialsProvider::new(creds))
        .build())
}

fn in_region(cfg: &SdkConfig, region: &str) -> SdkConfig {
    cfg.clone()
        .into_builder()
        .region(Region::new(region.to_string()))
        .build()
}

fn sdk(op: &str, e: impl std::error::Error) -> String {
    format!(
        "{op}: {}",
        aws_smithy_types::error::display::DisplayErrorContext(e)
    )
}

fn write_org_toml(dir: &Path, org: &Org) -> Result<(), String> {
    let mut t = String::new();
    let _ = writeln!(t, "# Written by `cargo xtask bench`.\n[organization]");
    let _ = writeln!(t, "management_account = \"{}\"", org.management);
    let _ = writeln!(t, "home_region = \"us-east-1\"\nmember_role = \"{ROLE}\"");
    let _ = writeln!(t, "allowed_regions = [\"{}\"]\n", REGIONS.join("\", \""));
    for (kind, name, title, email, phone) in CONTACTS {
        let _ = writeln!(t, "[contacts.{kind}]\nname = \"{name}\"\ntitle = \"{title}\"\nemail = \"{email}\"\nphone = \"{phone}\"");
    }
    let _ = writeln!(
        t,
        "\n[key_rotation]\nkms_rotation_period_days = 365\nsecret_max_rotation_days = 90\n"
    );
    for (name, file, document, description, _) in SCPS {
        std::fs::write(dir.join("scp").join(file), document)
            .map_err(|e| format!("cannot write {file}: {e}"))?;
        let _ = writeln!(
            t,
            "[policies.{name}]\nfile = \"scp/{file}\"\ndescription = \"{description}\""
        );
    }
    let _ = writeln!(t, "\n[root]\npolicies = [\"FullAWSAccess\"]");
    for (path, _) in &org.ous {
        let _ = writeln!(t, "[ous.\"{path}\"]");
        let attached: Vec<&str> = SCPS
            .iter()
            .filter(|s| s.4.contains(&path.as_str()))
            .map(|s| s.0)
            .collect();
        if !attached.is_empty() {
            let _ = writeln!(
                t,
                "policies = [\"FullAWSAccess\", \"{}\"]",
                attached.join("\", \"")
            );
        }
    }
    for (_, name, ou) in &org.members {
        let _ = writeln!(
            t,
            "[accounts.{name}]\nemail = \"bench+{name}@example.com\"\nou = \"{ou}\""
        );
    }
    let path = dir.join("org.toml");
    std::fs::write(&path, t).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// govern under measurement

pub(crate) struct Run {
    pub(crate) wall: Duration,
    pub(crate) user: Duration,
    pub(crate) sys: Duration,
    pub(crate) max_rss_kb: u64,
    pub(crate) summary: Value,
}

fn run_govern(
    govern: &Path,
    dir: &Path,
    concurrency: usize,
    emulator: &Emulator,
    proxy: &Proxy,
) -> Result<Run, String> {
    let args: Vec<String> = ["--concurrency", &concurrency.to_string(), "plan", "--json"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    run_args(govern, dir, &args, "plan", &|cmd| {
        proxy.configure(emulator, cmd)
    })
}

/// Runs `govern --config DIR/org.toml ARGS` in `dir` (stdout to DIR/NAME.json, stderr to
/// DIR/NAME.stderr) with `configure` setting its environment, and measures it (wait4's rusage).
pub(crate) fn run_args(
    govern: &Path,
    dir: &Path,
    args: &[String],
    name: &str,
    configure: &dyn Fn(&mut Command),
) -> Result<Run, String> {
    let out_path = dir.join(format!("{name}.json"));
    let err_path = dir.join(format!("{name}.stderr"));
    let stdout = File::create(&out_path)
        .map_err(|e| format!("cannot create {}: {e}", out_path.display()))?;
    let stderr = File::create(&err_path)
        .map_err(|e| format!("cannot create {}: {e}", err_path.display()))?;
    // GOVERN_BENCH_WRAP runs govern under a profiler, e.g. "perf record -F 999 -o /tmp/perf.data --"
    // (the CPU and RSS figures then include the profiler's own).
    let wrap: Vec<String> = std::env::var("GOVERN_BENCH_WRAP")
        .map(|w| w.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let mut cmd = match wrap.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(govern);
            c
        }
        None => Command::new(govern),
    };
    cmd.arg("--config")
        .arg(dir.join("org.toml"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr);
    configure(&mut cmd);
    let started = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", govern.display()))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; both pointers are to live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if waited != pid {
        return Err(format!(
            "wait4 on govern failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    let exited_ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    if !exited_ok {
        let err = std::fs::read_to_string(&err_path).unwrap_or_default();
        let tail: Vec<&str> = err.lines().rev().take(20).collect();
        return Err(format!(
            "govern {name} failed (wait status {status}); tail of its stderr:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    let plan: Value = std::fs::read_to_string(&out_path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    let count = |key: &str| plan.get(key).and_then(Value::as_array).map_or(0, Vec::len);
    let summary = json!({
        "summary": plan.get("summary").cloned().unwrap_or(Value::Null),
        "changes": count("changes"),
        "findings": count("findings"),
    });
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Ok(Run {
        wall,
        user: tv(usage.ru_utime),
        sys: tv(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        max_rss_kb: usage.ru_maxrss as u64,
        summary,
    })
}

// ---------------------------------------------------------------------------------------------
// The floor: the same requests from a plain client that already knows every id

enum OrgCall {
    CallerIdentity,
    DescribeOrganization,
    ListRoots,
    OusFor(String),
    AccountsFor(String),
    ListPolicies,
    DescribePolicy(String),
    Tags(String),
    Targets(String),
}

/// Per operation, how many more requests govern sent than the minimal mix.
fn run_counts_surplus(
    counts: &BTreeMap<String, u64>,
    formula: &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    counts
        .iter()
        .filter_map(|(op, n)| {
            let extra = n.saturating_sub(formula.get(op).copied().unwrap_or(0));
            (extra > 0).then(|| (op.clone(), extra))
        })
        .collect()
}

/// Member-account operations the floor can repeat inside an account.
const MEMBER_OPS: [&str; 7] = [
    "sts:AssumeRole",
    "account:GetAlternateContact",
    "account:ListRegions",
    "kms:ListKeys",
    "kms:DescribeKey",
    "kms:GetKeyRotationStatus",
    "secretsmanager:ListSecrets",
];

async fn floor(
    cfg: &SdkConfig,
    org: &Org,
    concurrency: usize,
    surplus: &BTreeMap<String, u64>,
) -> Result<(), String> {
    let orgs = aws_sdk_organizations::Client::new(cfg);
    let sts = aws_sdk_sts::Client::new(cfg);
    let mut calls = vec![
        OrgCall::CallerIdentity,
        OrgCall::DescribeOrganization,
        OrgCall::ListRoots,
        OrgCall::ListPolicies,
    ];
    // govern's surplus of Organizations calls, as single-page calls of the same operations.
    let root = org.parents[0].0.clone();
    let custom = org
        .policies
        .iter()
        .find(|p| p.1)
        .map(|p| p.0.clone())
        .unwrap_or_default();
    for (op, n) in surplus {
        for _ in 0..*n {
            calls.push(match op.as_str() {
                "sts:GetCallerIdentity" => OrgCall::CallerIdentity,
                "organizations:DescribeOrganization" => OrgCall::DescribeOrganization,
                "organizations:ListRoots" => OrgCall::ListRoots,
                "organizations:ListOrganizationalUnitsForParent" => OrgCall::OusFor(root.clone()),
                "organizations:ListAccountsForParent" => OrgCall::AccountsFor(root.clone()),
                "organizations:ListPolicies" => OrgCall::ListPolicies,
                "organizations:DescribePolicy" => OrgCall::DescribePolicy(custom.clone()),
                "organizations:ListTagsForResource" => OrgCall::Tags(custom.clone()),
                "organizations:ListTargetsForPolicy" => OrgCall::Targets(custom.clone()),
                _ => break,
            });
        }
    }
    for (id, _, _) in &org.parents {
        calls.push(OrgCall::OusFor(id.clone()));
        calls.push(OrgCall::AccountsFor(id.clone()));
    }
    for (id, custom, _) in &org.policies {
        calls.push(OrgCall::DescribePolicy(id.clone()));
        calls.push(OrgCall::Targets(id.clone()));
        if *custom {
            calls.push(OrgCall::Tags(id.clone()));
        }
    }
    let page = ORG_PAGE as i32;
    futures::stream::iter(calls.into_iter().map(|call| {
        let (orgs, sts) = (&orgs, &sts);
        async move {
            match call {
                OrgCall::CallerIdentity => sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| sdk("GetCallerIdentity", e)),
                OrgCall::DescribeOrganization => orgs
                    .describe_organization()
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| sdk("DescribeOrganization", e)),
                OrgCall::ListRoots => orgs
                    .list_roots()
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| sdk("ListRoots", e)),
                OrgCall::OusFor(id) => orgs
                    .list_organizational_units_for_parent()
                    .parent_id(id)
                    .max_results(page)
                    .into_paginator()
                    .send()
                    .try_collect()
                    .await
                    .map(drop)
                    .map_err(|e| sdk("ListOrganizationalUnitsForParent", e)),
                OrgCall::AccountsFor(id) => orgs
                    .list_accounts_for_parent()
                    .parent_id(id)
                    .max_results(page)
                    .into_paginator()
                    .send()
                    .try_collect()
                    .await
                    .map(drop)
                    .map_err(|e| sdk("ListAccountsForParent", e)),
                OrgCall::ListPolicies => orgs
                    .list_policies()
                    .filter(PolicyType::ServiceControlPolicy)
                    .max_results(page)
                    .into_paginator()
                    .send()
                    .try_collect()
                    .await
                    .map(drop)
                    .map_err(|e| sdk("ListPolicies", e)),
                OrgCall::DescribePolicy(id) => orgs
                    .describe_policy()
                    .policy_id(id)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| sdk("DescribePolicy", e)),
                OrgCall::Tags(id) => orgs
                    .list_tags_for_resource()
                    .resource_id(id)
                    .into_paginator()
                    .send()
                    .try_collect()
                    .await
                    .map(drop)
                    .map_err(|e| sdk("ListTagsForResource", e)),
                OrgCall::Targets(id) => orgs
                    .list_targets_for_policy()
                    .policy_id(id)
                    .max_results(page)
                    .into_paginator()
                    .send()
                    .try_collect()
                    .await
                    .map(drop)
                    .map_err(|e| sdk("ListTargetsForPolicy", e)),
            }
        }
    }))
    .buffer_unordered(ORG_CONCURRENCY)
    .try_collect::<Vec<()>>()
    .await?;

    let mut accounts = vec![(org.management.clone(), false)];
    accounts.extend(org.members.iter().map(|(id, _, _)| (id.clone(), true)));
    // govern's surplus of member-account calls, spread evenly over the accounts (AssumeRole over
    // the members).
    let extras: Vec<BTreeMap<&str, u64>> = (0..accounts.len())
        .map(|j| {
            MEMBER_OPS
                .iter()
                .map(|op| {
                    let total = surplus.get(*op).copied().unwrap_or(0);
                    let (share, index) = if *op == "sts:AssumeRole" {
                        (accounts.len() as u64 - 1, (j as u64).saturating_sub(1))
                    } else {
                        (accounts.len() as u64, j as u64)
                    };
                    let n = if j == 0 && *op == "sts:AssumeRole" || share == 0 {
                        0
                    } else {
                        total / share + u64::from(index < total % share)
                    };
                    (*op, n)
                })
                .collect()
        })
        .collect();
    futures::stream::iter(accounts.into_iter().zip(extras).map(
        |((id, member), extra)| async move { floor_account(cfg, &id, member, &extra).await },
    ))
    .buffer_unordered(concurrency.max(1))
    .try_collect::<Vec<()>>()
    .await?;
    Ok(())
}

/// One account's reads, one request at a time (as govern does inside an account).
async fn floor_account(
    cfg: &SdkConfig,
    id: &str,
    member: bool,
    extra: &BTreeMap<&str, u64>,
) -> Result<(), String> {
    let more = |op: &str| extra.get(op).copied().unwrap_or(0);
    let config = if member {
        assume(cfg, id, "govern-bench-floor").await?
    } else {
        cfg.clone()
    };
    for _ in 0..more("sts:AssumeRole") {
        assume(cfg, id, "govern-bench-floor").await?;
    }
    let account = aws_sdk_account::Client::new(&config);
    for _ in 0..more("account:GetAlternateContact") {
        let _ = account
            .get_alternate_contact()
            .alternate_contact_type(AlternateContactType::Security)
            .send()
            .await;
    }
    for _ in 0..more("account:ListRegions") {
        account
            .list_regions()
            .send()
            .await
            .map_err(|e| sdk("ListRegions", e))?;
    }
    for t in [
        AlternateContactType::Security,
        AlternateContactType::Operations,
        AlternateContactType::Billing,
    ] {
        match account
            .get_alternate_contact()
            .alternate_contact_type(t)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) => {}
            Err(e) => return Err(sdk("GetAlternateContact", e)),
        }
    }
    account
        .list_regions()
        .region_opt_status_contains(RegionOptStatus::Enabled)
        .region_opt_status_contains(RegionOptStatus::Enabling)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| sdk("ListRegions", e))?;
    for (r, region) in REGIONS.iter().enumerate() {
        let regional = in_region(&config, region);
        let kms = aws_sdk_kms::Client::new(&regional);
        let sm = aws_sdk_secretsmanager::Client::new(&regional);
        let pages = kms
            .list_keys()
            .limit(1000)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| sdk("ListKeys", e))?;
        if r == 0 {
            let first = pages
                .iter()
                .flat_map(|p| p.keys())
                .find_map(|k| k.key_id())
                .unwrap_or_default();
            floor_extra_regional(&kms, &sm, first, extra).await?;
        }
        for key in pages.iter().flat_map(|p| p.keys()) {
            let key_id = key.key_id().unwrap_or_default();
            let d = kms
                .describe_key()
                .key_id(key_id)
                .send()
                .await
                .map_err(|e| sdk("DescribeKey", e))?;
            let eligible = d.key_metadata().is_some_and(|m| {
                m.key_manager().is_some_and(|k| k.as_str() == "CUSTOMER")
                    && m.key_state().is_some_and(|s| s.as_str() == "Enabled")
                    && m.key_spec()
                        .is_some_and(|s| s.as_str() == "SYMMETRIC_DEFAULT")
                    && m.origin().is_some_and(|o| o.as_str() == "AWS_KMS")
            });
            if eligible {
                kms.get_key_rotation_status()
                    .key_id(key_id)
                    .send()
                    .await
                    .map_err(|e| sdk("GetKeyRotationStatus", e))?;
            }
        }
        sm.list_secrets()
            .max_results(100)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| sdk("ListSecrets", e))?;
    }
    Ok(())
}

/// govern's surplus of KMS and Secrets Manager calls in one region of an account.
async fn floor_extra_regional(
    kms: &aws_sdk_kms::Client,
    sm: &aws_sdk_secretsmanager::Client,
    key: &str,
    extra: &BTreeMap<&str, u64>,
) -> Result<(), String> {
    let more = |op: &str| extra.get(op).copied().unwrap_or(0);
    for _ in 0..more("kms:ListKeys") {
        kms.list_keys()
            .send()
            .await
            .map_err(|e| sdk("ListKeys", e))?;
    }
    for _ in 0..more("kms:DescribeKey") {
        kms.describe_key()
            .key_id(key)
            .send()
            .await
            .map_err(|e| sdk("DescribeKey", e))?;
    }
    for _ in 0..more("kms:GetKeyRotationStatus") {
        kms.get_key_rotation_status()
            .key_id(key)
            .send()
            .await
            .map_err(|e| sdk("GetKeyRotationStatus", e))?;
    }
    for _ in 0..more("secretsmanager:ListSecrets") {
        sm.list_secrets()
            .send()
            .await
            .map_err(|e| sdk("ListSecrets", e))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The minimal request mix (bench/README.md)

pub(crate) fn pages(items: u64, size: u64) -> u64 {
    items.div_ceil(size).max(1)
}

fn formula(org: &Org) -> BTreeMap<String, u64> {
    let a = org.members.len() as u64 + 1;
    let r = REGIONS.len() as u64;
    let k = KEYS as u64;
    let s = SECRETS as u64;
    let custom = org.policies.iter().filter(|p| p.1).count() as u64;
    let all_policies = org.policies.len() as u64;
    let mut f = BTreeMap::new();
    let mut put = |op: &str, n: u64| {
        f.insert(op.to_string(), n);
    };
    put("sts:GetCallerIdentity", 1);
    put("organizations:DescribeOrganization", 1);
    put("organizations:ListRoots", 1);
    put(
        "organizations:ListOrganizationalUnitsForParent",
        org.parents.iter().map(|p| pages(p.1, ORG_PAGE)).sum(),
    );
    put(
        "organizations:ListAccountsForParent",
        org.parents.iter().map(|p| pages(p.2, ORG_PAGE)).sum(),
    );
    put("organizations:ListPolicies", pages(all_policies, ORG_PAGE));
    put("organizations:DescribePolicy", all_policies);
    put("organizations:ListTagsForResource", custom);
    put(
        "organizations:ListTargetsForPolicy",
        org.policies.iter().map(|p| pages(p.2, ORG_PAGE)).sum(),
    );
    put("sts:AssumeRole", a - 1);
    put("account:GetAlternateContact", CONTACTS.len() as u64 * a);
    put("account:ListRegions", a);
    put("kms:ListKeys", a * r * pages(k, 1000));
    put("kms:DescribeKey", a * r * k);
    put("kms:GetKeyRotationStatus", a * r * k);
    put("secretsmanager:ListSecrets", a * r * pages(s, 100));
    f
}

// ---------------------------------------------------------------------------------------------
// Output

pub(crate) fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

pub(crate) fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

fn table(all: &[Figures]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "| N | wall | floor | wall/floor | CPU (user+sys) | CPU/account | peak RSS | requests | minimal mix | floor mix same |");
    let _ = writeln!(t, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|");
    for f in all {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {:.2}× | {} ({} + {}) | {:.2} ms | {:.1} MB | {} | {} | {} |",
            f.n,
            secs(f.wall),
            secs(f.floor_wall),
            f.ratio(),
            secs(f.cpu()),
            secs(f.user),
            secs(f.sys),
            f.cpu_ms_per_account(),
            f.rss_mb(),
            f.total(),
            f.formula_total(),
            if f.counts == f.floor_counts {
                "yes"
            } else {
                "no"
            }
        );
    }
    for f in all {
        let _ = write!(t, "\nN = {}:", f.n);
        for (target, ok) in f.targets() {
            let _ = write!(t, " {target}: {};", met(ok));
        }
        t.push('\n');
    }
    t
}

pub(crate) fn today() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn write_results(dir: &Path, f: &Figures) -> Result<(PathBuf, PathBuf), String> {
    let date = today();
    let targets: Vec<Value> = f
        .targets()
        .into_iter()
        .map(|(t, ok)| json!({"target": t, "met": ok}))
        .collect();
    let doc = json!({
        "date": date,
        "accounts": f.n,
        "accounts_read": f.accounts_read,
        "shape": {
            "ous": f.ous, "regions": REGIONS, "keys_per_account_region": KEYS,
            "secrets_per_account_region": SECRETS, "custom_scps": SCPS.len(),
            "drift": {"keys_rotation_off": f.drift_keys, "wrong_contacts": f.drift_contacts},
        },
        "latency_ms": f.latency_ms,
        "concurrency": f.concurrency,
        "seed_seconds": f.seed.as_secs_f64(),
        "wall_seconds": f.wall.as_secs_f64(),
        "cpu_seconds": {"user": f.user.as_secs_f64(), "sys": f.sys.as_secs_f64(), "total": f.cpu().as_secs_f64()},
        "cpu_ms_per_account": f.cpu_ms_per_account(),
        "peak_rss_kib": f.max_rss_kb,
        "requests": {"by_operation": f.counts, "total": f.total()},
        "minimal_mix": {"by_operation": f.formula, "total": f.formula_total(), "within": f.within_formula(), "over": f.over_formula()},
        "floor": {"wall_seconds": f.floor_wall.as_secs_f64(), "same_mix": f.counts == f.floor_counts, "by_operation": f.floor_counts},
        "wall_over_floor": f.ratio(),
        "plan": f.plan_summary,
        "targets": targets,
    });
    let json_path = dir.join(format!("{date}-{}.json", f.n));
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&json_path, text)
        .map_err(|e| format!("cannot write {}: {e}", json_path.display()))?;

    let mut md = format!(
        "# govern plan benchmark, {date}, N = {}\n\n{} member accounts + the management account, {} OUs (3 levels), {} custom SCPs; in {} : {KEYS} KMS keys and {SECRETS} secrets per account-region; drift: {} keys with rotation off, {} wrong contacts. +{} ms on every request through the proxy, --concurrency {}. Seeding took {}.\n\n",
        f.n, f.n, f.ous, SCPS.len(), REGIONS.join(", "), f.drift_keys, f.drift_contacts, f.latency_ms, f.concurrency, secs(f.seed)
    );
    md.push_str(&table(std::slice::from_ref(f)));
    md.push_str("\n| operation | govern | minimal mix | floor |\n|---|---:|---:|---:|\n");
    let mut ops: Vec<&String> = f.counts.keys().chain(f.formula.keys()).collect();
    ops.sort();
    ops.dedup();
    for op in ops {
        let get = |m: &BTreeMap<String, u64>| m.get(op).copied().unwrap_or(0);
        let _ = writeln!(
            md,
            "| {op} | {} | {} | {} |",
            get(&f.counts),
            get(&f.formula),
            get(&f.floor_counts)
        );
    }
    let _ = writeln!(
        md,
        "| **total** | {} | {} | {} |",
        f.total(),
        f.formula_total(),
        f.floor_counts.values().sum::<u64>()
    );
    let _ = writeln!(md, "\nPlan: {}", f.plan_summary);
    let md_path = dir.join(format!("{date}-{}.md", f.n));
    std::fs::write(&md_path, md).map_err(|e| format!("cannot write {}: {e}", md_path.display()))?;
    Ok((json_path, md_path))
}

// ---------------------------------------------------------------------------------------------
// Golden outputs of the bench organization

/// `cargo xtask golden-bench OUT [N]`: seeds the bench organization of N accounts (100) one request
/// at a time on a seeded emulator, so its ids are the same on every run, and writes what govern
/// prints and writes for it into OUT: `plan.json`, `drift.json`, `controls.json` and `import/`.
/// Run it on two commits and `diff -r` the two directories: how issue 12's redesign was shown to
/// change no output at 100 accounts (the suite keeps the smaller golden organizations).
pub fn golden(args: &[String]) -> Result<i32, String> {
    let out = PathBuf::from(
        args.first()
            .ok_or("usage: cargo xtask golden-bench OUT [N]")?,
    );
    let n: usize = match args.get(1) {
        Some(n) => n.parse().map_err(|_| format!("N must be a number: {n}"))?,
        None => 100,
    };
    let root = crate::repo_root();
    let moto = crate::ensure_emulator(&root)?;
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--bin", "govern"])
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("`cargo build --bin govern` failed (see above)".into());
    }
    let govern = crate::target_dir(&root)
        .join("debug")
        .join(format!("govern{}", std::env::consts::EXE_SUFFIX));
    let emulator = Emulator::start_with_binary(&moto);
    emulator.seed_ids(100);
    let proxy = Proxy::start(&emulator.endpoint(), Faults::none());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
    let cfg = runtime.block_on(proxy.sdk_config());
    let org = runtime.block_on(seed(&cfg, n, 1))?;
    let dir = std::env::temp_dir().join(format!("govern-golden-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scp")).map_err(|e| format!("cannot create {dir:?}: {e}"))?;
    write_org_toml(&dir, &org)?;
    std::fs::create_dir_all(out.join("import"))
        .map_err(|e| format!("cannot create {out:?}: {e}"))?;
    let shown = dir.display().to_string();
    let run = |args: &[&str]| -> Result<String, String> {
        let mut cmd = Command::new(&govern);
        cmd.arg("--config")
            .arg(dir.join("org.toml"))
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        proxy.configure(&emulator, &mut cmd);
        let o = cmd
            .output()
            .map_err(|e| format!("cannot run govern: {e}"))?;
        Ok(String::from_utf8_lossy(&o.stdout).replace(&shown, "<dir>"))
    };
    let write = |name: &str, text: &str| {
        std::fs::write(out.join(name), govern_testkit::untimed(text))
            .map_err(|e| format!("cannot write {name}: {e}"))
    };
    write("plan.json", &run(&["plan", "--json"])?)?;
    write("plan.txt", &run(&["plan"])?)?;
    write("drift.json", &run(&["drift", "--format", "json"])?)?;
    let bundle = dir.join("bundle");
    run(&["evidence", "--out", bundle.to_str().unwrap_or_default()])?;
    let controls = std::fs::read_to_string(bundle.join("controls.json"))
        .map_err(|e| format!("no controls.json: {e}"))?;
    write("controls.json", &controls.replace(&shown, "<dir>"))?;
    let imported = dir.join("imported");
    std::fs::create_dir_all(imported.join("x")).ok();
    run(&[
        "import",
        "--out",
        imported.join("org.toml").to_str().unwrap_or_default(),
    ])?;
    let text = std::fs::read_to_string(imported.join("org.toml"))
        .map_err(|e| format!("import wrote no org.toml: {e}"))?;
    write("import/org.toml", &text)?;
    println!("golden-bench: {n} accounts; outputs in {}", out.display());
    let _ = std::fs::remove_dir_all(&dir);
    Ok(0)
}
