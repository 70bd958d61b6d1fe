//! A synthetic AWS for organizations of any size: an in-memory server (no moto) that generates an
//! organization from a seed ([`Shape`], [`org`]) and answers every operation `govern plan` and
//! `govern drift` call, in each service's wire protocol ([`wire`]), paging as AWS pages, under
//! AWS's per-account quotas ([`Quotas`]) and with latency from a distribution ([`Latency`]).
//!
//! Read-only: it answers reads, and no write (a plan, a drift, evidence; not an apply). Requests
//! are named by the proxy's parser (`"service:Operation"`, [`crate::proxy`]) and counted, and every
//! throttling answer is counted too ([`Synthetic::throttled`]). Startup costs nothing per account:
//! ids and contents are functions of indexes, so 50,000 accounts are ready at once.

pub mod org;
mod wire;

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

pub use org::{Acct, Org, Shape};

use crate::proxy::{classify, lock, reply, throttle_reply};
use crate::responders::{access_key_id, credential_region};

// ---------------------------------------------------------------------------------------------
// Quotas

/// One token bucket's parameters: a sustained rate and a burst, per calling account, region and
/// operation (or per service, for a `svc:*` rule).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: f64,
}

/// The request quotas the server enforces, by `service:Operation`, or `service:*` for one bucket
/// shared by all of a service's operations (the operation's own rule wins).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Quotas {
    rules: BTreeMap<String, Rate>,
}

/// The rate assumed for Organizations, which publishes none (see [`Quotas::aws`]).
pub const ORGANIZATIONS_ASSUMED: Rate = Rate {
    per_second: 20.0,
    burst: 40.0,
};

impl Quotas {
    /// No quotas: every request is answered (the tests' setting).
    pub fn none() -> Quotas {
        Quotas::default()
    }

    /// AWS's published default request quotas, per calling account and region:
    /// - Account Management (docs.aws.amazon.com/accounts/latest/reference/quotas.html, read
    ///   2026-11-23, as src/aws/throttle.rs cites it): GetAlternateContact 10/s (burst 15),
    ///   ListRegions 5/s.
    /// - KMS (docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html, read
    ///   2026-12-05): ListKeys 100/s, DescribeKey 2,000/s, GetKeyRotationStatus 1,000/s (the
    ///   page's table; the search tool showed the page, these rows as recalled from it).
    /// - Secrets Manager (aws.amazon.com/about-aws/whats-new/2022/11, "AWS Secrets Manager
    ///   increases API requests per second limits", read 2026-12-05): ListSecrets 100/s.
    /// - STS (docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, read
    ///   2026-12-05): 600 requests a second per account and region for AssumeRole and
    ///   GetCallerIdentity.
    /// - Organizations publishes no rate: an assumption, [`ORGANIZATIONS_ASSUMED`] (20/s, burst
    ///   40) for all its operations together per calling account; change it with
    ///   [`Quotas::set`].
    ///
    /// A burst of one second's worth where AWS names none.
    pub fn aws() -> Quotas {
        let mut q = Quotas::none();
        for (op, per_second, burst) in [
            ("account:GetAlternateContact", 10.0, 15.0),
            ("account:ListRegions", 5.0, 5.0),
            ("kms:ListKeys", 100.0, 100.0),
            ("kms:DescribeKey", 2_000.0, 2_000.0),
            ("kms:GetKeyRotationStatus", 1_000.0, 1_000.0),
            ("secretsmanager:ListSecrets", 100.0, 100.0),
            ("sts:AssumeRole", 600.0, 600.0),
            ("sts:GetCallerIdentity", 600.0, 600.0),
        ] {
            q = q.set(op, Rate { per_second, burst });
        }
        q.set("organizations:*", ORGANIZATIONS_ASSUMED)
    }

    /// Sets (or replaces) one rule.
    pub fn set(mut self, op: &str, rate: Rate) -> Quotas {
        assert!(
            rate.per_second > 0.0 && rate.burst >= 1.0,
            "bad rate {rate:?}"
        );
        self.rules.insert(op.to_string(), rate);
        self
    }

    /// The rule for `op` and the bucket name it counts in (`op`, or `svc:*`).
    pub fn rule(&self, op: &str) -> Option<(&str, Rate)> {
        if let Some((k, r)) = self.rules.get_key_value(op) {
            return Some((k.as_str(), *r));
        }
        let service = op.split(':').next().unwrap_or(op);
        self.rules
            .get_key_value(&format!("{service}:*"))
            .map(|(k, r)| (k.as_str(), *r))
    }

    pub fn rules(&self) -> &BTreeMap<String, Rate> {
        &self.rules
    }
}

/// One bucket: tokens left at `last`, and every request it has seen.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
    requests: u64,
    /// Requests served: a refused one takes no token, so only these are what the quota carried.
    admitted: u64,
}

/// A bucket's key: (calling account, region, rule).
type BucketKey = (Acct, String, String);

// ---------------------------------------------------------------------------------------------
// Latency

/// How long each answer takes: log-normal around a median, so most answers are near it and a few
/// take several times as long (the long tail real services show).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    pub median: Duration,
    /// The standard deviation of the latency's logarithm: 0.6 puts the 99th percentile at about
    /// four times the median.
    pub sigma: f64,
}

impl Latency {
    pub fn none() -> Latency {
        Latency {
            median: Duration::ZERO,
            sigma: 0.0,
        }
    }

    /// Median 40 ms, sigma 0.6 (p90 ≈ 87 ms, p99 ≈ 162 ms).
    pub fn aws() -> Latency {
        Latency {
            median: Duration::from_millis(40),
            sigma: 0.6,
        }
    }

    fn draw(&self, rng: &mut fastrand::Rng) -> Duration {
        if self.median.is_zero() {
            return Duration::ZERO;
        }
        // Box–Muller: one standard normal draw.
        let u1 = rng.f64().max(f64::MIN_POSITIVE);
        let u2 = rng.f64();
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        self.median.mul_f64((self.sigma * z).exp().min(50.0))
    }
}

// ---------------------------------------------------------------------------------------------
// The server

/// How the server behaves besides the organization.
#[derive(Debug, Clone)]
pub struct Options {
    pub quotas: Quotas,
    pub latency: Latency,
    /// Tokio worker threads.
    pub workers: usize,
}

impl Options {
    /// For tests: no quotas, no latency.
    pub fn test() -> Options {
        Options {
            quotas: Quotas::none(),
            latency: Latency::none(),
            workers: 2,
        }
    }

    /// For the benchmark: AWS's quotas and latency.
    pub fn aws() -> Options {
        Options {
            quotas: Quotas::aws(),
            latency: Latency::aws(),
            workers: 2,
        }
    }
}

#[derive(Debug)]
struct Shared {
    org: Org,
    options: Options,
    counts: Mutex<HashMap<String, u64>>,
    throttled: Mutex<HashMap<String, u64>>,
    buckets: Mutex<HashMap<BucketKey, Bucket>>,
    /// Per service, when its first and last requests arrived.
    spans: Mutex<HashMap<String, (Instant, Instant)>>,
    rng: Mutex<fastrand::Rng>,
}

/// The running server. Dropping it stops it.
#[derive(Debug)]
pub struct Synthetic {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// What the quotas alone impose on a request mix: per bucket, the time its requests beyond the
/// burst take at the sustained rate; the floor is the largest.
#[derive(Debug, Clone, PartialEq)]
pub struct Floor {
    pub seconds: f64,
    /// The bucket that sets it: (account, region, rule) and the requests it served.
    pub bucket: Option<(String, String, String, u64)>,
}

impl Synthetic {
    /// Listens on a free 127.0.0.1 port and serves the organization of `shape`.
    pub fn start(shape: Shape, options: Options) -> Synthetic {
        let org = Org::new(shape);
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap_or_else(|e| panic!("synthetic: cannot bind 127.0.0.1:0: {e}"));
        listener
            .set_nonblocking(true)
            .expect("synthetic: set_nonblocking");
        let addr = listener.local_addr().expect("a bound listener");
        let seed = org.shape.seed;
        let shared = Arc::new(Shared {
            org,
            options,
            counts: Mutex::default(),
            throttled: Mutex::default(),
            buckets: Mutex::default(),
            spans: Mutex::default(),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
        });
        let (shutdown, stop) = tokio::sync::oneshot::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("govern-synthetic-{}", addr.port()))
            .spawn(move || serve(listener, thread_shared, stop))
            .expect("synthetic: cannot spawn its thread");
        Synthetic {
            addr,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    pub fn org(&self) -> &Org {
        &self.shared.org
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Environment for running govern against this server (as [`crate::Emulator::env`]).
    pub fn env(&self) -> Vec<(String, String)> {
        crate::emulator::env_for(&self.endpoint())
    }

    /// Removes every inherited `AWS_*` variable from `cmd` and sets [`Synthetic::env`].
    pub fn configure(&self, cmd: &mut Command) {
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AWS_") {
                cmd.env_remove(&key);
            }
        }
        cmd.envs(self.env());
    }

    /// Requests seen, by operation (`"service:Operation"`), throttled ones included.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        lock(&self.shared.counts)
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// Requests answered with the service's throttling error, by operation.
    pub fn throttled(&self) -> BTreeMap<String, u64> {
        lock(&self.shared.throttled)
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// Forgets counts, throttles and buckets (full again).
    pub fn reset(&self) {
        lock(&self.shared.counts).clear();
        lock(&self.shared.throttled).clear();
        lock(&self.shared.buckets).clear();
        lock(&self.shared.spans).clear();
    }

    /// Per service, the time from its first request's arrival to its last one's (the
    /// organization read is the `organizations` span of a plan).
    pub fn spans(&self) -> BTreeMap<String, Duration> {
        lock(&self.shared.spans)
            .iter()
            .map(|(k, (first, last))| (k.clone(), last.duration_since(*first)))
            .collect()
    }

    /// The quota floor of the requests seen since the start or the last [`Synthetic::reset`].
    pub fn floor(&self) -> Floor {
        let buckets = lock(&self.shared.buckets);
        let mut floor = Floor {
            seconds: 0.0,
            bucket: None,
        };
        for ((account, region, rule), b) in buckets.iter() {
            let Some((_, rate)) = self.shared.options.quotas.rule(rule) else {
                continue;
            };
            // Served requests only: a throttled answer (retried later) takes no token, and
            // counting it put the floor above what the quota imposes (at 50,000 accounts 544 s
            // for the 434 s that 8,723 Organizations requests take at 20/s).
            let secs = (b.admitted as f64 - rate.burst).max(0.0) / rate.per_second;
            if secs > floor.seconds || floor.bucket.is_none() {
                floor = Floor {
                    seconds: secs.max(floor.seconds),
                    bucket: Some((
                        self.shared.org.account_id(*account),
                        region.clone(),
                        rule.clone(),
                        b.admitted,
                    )),
                };
            }
        }
        floor
    }
}

impl Drop for Synthetic {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(listener: TcpListener, shared: Arc<Shared>, stop: tokio::sync::oneshot::Receiver<()>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(shared.options.workers.max(1))
        .thread_name("govern-synthetic-worker")
        .enable_all()
        .build()
        .expect("synthetic: cannot build its tokio runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("synthetic: listener");
        tokio::pin!(stop);
        loop {
            let (stream, _) = tokio::select! {
                _ = &mut stop => break,
                accepted = listener.accept() => match accepted {
                    Ok(conn) => conn,
                    Err(_) => continue,
                },
            };
            let _ = stream.set_nodelay(true);
            let shared = shared.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(100));
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let (op, protocol) = classify(&parts.method, &parts.uri, &parts.headers, &body);
    let caller = access_key_id(&parts.headers)
        .map(|k| wire::account_of_key(&shared.org, &k))
        .unwrap_or(Acct::Management);
    let region = credential_region(&parts.headers).unwrap_or_else(|| crate::REGION.to_string());
    *lock(&shared.counts).entry(op.clone()).or_insert(0) += 1;
    {
        let now = Instant::now();
        let service = op.split(':').next().unwrap_or("").to_string();
        let mut spans = lock(&shared.spans);
        let span = spans.entry(service).or_insert((now, now));
        span.1 = now;
    }

    let delay = shared.options.latency.draw(&mut lock(&shared.rng));
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if !admit(&shared, caller, &region, &op) {
        *lock(&shared.throttled).entry(op.clone()).or_insert(0) += 1;
        return Ok(reply(throttle_reply(&op, protocol)));
    }
    let call = wire::Call {
        op: &op,
        caller,
        region: &region,
        body: &body,
    };
    Ok(reply(wire::answer(&shared.org, &call)))
}

/// Takes a token from the request's bucket; false when it is empty (the request is throttled).
/// Organizations and IAM are global: their buckets ignore the region.
fn admit(shared: &Shared, caller: Acct, region: &str, op: &str) -> bool {
    let Some((rule, rate)) = shared.options.quotas.rule(op) else {
        return true;
    };
    let region = if op.starts_with("organizations:") || op.starts_with("iam:") {
        "global"
    } else {
        region
    };
    let now = Instant::now();
    let mut buckets = lock(&shared.buckets);
    let b = buckets
        .entry((caller, region.to_string(), rule.to_string()))
        .or_insert(Bucket {
            tokens: rate.burst,
            last: now,
            requests: 0,
            admitted: 0,
        });
    b.requests += 1;
    b.tokens =
        (b.tokens + now.duration_since(b.last).as_secs_f64() * rate.per_second).min(rate.burst);
    b.last = now;
    if b.tokens >= 1.0 {
        b.tokens -= 1.0;
        b.admitted += 1;
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refuse_beyond_the_burst_and_count_every_request() {
        let shape = Shape {
            accounts: 3,
            ous: 1,
            levels: 1,
            ..Shape::large(3)
        };
        let options = Options {
            quotas: Quotas::none().set(
                "account:GetAlternateContact",
                Rate {
                    per_second: 0.001,
                    burst: 2.0,
                },
            ),
            ..Options::test()
        };
        let s = Synthetic::start(shape, options);
        let a = Acct::Member(1);
        let admitted: Vec<bool> = (0..4)
            .map(|_| admit(&s.shared, a, "us-east-1", "account:GetAlternateContact"))
            .collect();
        assert_eq!(admitted, [true, true, false, false]);
        // Another account has its own bucket; an operation without a rule has none.
        assert!(admit(
            &s.shared,
            Acct::Member(2),
            "us-east-1",
            "account:GetAlternateContact"
        ));
        assert!(admit(&s.shared, a, "us-east-1", "account:ListRegions"));
        // The floor counts what the quotas served: every bucket within its burst, so no floor.
        // The two refused took no token (a client retries them later, counted when served); all
        // floors being 0, which bucket is named is arbitrary, but none served more than 2.
        let floor = s.floor();
        assert_eq!(floor.seconds, 0.0, "{floor:?}");
        assert!(floor.bucket.unwrap().3 <= 2);
    }

    #[test]
    fn latency_is_log_normal_around_its_median() {
        let l = Latency::aws();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut draws: Vec<Duration> = (0..10_001).map(|_| l.draw(&mut rng)).collect();
        draws.sort();
        let median = draws[5_000].as_secs_f64();
        assert!((0.036..0.044).contains(&median), "median {median}");
        assert!(draws[9_900] > draws[5_000] * 3, "a long tail");
        assert_eq!(Latency::none().draw(&mut rng), Duration::ZERO);
    }
}
