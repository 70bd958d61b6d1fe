//! Client-side pacing: a token bucket and a cap on requests in flight per API operation and calling
//! account, near the quotas AWS publishes, so govern slows itself down instead of being throttled.
//!
//! It sits in the SDK's HTTP layer, below the retry loop, so every attempt (retries included) is
//! paced, and every client of every session goes through the same gates. The calling account is
//! told apart by the access key in the request's SigV4 credential scope: each assumed-role session
//! has its own key, and AWS counts these quotas per calling account (and region).
//!
//! Defaults (per calling account and region), from the AWS Account Management quotas page
//! (docs.aws.amazon.com/accounts/latest/reference/quotas.html, read 2026-11-23):
//! GetAlternateContact 10/s (burst 15), PutAlternateContact 5/s (burst 8), ListRegions and
//! GetRegionOptStatus 5/s, Enable/DisableRegion 1/s, and requests in flight capped at 6 per
//! account and 50 per organization. (AWS's quotas of 6 and 50 count opt-in changes in progress,
//! ENABLING or DISABLING for minutes to hours after the request: the planner keeps within those,
//! `govern_core::baselines::regions`; these caps only bound requests.) Organizations publishes no rates: it gets an in-flight cap only and its
//! TooManyRequestsException is retried. KMS and Secrets Manager quotas are in the hundreds per
//! second per account and region, far above what one account's baseline needs: capped in flight
//! only.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use governor::clock::DefaultClock;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::Semaphore;

/// A limit for one operation (or every operation of a service): requests per second with a burst,
/// and requests in flight, per calling account and region. `None` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub per_second: Option<f64>,
    pub burst: u32,
    pub in_flight: Option<usize>,
}

impl Limit {
    const fn rate(per_second: f64, burst: u32) -> Self {
        Self {
            per_second: Some(per_second),
            burst,
            in_flight: None,
        }
    }
    const fn in_flight(n: usize) -> Self {
        Self {
            per_second: None,
            burst: 1,
            in_flight: Some(n),
        }
    }
    const fn with_in_flight(mut self, n: usize) -> Self {
        self.in_flight = Some(n);
        self
    }
}

/// The limits in force: by `service:Operation` or `service:*` (the more specific wins), plus
/// organization-wide caps in flight (all calling accounts together).
#[derive(Debug, Clone)]
pub struct Limits {
    rules: HashMap<String, Limit>,
    org_in_flight: HashMap<String, usize>,
}

impl Default for Limits {
    fn default() -> Self {
        let rules = [
            ("account:GetAlternateContact", Limit::rate(10.0, 15)),
            ("account:PutAlternateContact", Limit::rate(5.0, 8)),
            ("account:ListRegions", Limit::rate(5.0, 5)),
            ("account:GetRegionOptStatus", Limit::rate(5.0, 5)),
            (
                "account:DisableRegion",
                Limit::rate(1.0, 1).with_in_flight(6),
            ),
            (
                "account:EnableRegion",
                Limit::rate(1.0, 1).with_in_flight(6),
            ),
            ("organizations:*", Limit::in_flight(8)),
            ("kms:*", Limit::in_flight(16)),
            ("secretsmanager:*", Limit::in_flight(16)),
        ];
        Self {
            rules: rules.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            org_in_flight: [("account:DisableRegion", 50), ("account:EnableRegion", 50)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }
    }
}

/// A `--api-limit` value that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--api-limit {given:?}: {why}; expected SERVICE:OPERATION=RATE[/s][,inflight=N], e.g. account:GetAlternateContact=5/s or organizations:*=inflight=4")]
pub struct BadLimit {
    pub given: String,
    pub why: String,
}

impl Limits {
    /// The limit for `service:operation`, the operation's own rule before its service's.
    pub fn get(&self, service: &str, operation: &str) -> Option<Limit> {
        self.rules
            .get(&format!("{service}:{operation}"))
            .or_else(|| self.rules.get(&format!("{service}:*")))
            .copied()
    }

    /// Applies one `--api-limit` override: `account:GetAlternateContact=5/s`,
    /// `kms:*=inflight=4`, `organizations:*=2/s,inflight=4`, `sts:*=none`.
    pub fn set(&mut self, spec: &str) -> Result<(), BadLimit> {
        let bad = |why: &str| BadLimit {
            given: spec.to_string(),
            why: why.to_string(),
        };
        let (key, value) = spec.split_once('=').ok_or_else(|| bad("no `=`"))?;
        let (service, op) = key
            .split_once(':')
            .ok_or_else(|| bad("the key needs a service and an operation, e.g. kms:ListKeys"))?;
        if service.is_empty() || op.is_empty() || !service.chars().all(|c| c.is_ascii_lowercase()) {
            return Err(bad("the service is lower-case letters (account, organizations, kms, secretsmanager, sts)"));
        }
        let mut limit = Limit {
            per_second: None,
            burst: 1,
            in_flight: None,
        };
        if value != "none" {
            for part in value.split(',') {
                if let Some(n) = part.strip_prefix("inflight=") {
                    let n: usize = n
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| bad("inflight is a whole number above 0"))?;
                    limit.in_flight = Some(n);
                } else {
                    let r: f64 = part
                        .strip_suffix("/s")
                        .unwrap_or(part)
                        .parse()
                        .ok()
                        .filter(|r: &f64| r.is_finite() && *r > 0.0)
                        .ok_or_else(|| {
                            bad("the rate is a number of requests per second above 0")
                        })?;
                    limit.per_second = Some(r);
                    limit.burst = r.ceil().max(1.0) as u32;
                }
            }
        }
        self.rules.insert(key.to_string(), limit);
        Ok(())
    }
}

/// What a request is: its service (the SigV4 scope's), operation, and the calling key and region.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Call {
    pub service: String,
    pub operation: String,
    /// Access key id and region from the credential scope: one bucket per calling account.
    pub caller: String,
}

/// Reads a request's service, operation and caller from what every AWS protocol sends: the SigV4
/// `Authorization` header's credential scope, then the operation from `X-Amz-Target` (JSON
/// protocols: Organizations, KMS, Secrets Manager), the path (REST: the Account API's
/// `/getAlternateContact`), or the form body's `Action=` (query protocol: STS).
pub fn classify(request: &HttpRequest) -> Option<Call> {
    let auth = request.headers().get("authorization")?;
    let scope = auth.split("Credential=").nth(1)?.split(',').next()?;
    // AKID/date/region/service/aws4_request
    let mut parts = scope.split('/');
    let key = parts.next()?;
    let _date = parts.next()?;
    let region = parts.next()?;
    let service = parts.next()?.to_string();
    let operation = if let Some(target) = request.headers().get("x-amz-target") {
        target.rsplit('.').next()?.to_string()
    } else if let Some(action) = request
        .body()
        .bytes()
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|b| b.split('&').find_map(|kv| kv.strip_prefix("Action=")))
    {
        action.to_string()
    } else {
        let path = request.uri().split('?').next()?;
        let last = path.rsplit('/').find(|s| !s.is_empty())?;
        let mut c = last.chars();
        let first = c.next()?.to_ascii_uppercase();
        std::iter::once(first).chain(c).collect()
    };
    Some(Call {
        service,
        operation,
        caller: format!("{key}/{region}"),
    })
}

struct Gate {
    rate: Option<DefaultDirectRateLimiter>,
    in_flight: Option<Arc<Semaphore>>,
    /// How long an unused bucket takes to fill up again (burst ÷ rate; zero without a rate).
    refill: Duration,
    /// When the last request through this gate finished, in milliseconds since `Gates::epoch`.
    last_done: AtomicU64,
}

impl Gate {
    /// `clock` is shared: creating a clock calibrates it, which costs more than a request.
    fn new(limit: Limit, clock: &DefaultClock) -> Self {
        let rate = limit.per_second.and_then(|r| {
            let burst = NonZeroU32::new(limit.burst.max(1))?;
            let period = std::time::Duration::from_secs_f64(1.0 / r);
            Some(RateLimiter::direct_with_clock(
                Quota::with_period(period)?.allow_burst(burst),
                clock.clone(),
            ))
        });
        let refill = match limit.per_second {
            Some(r) if r > 0.0 => Duration::from_secs_f64(f64::from(limit.burst.max(1)) / r),
            _ => Duration::ZERO,
        };
        Self {
            rate,
            in_flight: limit.in_flight.map(|n| Arc::new(Semaphore::new(n))),
            refill,
            last_done: AtomicU64::new(0),
        }
    }
}

/// A map of gates is pruned when it has grown to this many entries (and then at twice its size
/// after each pruning): the cost is amortised over the insertions.
const PRUNE_FROM: usize = 1024;

struct Gates {
    limits: Limits,
    clock: DefaultClock,
    epoch: Instant,
    per_caller: Mutex<PerCaller>,
    per_org: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// One gate per calling account × Region × operation. Every member session is a caller of its own
/// (its own access key), so without forgetting gates the map grows with the organization: at
/// 1,000 accounts and 17 Regions it held 36,000 gates, about 12 MB, and at 50,000 accounts it
/// would hold 600 MB for sessions long finished. A gate nobody holds and whose bucket has had
/// time to fill up again is the same as a new one, so it is forgotten (`prune`).
struct PerCaller {
    gates: HashMap<Call, Arc<Gate>>,
    prune_at: usize,
}

impl PerCaller {
    /// Forgets the gates that are indistinguishable from new ones: no request holds them (a
    /// request holds its gate from before its permit and token until its answer, so a count of one
    /// means only the map does) and their last request finished at least a refill ago (tokens are
    /// taken before a request, so the bucket is full again).
    fn prune(&mut self, now_ms: u64) {
        self.gates.retain(|_, g| {
            let idle_ms = now_ms.saturating_sub(g.last_done.load(Ordering::Relaxed));
            Arc::strong_count(g) > 1 || u128::from(idle_ms) <= g.refill.as_millis()
        });
        self.prune_at = (2 * self.gates.len()).max(PRUNE_FROM);
    }
}

impl Gates {
    fn new(limits: Limits) -> Self {
        Gates {
            limits,
            clock: DefaultClock::default(),
            epoch: Instant::now(),
            per_caller: Mutex::new(PerCaller {
                gates: HashMap::new(),
                prune_at: PRUNE_FROM,
            }),
            per_org: Mutex::new(HashMap::new()),
        }
    }

    fn for_call(&self, call: &Call) -> (Option<Arc<Gate>>, Option<Arc<Semaphore>>) {
        let key = format!("{}:{}", call.service, call.operation);
        let gate = self
            .limits
            .get(&call.service, &call.operation)
            .map(|limit| {
                // A service-wide rule shares one gate across the service's operations.
                let shared = !self.limits.rules.contains_key(&key);
                let mut id = call.clone();
                if shared {
                    id.operation = "*".into();
                }
                let mut map = self.per_caller.lock().unwrap_or_else(|e| e.into_inner());
                if map.gates.len() >= map.prune_at {
                    map.prune(self.now_ms());
                }
                map.gates
                    .entry(id)
                    .or_insert_with(|| Arc::new(Gate::new(limit, &self.clock)))
                    .clone()
            });
        let org = self.limits.org_in_flight.get(&key).map(|n| {
            let mut map = self.per_org.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(key)
                .or_insert_with(|| Arc::new(Semaphore::new(*n)))
                .clone()
        });
        (gate, org)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// The SDK's HTTP client with govern's gates in front of it.
#[derive(Clone)]
pub struct Throttled {
    inner: SharedHttpClient,
    gates: Arc<Gates>,
}

impl fmt::Debug for Throttled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Throttled").finish_non_exhaustive()
    }
}

impl Throttled {
    pub fn new(inner: SharedHttpClient, limits: Limits) -> Self {
        Self {
            inner,
            gates: Arc::new(Gates::new(limits)),
        }
    }
}

impl HttpClient for Throttled {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(Connector {
            inner: self.inner.http_connector(settings, components),
            gates: self.gates.clone(),
        })
    }
}

struct Connector {
    inner: SharedHttpConnector,
    gates: Arc<Gates>,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThrottledConnector").finish_non_exhaustive()
    }
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (gate, org) = match classify(&request) {
            Some(call) => self.gates.for_call(&call),
            None => (None, None),
        };
        // Every answer is capped and names its endpoint (super::answer).
        let endpoint = request
            .uri()
            .parse::<http_1x::Uri>()
            .ok()
            .and_then(|u| {
                Some(format!(
                    "{}://{}",
                    u.scheme_str().unwrap_or("https"),
                    u.authority()?
                ))
            })
            .unwrap_or_default();
        let inner = self.inner.clone();
        if gate.is_none() && org.is_none() {
            return HttpConnectorFuture::new(async move {
                inner
                    .call(request)
                    .await
                    .map(|r| super::answer::capped(r, &endpoint))
            });
        }
        let gates = self.gates.clone();
        HttpConnectorFuture::new(async move {
            // In-flight permits first (org-wide, then the caller's), then a token: a request
            // waiting for a slot does not hold a token it cannot use yet.
            let _org = match &org {
                Some(s) => Some(s.clone().acquire_owned().await),
                None => None,
            };
            let _mine = match gate.as_ref().and_then(|g| g.in_flight.clone()) {
                Some(s) => Some(s.acquire_owned().await),
                None => None,
            };
            if let Some(rate) = gate.as_ref().and_then(|g| g.rate.as_ref()) {
                rate.until_ready().await;
            }
            let answer = inner
                .call(request)
                .await
                .map(|r| super::answer::capped(r, &endpoint));
            if let Some(g) = &gate {
                g.last_done.fetch_max(gates.now_ms(), Ordering::Relaxed);
            }
            answer
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Retrying Organizations' transient errors

/// Organizations errors AWS answers routinely and that go away when the same request is sent again
/// a moment later (Organizations API reference, each write's errors): "The target of the operation
/// is currently being modified by a different request. Try again later."
/// (ConcurrentModificationException); "Changes to the effective policy are in progress … Try again
/// later." (PolicyChangesInProgressException); "your organization hasn't finished initializing …
/// Try again later." (FinalizingOrganizationException). None is in the SDK's retry lists
/// (aws-runtime `THROTTLING_ERRORS`, `TRANSIENT_ERRORS`), so they are added here: retried with the
/// session's backoff, within its `--max-attempts` (bounded). TooManyRequestsException is already
/// the SDK's throttling.
pub const ORGANIZATIONS_TRANSIENT: &[&str] = &[
    "ConcurrentModificationException",
    "PolicyChangesInProgressException",
    "FinalizingOrganizationException",
];

/// The error code of an awsJson error answer: `__type` (`Namespace#Code` or `Code`), else the
/// `x-amzn-errortype` header.
pub fn error_code(headers_code: Option<&str>, body: &[u8]) -> Option<String> {
    let from_body = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("__type")?.as_str().map(str::to_string));
    let code = from_body.or_else(|| headers_code.map(str::to_string))?;
    let code = code.rsplit('#').next().unwrap_or(&code);
    Some(code.split(':').next().unwrap_or(code).to_string())
}

/// Marks [`ORGANIZATIONS_TRANSIENT`] answers as transient for the SDK's retry loop.
#[derive(Debug, Default)]
pub struct OrganizationsTransient;

impl aws_smithy_runtime_api::client::retries::classifiers::ClassifyRetry
    for OrganizationsTransient
{
    fn classify_retry(
        &self,
        ctx: &aws_smithy_runtime_api::client::interceptors::context::InterceptorContext,
    ) -> aws_smithy_runtime_api::client::retries::classifiers::RetryAction {
        use aws_smithy_runtime_api::client::retries::classifiers::RetryAction;
        if !matches!(ctx.output_or_error(), Some(Err(_))) {
            return RetryAction::NoActionIndicated;
        }
        let Some(response) = ctx.response() else {
            return RetryAction::NoActionIndicated;
        };
        let body = response.body().bytes().unwrap_or_default();
        match error_code(response.headers().get("x-amzn-errortype"), body) {
            Some(code) if ORGANIZATIONS_TRANSIENT.contains(&code.as_str()) => {
                RetryAction::transient_error()
            }
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "govern: Organizations' transient errors"
    }

    fn priority(
        &self,
    ) -> aws_smithy_runtime_api::client::retries::classifiers::RetryClassifierPriority {
        use aws_smithy_runtime_api::client::retries::classifiers::RetryClassifierPriority;
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// The Organizations client of `config`, retrying [`ORGANIZATIONS_TRANSIENT`] errors.
pub fn organizations(config: &aws_config::SdkConfig) -> aws_sdk_organizations::Client {
    aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(config)
            .retry_classifier(OrganizationsTransient)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(auth_service: &str, target: Option<&str>, path: &str, body: &str) -> HttpRequest {
        let mut r = HttpRequest::new(aws_smithy_types::body::SdkBody::from(body.to_string()));
        r.set_uri(format!("https://example.com{path}")).unwrap();
        r.headers_mut().insert(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/eu-west-1/{auth_service}/aws4_request, SignedHeaders=host, Signature=00"),
        );
        if let Some(t) = target {
            r.headers_mut().insert("x-amz-target", t.to_string());
        }
        r
    }

    #[test]
    fn classifies_every_protocol() {
        let org = request(
            "organizations",
            Some("AWSOrganizationsV20161128.ListAccountsForParent"),
            "/",
            "{}",
        );
        assert_eq!(
            classify(&org),
            Some(Call {
                service: "organizations".into(),
                operation: "ListAccountsForParent".into(),
                caller: "AKIDEXAMPLE/eu-west-1".into()
            })
        );
        let account = request("account", None, "/getAlternateContact", "{}");
        assert_eq!(classify(&account).unwrap().operation, "GetAlternateContact");
        let sts = request("sts", None, "/", "Action=AssumeRole&Version=2011-06-15");
        assert_eq!(classify(&sts).unwrap().operation, "AssumeRole");
        let unsigned = HttpRequest::new(aws_smithy_types::body::SdkBody::empty());
        assert_eq!(classify(&unsigned), None);
    }

    #[test]
    fn specific_rules_win_and_overrides_parse() {
        let mut l = Limits::default();
        assert_eq!(
            l.get("account", "PutAlternateContact").unwrap().per_second,
            Some(5.0)
        );
        assert_eq!(
            l.get("organizations", "ListRoots").unwrap().in_flight,
            Some(8)
        );
        assert_eq!(l.get("sts", "AssumeRole"), None);
        l.set("account:PutAlternateContact=2/s").unwrap();
        assert_eq!(
            l.get("account", "PutAlternateContact").unwrap().per_second,
            Some(2.0)
        );
        l.set("organizations:*=1.5,inflight=2").unwrap();
        let o = l.get("organizations", "ListRoots").unwrap();
        assert_eq!(
            (o.per_second, o.burst, o.in_flight),
            (Some(1.5), 2, Some(2))
        );
        l.set("kms:*=none").unwrap();
        assert_eq!(l.get("kms", "ListKeys").unwrap().in_flight, None);
        for bad in [
            "kms",
            "kms=3",
            "KMS:*=3",
            "kms:*=0",
            "kms:*=inflight=0",
            "kms:*=fast",
        ] {
            assert!(l.set(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn organizations_error_codes_are_read_from_the_answer() {
        for code in ORGANIZATIONS_TRANSIENT {
            let body = format!(r#"{{"__type":"{code}","Message":"Try again later."}}"#);
            assert_eq!(error_code(None, body.as_bytes()).as_deref(), Some(*code));
        }
        let namespaced =
            br#"{"__type":"com.amazonaws.organizations#ConcurrentModificationException"}"#;
        assert_eq!(
            error_code(None, namespaced).as_deref(),
            Some("ConcurrentModificationException")
        );
        assert_eq!(
            error_code(Some("FinalizingOrganizationException:http://x"), b"").as_deref(),
            Some("FinalizingOrganizationException")
        );
        assert_eq!(error_code(None, b"not json"), None);
    }

    fn call(service: &str, operation: &str, caller: usize) -> Call {
        Call {
            service: service.into(),
            operation: operation.into(),
            caller: format!("ASIA{caller}/eu-west-1"),
        }
    }

    #[test]
    fn finished_callers_gates_are_forgotten_and_live_ones_kept() {
        let mut limits = Limits::default();
        limits.set("kms:ListKeys=inflight=4").unwrap();
        // A bucket that takes 100 s to refill: the test cannot outlast it, however slow the machine.
        limits.set("account:GetAlternateContact=0.01/s").unwrap();
        let gates = Gates::new(limits);
        // A caller with a request in flight, and one whose bucket has just been drawn from.
        let held = gates.for_call(&call("kms", "ListKeys", 0)).0.unwrap();
        let drawn = gates
            .for_call(&call("account", "GetAlternateContact", 1))
            .0
            .unwrap();
        drawn.last_done.store(gates.now_ms(), Ordering::Relaxed);
        drop(drawn);
        // Many finished sessions, one request each.
        for caller in 2..5_000 {
            let g = gates.for_call(&call("kms", "ListKeys", caller)).0.unwrap();
            g.last_done.store(gates.now_ms(), Ordering::Relaxed);
        }
        let kept = gates.per_caller.lock().unwrap().gates.len();
        assert!(kept < 2_048, "{kept} gates kept for 5,000 finished callers");
        // The same gates for the live callers: their permits and tokens are still counted.
        let again = gates.for_call(&call("kms", "ListKeys", 0)).0.unwrap();
        assert!(Arc::ptr_eq(&held, &again));
        let map = gates.per_caller.lock().unwrap();
        assert!(map
            .gates
            .keys()
            .any(|c| c.caller == "ASIA1/eu-west-1" && c.service == "account"));
    }

    #[tokio::test]
    async fn a_rate_is_kept() {
        // 20/s with burst 1: the fifth request goes out no sooner than 200 ms after the first
        // (a lower bound only: pacing must hold, speed is not asserted).
        let gate = Gate::new(Limit::rate(20.0, 1), &DefaultClock::default());
        let start = std::time::Instant::now();
        for _ in 0..5 {
            gate.rate.as_ref().unwrap().until_ready().await;
        }
        let waited = start.elapsed().as_secs_f64();
        assert!(waited >= 0.19, "{waited}");
    }
}
