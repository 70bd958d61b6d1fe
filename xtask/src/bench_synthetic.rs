//! `cargo xtask bench --synthetic 1000,10000,50000`: the release-built `govern plan --json` against
//! the synthetic AWS (`govern_testkit::synthetic`) at organization scale, under AWS's published
//! quotas and a log-normal latency. Figures, never assertions: each target is printed as met or
//! MISSED. See bench/README.md.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use govern_testkit::synthetic::{Latency, Options, Org, Quotas, Rate, Shape, Synthetic};
use serde_json::{json, Value};

use crate::bench::{met, pages, run_args, secs, today};

const HELP: &str = "\
cargo xtask bench --synthetic 1000,10000[,50000] [--latency-ms 40] [--concurrency auto|N]
                  [--keys 1] [--secrets 1] [--org-rate 20] [--pace-org]
                  [--shards 4,16] [--shards-each 4]

For each N: start the synthetic AWS with an organization of N member accounts (N/25 OUs up to
2,000 in 5 levels, an SCP per level, the 17 default Regions allowed, per account and Region
--keys KMS keys and --secrets secrets, drift in about one account in 40), AWS's quotas (Organizations:
--org-rate requests a second, an assumption) and log-normal latency (median --latency-ms, 0 for
none); run the release-built `govern plan --json` on it and report wall time, requests by operation
against the minimal mix, throttling answers (and any that reached the user), CPU per request, peak
RSS and the quota floor. --pace-org tells govern the assumed Organizations rate
(--api-limit organizations:*=RATE/s); without it govern paces Organizations by requests in flight
only, as it does by default. With --shards, also, for each N: `govern drift organization` once,
then the N processes `govern drift --shard I/N --organization FILE` at once against the same server
(shared quotas), merged with `govern drift merge` and compared with the unsharded plan; with
--shards-each, the same with every shard reading the organization itself. Writes
bench/results/<date>-synthetic-<N>.{json,md}.
";

struct Opts {
    sizes: Vec<u32>,
    latency_ms: u64,
    /// govern's `--concurrency`: `auto` (govern's default) or a number.
    concurrency: String,
    keys: u32,
    secrets: u32,
    org_rate: f64,
    /// Pass `--api-limit organizations:*=RATE/s` to govern (the assumed rate, told by hand).
    pace_org: bool,
    shards: Vec<u32>,
    shards_each: Vec<u32>,
}

fn parse(args: &[String]) -> Result<Option<Opts>, String> {
    let mut o = Opts {
        sizes: Vec::new(),
        latency_ms: 40,
        concurrency: "auto".into(),
        keys: 1,
        secrets: 1,
        org_rate: 20.0,
        pace_org: false,
        shards: Vec::new(),
        shards_each: Vec::new(),
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
        if flag == "--pace-org" {
            o.pace_org = true;
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
                .parse::<u64>()
                .map_err(|_| format!("{flag}: {v:?} is not a whole number"))
        };
        let list = |v: String| -> Result<Vec<u32>, String> {
            v.split(',')
                .map(|n| {
                    number(n).and_then(|n| {
                        u32::try_from(n)
                            .ok()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| format!("{flag}: {n} is out of range"))
                    })
                })
                .collect()
        };
        match flag {
            "--synthetic" => o.sizes = list(value()?)?,
            "--shards" => o.shards = list(value()?)?,
            "--shards-each" => o.shards_each = list(value()?)?,
            "--latency-ms" => o.latency_ms = number(&value()?)?,
            "--concurrency" => {
                let v = value()?;
                if v != "auto" {
                    number(&v)?;
                }
                o.concurrency = v
            }
            "--keys" => o.keys = number(&value()?)? as u32,
            "--secrets" => o.secrets = number(&value()?)? as u32,
            "--org-rate" => {
                o.org_rate = value()?
                    .parse::<f64>()
                    .ok()
                    .filter(|r| *r > 0.0)
                    .ok_or("--org-rate: a positive number of requests a second")?
            }
            _ => {
                return Err(format!(
                    "bench --synthetic: unknown argument {arg:?}\n\n{HELP}"
                ))
            }
        }
    }
    if o.sizes.iter().any(|n| *n > 50_000) {
        return Err("--synthetic: at most 50,000 accounts".into());
    }
    Ok(Some(o))
}

pub fn run(args: &[String], govern: &Path, out_dir: &Path) -> Result<i32, String> {
    let Some(o) = parse(args)? else {
        print!("{HELP}");
        return Ok(0);
    };
    let mut rows = Vec::new();
    for &n in &o.sizes {
        let f = one(n, &o, govern)?;
        let (json_path, md_path) = write(out_dir, &f)?;
        println!(
            "bench: wrote {} and {}",
            json_path.display(),
            md_path.display()
        );
        println!("{}", f.markdown());
        rows.push(f);
    }
    println!("\n{}", table(&rows));
    Ok(0)
}

/// The minimal request mix of a plan of `org` (as src/discover documents it): every list paged at
/// its maximum size, one AssumeRole per member, the declared contacts, and per account and allowed
/// Region ListKeys, DescribeKey and GetKeyRotationStatus per key, and ListSecrets.
pub fn formula(org: &Org) -> BTreeMap<String, u64> {
    let s = &org.shape;
    let a = u64::from(s.accounts) + 1;
    let r = s.regions.len() as u64;
    let parents: Vec<Option<u32>> = std::iter::once(None).chain((0..s.ous).map(Some)).collect();
    let mut f = BTreeMap::new();
    let mut put = |op: &str, n: u64| {
        f.insert(op.to_string(), n);
    };
    put("sts:GetCallerIdentity", 1);
    put("organizations:DescribeOrganization", 1);
    put("organizations:ListRoots", 1);
    put(
        "organizations:ListOrganizationalUnitsForParent",
        parents
            .iter()
            .map(|p| pages(org.ous_under(*p).len() as u64, 20))
            .sum(),
    );
    put(
        "organizations:ListAccountsForParent",
        parents
            .iter()
            .map(|p| pages(org.accounts_under(*p).len(), 20))
            .sum(),
    );
    let policies = org.policies().len() as u64;
    put("organizations:ListPolicies", pages(policies, 20));
    put("organizations:DescribePolicy", policies);
    put("organizations:ListTagsForResource", policies - 1);
    put(
        "organizations:ListTargetsForPolicy",
        org.policies().map(|p| pages(org.target_count(p), 20)).sum(),
    );
    put("sts:AssumeRole", a - 1);
    put("account:GetAlternateContact", 3 * a);
    put("account:ListRegions", a);
    put("kms:ListKeys", a * r * pages(u64::from(s.keys), 1000));
    put("kms:DescribeKey", a * r * u64::from(s.keys));
    put("kms:GetKeyRotationStatus", a * r * u64::from(s.keys));
    put(
        "secretsmanager:ListSecrets",
        a * r * pages(u64::from(s.secrets), 100),
    );
    f.retain(|_, n| *n > 0);
    f
}

struct Figures {
    n: u32,
    shape: Shape,
    latency_ms: u64,
    concurrency: String,
    org_rate: f64,
    wall: Duration,
    user: Duration,
    sys: Duration,
    max_rss_kb: u64,
    counts: BTreeMap<String, u64>,
    formula: BTreeMap<String, u64>,
    throttled: BTreeMap<String, u64>,
    surfaced: u64,
    floor: govern_testkit::synthetic::Floor,
    spans: BTreeMap<String, Duration>,
    full_access_pages: u64,
    summary: Value,
    shards: Vec<ShardRun>,
    /// Why govern plan failed, if it did.
    error: Option<String>,
    pace_org: bool,
}

struct ShardRun {
    /// Why a shard failed, if one did (the first).
    failed: Option<String>,
    n: u32,
    /// The shards started from one `govern drift organization` snapshot.
    shared: bool,
    /// How long the snapshot took (inside `wall`).
    snapshot: Option<Duration>,
    wall: Duration,
    requests: u64,
    org_requests: u64,
    throttled: u64,
    same: bool,
}

impl Figures {
    fn total(&self) -> u64 {
        self.counts.values().sum()
    }
    fn formula_total(&self) -> u64 {
        self.formula.values().sum()
    }
    fn cpu(&self) -> Duration {
        self.user + self.sys
    }
    fn cpu_ms_per_request(&self) -> f64 {
        self.cpu().as_secs_f64() * 1000.0 / self.total().max(1) as f64
    }
    fn ratio(&self) -> f64 {
        self.wall.as_secs_f64() / self.floor.seconds.max(1e-9)
    }
    fn rss_mib(&self) -> f64 {
        self.max_rss_kb as f64 / 1024.0
    }
    fn targets(&self) -> Vec<(String, bool)> {
        vec![
            (
                match &self.error {
                    None => "govern plan completed".to_string(),
                    Some(e) => {
                        format!("govern plan completed ({})", e.lines().last().unwrap_or(""))
                    }
                },
                self.error.is_none(),
            ),
            (
                format!(
                    "wall ≤ 1.2 × quota floor ({} / {} = {:.2}×)",
                    secs(self.wall),
                    secs(Duration::from_secs_f64(self.floor.seconds)),
                    self.ratio()
                ),
                self.ratio() <= 1.2,
            ),
            (
                format!("peak RSS ≤ 1 GiB ({:.1} MiB)", self.rss_mib()),
                self.rss_mib() <= 1024.0,
            ),
            (
                format!(
                    "CPU ≤ 0.2 ms a request ({:.3} ms)",
                    self.cpu_ms_per_request()
                ),
                self.cpu_ms_per_request() <= 0.2,
            ),
            (
                format!(
                    "requests = the minimal mix ({} vs {})",
                    self.total(),
                    self.formula_total()
                ),
                self.counts == self.formula,
            ),
            (
                format!(
                    "0 throttling errors reach the user ({} throttled, {} surfaced)",
                    self.throttled.values().sum::<u64>(),
                    self.surfaced
                ),
                self.surfaced == 0,
            ),
        ]
    }

    fn markdown(&self) -> String {
        let s = &self.shape;
        let mut md = format!(
            "# govern plan on the synthetic AWS, {}, N = {}\n\n{} member accounts + the management account, {} OUs in {} levels, {} SCPs (FullAWSAccess on every root, OU and account, and one guard a level); {} allowed Regions with {} KMS key(s) and {} secret(s) each per account; drift in about one account in {}. Latency log-normal, median {} ms (sigma 0.6); quotas: AWS's published ones, Organizations {} requests/s (assumed); --concurrency {}{}.\n\n",
            today(), self.n, self.n, s.ous, s.levels, s.levels + 2, s.regions.len(), s.keys, s.secrets, s.drift_every, self.latency_ms, self.org_rate, self.concurrency,
            if self.pace_org { format!(", --api-limit organizations:*={}/s", self.org_rate) } else { String::new() }
        );
        if let Some(e) = &self.error {
            let _ = writeln!(md, "**govern plan failed**:\n\n```\n{e}\n```\n");
        }
        let _ = writeln!(md, "| figure | value |\n|---|---:|");
        let _ = writeln!(md, "| wall | {} |", secs(self.wall));
        let _ = writeln!(
            md,
            "| quota floor | {} ({}) |",
            secs(Duration::from_secs_f64(self.floor.seconds)),
            self.floor
                .bucket
                .as_ref()
                .map(|(a, r, op, n)| format!("{n} requests of {op} by {a} in {r}"))
                .unwrap_or_default()
        );
        for (service, d) in &self.spans {
            let _ = writeln!(
                md,
                "| {service} span (first to last request) | {} |",
                secs(*d)
            );
        }
        let _ = writeln!(
            md,
            "| FullAWSAccess target pages (one sequential chain) | {} (≈ {} at the median latency alone) |",
            self.full_access_pages,
            secs(Duration::from_millis(self.latency_ms) * self.full_access_pages as u32)
        );
        let _ = writeln!(
            md,
            "| CPU (user + sys) | {} ({} + {}) |",
            secs(self.cpu()),
            secs(self.user),
            secs(self.sys)
        );
        let _ = writeln!(
            md,
            "| CPU a request | {:.3} ms |",
            self.cpu_ms_per_request()
        );
        let _ = writeln!(md, "| peak RSS | {:.1} MiB |", self.rss_mib());
        let _ = writeln!(
            md,
            "| requests (minimal mix) | {} ({}) |",
            self.total(),
            self.formula_total()
        );
        let _ = writeln!(
            md,
            "| throttling answers (reached the user) | {} ({}) |",
            self.throttled.values().sum::<u64>(),
            self.surfaced
        );
        let _ = writeln!(md, "\nTargets:");
        for (t, ok) in self.targets() {
            let _ = writeln!(md, "- {t}: {}", met(ok));
        }
        let _ = writeln!(
            md,
            "\n| operation | govern | minimal mix | throttled |\n|---|---:|---:|---:|"
        );
        let mut ops: Vec<&String> = self.counts.keys().chain(self.formula.keys()).collect();
        ops.sort();
        ops.dedup();
        for op in ops {
            let get = |m: &BTreeMap<String, u64>| m.get(op).copied().unwrap_or(0);
            let _ = writeln!(
                md,
                "| {op} | {} | {} | {} |",
                get(&self.counts),
                get(&self.formula),
                get(&self.throttled)
            );
        }
        if !self.shards.is_empty() {
            let _ = writeln!(
                md,
                "\n`govern drift --shard I/N`, all N at once on this machine against one server (shared quotas), merged with `govern drift merge`; the unsharded row is `govern plan` above:\n\n| shards | organization read | wall (of it the snapshot) | requests | of them Organizations | throttled | merged = unsharded plan |\n|---:|:---|---:|---:|---:|---:|:---:|"
            );
            let _ = writeln!(
                md,
                "| 1 | by the one run | {} | {} | {} | {} | — |",
                secs(self.wall),
                self.total(),
                self.counts
                    .iter()
                    .filter(|(k, _)| k.starts_with("organizations:"))
                    .map(|(_, v)| v)
                    .sum::<u64>(),
                self.throttled.values().sum::<u64>()
            );
            for r in &self.shards {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    r.n,
                    if r.shared {
                        "once, `drift organization`"
                    } else {
                        "by every shard"
                    },
                    match r.snapshot {
                        Some(s) => format!("{} ({})", secs(r.wall), secs(s)),
                        None => secs(r.wall),
                    },
                    r.requests,
                    r.org_requests,
                    r.throttled,
                    match (&r.failed, r.same) {
                        (Some(why), _) => format!("NO: {why}"),
                        (None, true) => "yes".into(),
                        (None, false) => "NO".into(),
                    }
                );
            }
        }
        let _ = writeln!(md, "\nPlan: {}", self.summary);
        md
    }
}

fn one(n: u32, o: &Opts, govern: &Path) -> Result<Figures, String> {
    let shape = Shape {
        keys: o.keys,
        secrets: o.secrets,
        ..Shape::large(n)
    };
    let options = Options {
        quotas: Quotas::aws().set(
            "organizations:*",
            Rate {
                per_second: o.org_rate,
                burst: o.org_rate * 2.0,
            },
        ),
        latency: if o.latency_ms == 0 {
            Latency::none()
        } else {
            Latency {
                median: Duration::from_millis(o.latency_ms),
                ..Latency::aws()
            }
        },
        workers: 2,
    };
    let started = std::time::Instant::now();
    let server = Synthetic::start(shape.clone(), options);
    let dir = tempfile_dir(n)?;
    server
        .org()
        .write_config(&dir)
        .map_err(|e| format!("cannot write the org.toml: {e}"))?;
    println!(
        "bench: N = {n}: server and org.toml ready in {}; running govern plan …",
        secs(started.elapsed())
    );
    let args: Vec<String> = [
        "--concurrency",
        &o.concurrency.to_string(),
        "plan",
        "--json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut args = args;
    let plan_started = std::time::Instant::now();
    if o.pace_org {
        args.splice(
            0..0,
            [
                "--api-limit".to_string(),
                format!("organizations:*={}/s", o.org_rate),
            ],
        );
    }
    let (run, error) = match run_args(govern, &dir, &args, "plan", &|cmd: &mut Command| {
        server.configure(cmd)
    }) {
        Ok(run) => (run, None),
        // A failed plan is a figure too (a throttle that reached the user, say), not the end.
        Err(e) => (
            crate::bench::Run {
                wall: plan_started.elapsed(),
                user: Duration::ZERO,
                sys: Duration::ZERO,
                max_rss_kb: 0,
                summary: Value::Null,
            },
            Some(e),
        ),
    };
    let counts = server.counts();
    let throttled = server.throttled();
    let floor = server.floor();
    let spans = server.spans();
    // A throttle that reached the user: in the plan (an unread part) or on stderr.
    let plan = std::fs::read_to_string(dir.join("plan.json")).unwrap_or_default();
    let stderr = std::fs::read_to_string(dir.join("plan.stderr")).unwrap_or_default();
    let surfaced = ["TooManyRequests", "Throttling", "Rate exceeded"]
        .iter()
        .map(|w| (plan.matches(w).count() + stderr.matches(w).count()) as u64)
        .sum::<u64>()
        + u64::from(error.is_some());
    let formula = formula(server.org());
    let full_access_pages = pages(server.org().target_count(0), 20);
    let mut shard_runs = Vec::new();
    if !o.shards.is_empty() || !o.shards_each.is_empty() {
        shard_runs = shards(&server, &dir, govern, o)?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Figures {
        n,
        shape,
        latency_ms: o.latency_ms,
        concurrency: o.concurrency.clone(),
        org_rate: o.org_rate,
        wall: run.wall,
        user: run.user,
        sys: run.sys,
        max_rss_kb: run.max_rss_kb,
        counts,
        formula,
        throttled,
        surfaced,
        floor,
        spans,
        full_access_pages,
        summary: run.summary,
        shards: shard_runs,
        error,
        pace_org: o.pace_org,
    })
}

fn tempfile_dir(n: u32) -> Result<std::path::PathBuf, String> {
    let dir =
        std::env::temp_dir().join(format!("govern-bench-synthetic-{n}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// For each N in `--shards`: `govern drift organization` once, then all N `govern drift --shard
/// I/N --organization FILE` processes at once against the same server (sharing its quotas, as
/// shards share AWS's); for each N in `--shards-each`, the same with every shard reading the
/// organization itself. Each run's shards are merged with `govern drift merge` and the merged
/// plan must equal the unsharded `govern plan --json` just run (drift is the plan engine; its
/// report carries the same plan document), so no separate unsharded drift is needed.
fn shards(
    server: &Synthetic,
    dir: &Path,
    govern: &Path,
    o: &Opts,
) -> Result<Vec<ShardRun>, String> {
    let conc = o.concurrency.to_string();
    let whole = normalise_plan(
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap_or_default())
            .unwrap_or(Value::Null),
    );
    let snapshot = dir.join("organization.json");
    let runs = o
        .shards
        .iter()
        .map(|n| (*n, true))
        .chain(o.shards_each.iter().map(|n| (*n, false)));
    let mut out = Vec::new();
    for (n, shared) in runs {
        println!(
            "bench: {n} shard(s) at once, {} …",
            if shared {
                "from one organization snapshot"
            } else {
                "each reading the organization"
            }
        );
        server.reset();
        let started = std::time::Instant::now();
        let mut snapshot_wall = None;
        if shared {
            let args: Vec<String> = [
                "drift",
                "organization",
                "--output",
                &snapshot.display().to_string(),
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            run_args(govern, dir, &args, "snapshot", &|cmd: &mut Command| {
                server.configure(cmd)
            })?;
            snapshot_wall = Some(started.elapsed());
        }
        let children: Vec<_> = (1..=n)
            .map(|i| {
                let mut cmd = Command::new(govern);
                cmd.arg("--config").arg(dir.join("org.toml")).args([
                    "--concurrency",
                    &conc,
                    "--shard",
                    &format!("{i}/{n}"),
                    "drift",
                    "--format",
                    "json",
                ]);
                if shared {
                    cmd.arg("--organization").arg(&snapshot);
                }
                cmd.current_dir(dir)
                    .stdin(std::process::Stdio::null())
                    .stdout(
                        std::fs::File::create(dir.join(format!("shard-{i}-{n}.json")))
                            .map_err(|e| e.to_string())?,
                    )
                    .stderr(
                        std::fs::File::create(dir.join(format!("shard-{i}-{n}.stderr")))
                            .map_err(|e| e.to_string())?,
                    );
                server.configure(&mut cmd);
                cmd.spawn().map_err(|e| format!("cannot run govern: {e}"))
            })
            .collect::<Result<_, String>>()?;
        // A failed shard is a figure too (a throttle that reached the user, say), not the end.
        let mut failed = None;
        for (i, mut c) in children.into_iter().enumerate() {
            let status = c.wait().map_err(|e| e.to_string())?;
            // drift exits 2 when there is drift: that is its answer, not a failure.
            if !matches!(status.code(), Some(0 | 2)) && failed.is_none() {
                let stderr =
                    std::fs::read_to_string(dir.join(format!("shard-{}-{n}.stderr", i + 1)))
                        .unwrap_or_default();
                let why = stderr
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or("no message")
                    .to_string();
                failed = Some(format!("shard {}/{n} exited {status}: {why}", i + 1));
            }
        }
        let wall = started.elapsed();
        let counts = server.counts();
        let mut merge = Command::new(govern);
        merge.args(["drift", "merge", "--format", "json"]);
        for i in 1..=n {
            merge.arg(dir.join(format!("shard-{i}-{n}.json")));
        }
        let merged = merge
            .current_dir(dir)
            .output()
            .map_err(|e| format!("cannot run the merge: {e}"))?;
        let merged: Value = serde_json::from_slice(&merged.stdout).unwrap_or(Value::Null);
        let same = whole != Value::Null && normalise_plan(merged["plan"].clone()) == whole;
        out.push(ShardRun {
            failed,
            n,
            shared,
            snapshot: snapshot_wall,
            wall,
            requests: counts.values().sum(),
            org_requests: counts
                .iter()
                .filter(|(k, _)| k.starts_with("organizations:"))
                .map(|(_, v)| v)
                .sum(),
            throttled: server.throttled().values().sum(),
            same,
        });
    }
    Ok(out)
}

/// A plan document with its lists in one order (shards' parts are concatenated by the merge, one
/// job lists them as it planned them), and its Region opt-ins as one list of addresses: AWS runs
/// 50 of them at once per organization, one job plans the first 50 of the organization and each
/// shard the first of its share (src: plan/shard.rs), so which are planned and which deferred
/// differs by design; the set of Regions to change must not.
fn normalise_plan(mut v: Value) -> Value {
    let is_region = |item: &Value| {
        item["address"]
            .as_str()
            .is_some_and(|a| a.contains("/region:"))
    };
    let mut opt_ins: Vec<String> = Vec::new();
    for key in ["changes", "findings"] {
        if let Some(list) = v.get_mut(key).and_then(Value::as_array_mut) {
            list.retain(|item| {
                let deferred = key == "changes"
                    || item["message"].as_str().is_some_and(|m| {
                        m.contains("Region opt-in changes at once per organization")
                    });
                if is_region(item) && deferred {
                    opt_ins.push(item["address"].as_str().unwrap_or_default().to_string());
                    return false;
                }
                true
            });
        }
    }
    opt_ins.sort();
    if let Some(o) = v.as_object_mut() {
        // Its counts move with the split above.
        o.remove("summary");
        o.insert("region_opt_ins".into(), Value::from(opt_ins));
    }
    for key in ["changes", "unmanaged", "conflicts", "findings"] {
        if let Some(list) = v.get_mut(key).and_then(Value::as_array_mut) {
            list.sort_by_cached_key(|item| item.to_string());
        }
    }
    v
}

fn table(all: &[Figures]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "| N | wall | quota floor | wall/floor | organizations span | CPU/request | peak RSS | requests | minimal mix | throttled (surfaced) |");
    let _ = writeln!(t, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for f in all {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {:.2}× | {} | {:.3} ms | {:.1} MiB | {} | {} | {} ({}) |",
            f.n,
            secs(f.wall),
            secs(Duration::from_secs_f64(f.floor.seconds)),
            f.ratio(),
            f.spans
                .get("organizations")
                .map(|d| secs(*d))
                .unwrap_or_default(),
            f.cpu_ms_per_request(),
            f.rss_mib(),
            f.total(),
            f.formula_total(),
            f.throttled.values().sum::<u64>(),
            f.surfaced
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

fn write(dir: &Path, f: &Figures) -> Result<(std::path::PathBuf, std::path::PathBuf), String> {
    let date = today();
    let targets: Vec<Value> = f
        .targets()
        .into_iter()
        .map(|(t, ok)| json!({"target": t, "met": ok}))
        .collect();
    let doc = json!({
        "date": date,
        "server": "synthetic",
        "accounts": f.n,
        "shape": {"ous": f.shape.ous, "levels": f.shape.levels, "regions": f.shape.regions.len(),
                  "keys_per_account_region": f.shape.keys, "secrets_per_account_region": f.shape.secrets,
                  "drift_every": f.shape.drift_every, "seed": f.shape.seed},
        "latency_median_ms": f.latency_ms,
        "organizations_rate_assumed": f.org_rate,
        "concurrency": f.concurrency,
        "wall_seconds": f.wall.as_secs_f64(),
        "quota_floor": {"seconds": f.floor.seconds, "bucket": f.floor.bucket},
        "spans_seconds": f.spans.iter().map(|(k, v)| (k.clone(), v.as_secs_f64())).collect::<BTreeMap<_, _>>(),
        "full_access_target_pages": f.full_access_pages,
        "cpu_seconds": {"user": f.user.as_secs_f64(), "sys": f.sys.as_secs_f64()},
        "cpu_ms_per_request": f.cpu_ms_per_request(),
        "peak_rss_kib": f.max_rss_kb,
        "requests": {"by_operation": f.counts, "total": f.total()},
        "minimal_mix": {"by_operation": f.formula, "total": f.formula_total()},
        "throttled": {"by_operation": f.throttled, "surfaced": f.surfaced},
        "shards": f.shards.iter().map(|r| json!({"n": r.n, "organization_snapshot": r.shared, "snapshot_seconds": r.snapshot.map(|d| d.as_secs_f64()), "wall_seconds": r.wall.as_secs_f64(), "requests": r.requests, "organizations_requests": r.org_requests, "throttled": r.throttled, "merged_equals_unsharded_plan": r.same, "failed": r.failed})).collect::<Vec<_>>(),
        "plan": f.summary,
        "error": f.error,
        "pace_org": f.pace_org,
        "targets": targets,
    });
    let paced = if f.pace_org { "-paced" } else { "" };
    let json_path = dir.join(format!("{date}-synthetic-{}{paced}.json", f.n));
    std::fs::write(
        &json_path,
        serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())? + "\n",
    )
    .map_err(|e| format!("cannot write {}: {e}", json_path.display()))?;
    let md_path = dir.join(format!("{date}-synthetic-{}{paced}.md", f.n));
    std::fs::write(&md_path, f.markdown())
        .map_err(|e| format!("cannot write {}: {e}", md_path.display()))?;
    Ok((json_path, md_path))
}
