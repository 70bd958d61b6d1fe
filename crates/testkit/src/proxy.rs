//! A fault-injecting HTTP proxy between govern (or any SDK client) and the emulator.
//!
//! Every request is counted by operation (`"service:Operation"`), may be held ([`Proxy::hold`]),
//! delayed or answered with the service's own throttling error, a 5xx, or a dropped connection
//! ([`Faults`]); the rest goes to the upstream, except the APIs the proxy answers itself (see
//! [`crate::responders`]).
//!
//! Faults are deterministic under [`Faults::seed`]: a rule's random draw for a request depends only
//! on the seed, the rule's index, the operation and how many requests of that operation the rule
//! has seen, so the same request sequence gets the same faults (also when different operations
//! interleave differently).

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::Command;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

use crate::responders::{
    credential_service, form_param, Identities, KmsPeriods, OrgView, Regions, Reply, RootFeatures,
    ROOT_FEATURE_OPS,
};
use crate::uniqueness::{Uniqueness, Upstream};
use crate::Emulator;

// ---------------------------------------------------------------------------------------------
// Fault rules

/// What a matching rule does to a request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    /// Waits this long before handling the request.
    Latency(Duration),
    /// Waits a uniformly drawn time in `min..=max` (microsecond steps).
    RandomLatency { min: Duration, max: Duration },
    /// Answers the service's own throttling error (see [`throttle_reply`]).
    Throttle,
    /// Answers this HTTP status (500, 503, …) with the service's error shape.
    Status(u16),
    /// Closes the connection without an answer.
    Drop,
    /// Lets the request act (forwards it and waits for the upstream's answer), then closes the
    /// connection instead of returning that answer. This models real AWS: an answer lost on the
    /// way back after the service acted. The client cannot tell it from [`Effect::Drop`] and
    /// retries, and the retry meets what the first attempt did (a create answers Duplicate…, a
    /// delete NotFound): "did my write land?" is the caller's question to answer.
    LoseAnswer,
    /// Answers the service's own access-denied error (see [`access_denied_reply`]), as AWS does when
    /// the caller's policies lack the operation's IAM action.
    AccessDenied,
    /// Answers as AWS does to a request signed this far from its own clock, which runs this much
    /// ahead of the caller's (see [`clock_skew_reply`]): the signature has expired, and the `Date`
    /// header tells the time AWS thinks it is.
    ClockSkew(Duration),
}

impl Effect {
    fn answers(&self) -> bool {
        !matches!(self, Effect::Latency(_) | Effect::RandomLatency { .. })
    }
}

/// When a matching rule fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    Always,
    /// The first N matching requests (counted per rule, over every operation it matches).
    Times(u64),
    /// Each matching request with this probability, drawn from the seed.
    Probability(f64),
}

/// One fault rule: an operation matcher, an effect and when it fires.
///
/// Matchers: an exact operation (`"organizations:ListRoots"`), a service (`"kms:*"`) or `"*"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub op: String,
    pub effect: Effect,
    pub when: When,
}

impl Rule {
    pub fn new(op: &str, effect: Effect) -> Rule {
        Rule {
            op: op.to_string(),
            effect,
            when: When::Always,
        }
    }
    pub fn latency(op: &str, delay: Duration) -> Rule {
        Rule::new(op, Effect::Latency(delay))
    }
    pub fn random_latency(op: &str, min: Duration, max: Duration) -> Rule {
        assert!(min <= max, "random_latency: min {min:?} > max {max:?}");
        Rule::new(op, Effect::RandomLatency { min, max })
    }
    pub fn throttle(op: &str) -> Rule {
        Rule::new(op, Effect::Throttle)
    }
    pub fn status(op: &str, status: u16) -> Rule {
        assert!(
            (400..600).contains(&status),
            "status: {status} is not an error status"
        );
        Rule::new(op, Effect::Status(status))
    }
    pub fn drop_connection(op: &str) -> Rule {
        Rule::new(op, Effect::Drop)
    }
    /// [`Effect::LoseAnswer`]: the request acts, its answer is lost.
    pub fn lose_answer(op: &str) -> Rule {
        Rule::new(op, Effect::LoseAnswer)
    }
    pub fn access_denied(op: &str) -> Rule {
        Rule::new(op, Effect::AccessDenied)
    }
    /// AWS's clock runs `ahead` of the caller's: see [`Effect::ClockSkew`].
    pub fn clock_skew(op: &str, ahead: Duration) -> Rule {
        Rule::new(op, Effect::ClockSkew(ahead))
    }
    /// Fires for the first `n` matching requests only.
    pub fn times(mut self, n: u64) -> Rule {
        self.when = When::Times(n);
        self
    }
    /// Fires for each matching request with probability `p`.
    pub fn probability(mut self, p: f64) -> Rule {
        assert!((0.0..=1.0).contains(&p), "probability {p} is not in 0..=1");
        self.when = When::Probability(p);
        self
    }
}

/// The rules a proxy applies, in order: every matching latency rule that fires adds its delay; the
/// first matching answering rule (throttle, status, drop, lost answer) that fires answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    pub seed: u64,
    pub rules: Vec<Rule>,
}

impl Faults {
    /// No faults: a plain counting proxy.
    pub fn none() -> Faults {
        Faults::default()
    }
    pub fn seeded(seed: u64) -> Faults {
        Faults {
            seed,
            rules: Vec::new(),
        }
    }
    pub fn rule(mut self, rule: Rule) -> Faults {
        self.rules.push(rule);
        self
    }
}

/// Does `pattern` (`"*"`, `"svc:*"` or an exact operation) match `op`?
pub fn op_matches(pattern: &str, op: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix(":*") {
        Some(service) => op.split_once(':').is_some_and(|(s, _)| s == service),
        None => pattern == op,
    }
}

#[derive(Debug, Default, PartialEq)]
struct Decision {
    delay: Duration,
    answer: Option<Effect>,
}

/// Faults plus what the rules have seen so far.
#[derive(Debug, Default)]
struct FaultState {
    faults: Faults,
    /// How often each rule fired.
    fired: Vec<u64>,
    /// Matching requests per (rule, operation): the draw index.
    seen: HashMap<(usize, String), u64>,
}

impl FaultState {
    fn new(faults: Faults) -> FaultState {
        FaultState {
            fired: vec![0; faults.rules.len()],
            faults,
            seen: HashMap::new(),
        }
    }

    fn decide(&mut self, op: &str) -> Decision {
        let mut decision = Decision::default();
        for (index, rule) in self.faults.rules.iter().enumerate() {
            if !op_matches(&rule.op, op) || (rule.effect.answers() && decision.answer.is_some()) {
                continue;
            }
            let n = self.seen.entry((index, op.to_string())).or_insert(0);
            let mut rng = fastrand::Rng::with_seed(draw_seed(self.faults.seed, index, op, *n));
            *n += 1;
            let fires = match rule.when {
                When::Always => true,
                When::Times(times) => self.fired[index] < times,
                When::Probability(p) => rng.f64() < p,
            };
            if !fires {
                continue;
            }
            self.fired[index] += 1;
            match rule.effect {
                Effect::Latency(d) => decision.delay += d,
                Effect::RandomLatency { min, max } => {
                    let micros = rng.u64(min.as_micros() as u64..=max.as_micros() as u64);
                    decision.delay += Duration::from_micros(micros);
                }
                answer => decision.answer = Some(answer),
            }
        }
        decision
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn draw_seed(seed: u64, rule: usize, op: &str, n: u64) -> u64 {
    // FNV-1a of the operation name: stable across runs and platforms.
    let op_hash = op.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut h = splitmix64(seed);
    h = splitmix64(h ^ rule as u64);
    h = splitmix64(h ^ op_hash);
    splitmix64(h ^ n)
}

// ---------------------------------------------------------------------------------------------
// Operation detection

/// The wire protocol of a request, which decides the shape of error answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// awsJson (X-Amz-Target).
    Json,
    /// awsQuery (`Action=` form).
    Query,
    /// restJson (operation in the path).
    Rest,
}

/// `"service:Operation"` of a request, and its protocol.
pub(crate) fn classify(
    method: &Method,
    uri: &http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> (String, Protocol) {
    let scope = credential_service(headers);
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        let (prefix, name) = target.rsplit_once('.').unwrap_or(("", target));
        let service = match prefix {
            p if p.starts_with("AWSOrganizations") => "organizations".to_string(),
            "TrentService" => "kms".to_string(),
            "secretsmanager" => "secretsmanager".to_string(),
            p if p.starts_with("AWSSecurityTokenService") => "sts".to_string(),
            p => scope.unwrap_or_else(|| p.to_ascii_lowercase()),
        };
        return (format!("{service}:{name}"), Protocol::Json);
    }
    let service = scope.unwrap_or_else(|| "unknown".to_string());
    let action = form_param(body, "Action")
        .or_else(|| uri.query().and_then(|q| form_param(q.as_bytes(), "Action")));
    if let Some(action) = action {
        // The web identity and SAML exchanges are not signed: no credential scope names STS.
        let service = match action.as_str() {
            "AssumeRoleWithWebIdentity" | "AssumeRoleWithSAML" if service == "unknown" => {
                "sts".to_string()
            }
            _ => service,
        };
        return (format!("{service}:{action}"), Protocol::Query);
    }
    let path = uri.path();
    // The SSO portal's GetRoleCredentials: unsigned, the user's SSO token in a header.
    if service == "unknown" && path == "/federation/credentials" {
        return ("sso:GetRoleCredentials".to_string(), Protocol::Rest);
    }
    if service == "access-analyzer" && path == "/policy/validation" {
        return ("access-analyzer:ValidatePolicy".to_string(), Protocol::Rest);
    }
    let segment = path.trim_start_matches('/');
    let account_path = !segment.is_empty()
        && !segment.contains('/')
        && segment.bytes().all(|b| b.is_ascii_alphabetic());
    if account_path && (service == "account" || service == "unknown") {
        let mut name = segment.to_string();
        name[..1].make_ascii_uppercase();
        return (format!("account:{name}"), Protocol::Rest);
    }
    (format!("{service}:{method} {path}"), Protocol::Rest)
}

/// The operations of the Account API the proxy answers itself.
const REGION_OPS: &[&str] = &[
    "account:ListRegions",
    "account:GetRegionOptStatus",
    "account:EnableRegion",
    "account:DisableRegion",
];

// ---------------------------------------------------------------------------------------------
// Error answers

pub(crate) fn request_id() -> String {
    format!("proxy-{:016x}", fastrand::u64(..))
}

/// The service's own throttling error:
/// - Organizations (awsJson): 400 `{"__type":"TooManyRequestsException","Message":…}`;
/// - other awsJson services (KMS, Secrets Manager, …): 400 `{"__type":"ThrottlingException",…}`;
/// - awsQuery (STS): 400 XML `ErrorResponse` with `Code` `Throttling`;
/// - restJson (Account): 429 with `x-amzn-ErrorType: TooManyRequestsException` and a JSON body.
///
/// Every code is in the SDK's list of throttling error codes (aws-runtime `THROTTLING_ERRORS`), so
/// standard retry treats them as retryable throttling.
pub(crate) fn throttle_reply(op: &str, protocol: Protocol) -> Reply {
    match protocol {
        Protocol::Json if op.starts_with("organizations:") => {
            json_error(400, "TooManyRequestsException", "Rate exceeded")
        }
        Protocol::Json => json_error(400, "ThrottlingException", "Rate exceeded"),
        Protocol::Query => xml_error(400, "Sender", "Throttling", "Rate exceeded"),
        // S3 throttles with 503 SlowDown in its own XML error shape (S3 API reference, "Error
        // responses"); a JSON answer is not an S3 answer to the SDK.
        Protocol::Rest if op.starts_with("s3:") => Reply {
            status: 503,
            headers: vec![("content-type", "application/xml".to_string())],
            body: format!(
                "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>{}</RequestId></Error>",
                request_id()
            )
            .into_bytes(),
        },
        Protocol::Rest => Reply::rest_error(
            429,
            "TooManyRequestsException",
            "Too many requests",
            serde_json::json!({}),
        ),
    }
}

/// A 5xx (or other status) answer in the service's error shape. 500, 502, 503 and 504 are
/// transient to the SDK by status alone.
fn status_reply(status: u16, protocol: Protocol) -> Reply {
    let (json_code, rest_code) = match status {
        500 => ("InternalFailure", "InternalServerException"),
        503 => ("ServiceUnavailable", "ServiceUnavailableException"),
        _ => ("InternalFailure", "InternalServerException"),
    };
    let message = format!("injected HTTP {status}");
    match protocol {
        Protocol::Json => json_error(status, json_code, &message),
        Protocol::Query => xml_error(status, "Receiver", json_code, &message),
        Protocol::Rest => Reply::rest_error(status, rest_code, &message, serde_json::json!({})),
    }
}

/// The service's own answer to a caller without the permission:
/// - Organizations (awsJson): 400 `AccessDeniedException` "You don't have permissions to access this
///   resource." (AWS names no action here);
/// - other awsJson services (KMS, Secrets Manager): 400 `AccessDeniedException`;
/// - awsQuery (STS): 403 XML `AccessDenied` (for AssumeRoleWithWebIdentity, AWS's "Not authorized to
///   perform sts:AssumeRoleWithWebIdentity");
/// - restJson (Account): 403 with `x-amzn-ErrorType: AccessDeniedException`;
/// - the SSO portal's GetRoleCredentials: 401 `UnauthorizedException` "Session token not found or
///   invalid", its answer to an SSO access token that has expired or was revoked.
fn access_denied_reply(op: &str, protocol: Protocol) -> Reply {
    if op == "sso:GetRoleCredentials" {
        return Reply::rest_error(
            401,
            "UnauthorizedException",
            "Session token not found or invalid",
            serde_json::json!({}),
        );
    }
    let message = if op.starts_with("organizations:") {
        "You don't have permissions to access this resource.".to_string()
    } else if op == "sts:AssumeRoleWithWebIdentity" {
        // The role's trust policy does not trust the token's issuer, audience or subject.
        "Not authorized to perform sts:AssumeRoleWithWebIdentity".to_string()
    } else {
        format!("User is not authorized to perform: {op}")
    };
    match protocol {
        Protocol::Json => json_error(400, "AccessDeniedException", &message),
        Protocol::Query => xml_error(403, "Sender", "AccessDenied", &message),
        Protocol::Rest => Reply::rest_error(
            403,
            "AccessDeniedException",
            &message,
            serde_json::json!({}),
        ),
    }
}

/// AWS's answer to a request whose SigV4 signing time (`X-Amz-Date`) is more than 5 minutes from
/// its own clock, which runs `ahead` of the caller's:
/// - awsQuery (STS): 403 XML `SignatureDoesNotMatch` "Signature expired: <signed> is now earlier
///   than <now - 5 min> (<now> - 5 min.)";
/// - awsJson (Organizations, KMS, …): 400 `InvalidSignatureException` with the same message;
/// - restJson (Account): 403 `InvalidSignatureException`.
///
/// The `Date` header carries AWS's time, from which the SDK measures the skew.
fn clock_skew_reply(headers: &HeaderMap, protocol: Protocol, ahead: Duration) -> Reply {
    let aws_now = std::time::SystemTime::now() + ahead;
    let signed = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("an unknown time")
        .to_string();
    let message = format!(
        "Signature expired: {signed} is now earlier than {} ({} - 5 min.)",
        amz_date(aws_now - Duration::from_secs(300)),
        amz_date(aws_now)
    );
    let mut reply = match protocol {
        Protocol::Query => xml_error(403, "Sender", "SignatureDoesNotMatch", &message),
        Protocol::Json => json_error(400, "InvalidSignatureException", &message),
        Protocol::Rest => Reply::rest_error(
            403,
            "InvalidSignatureException",
            &message,
            serde_json::json!({}),
        ),
    };
    reply.headers.push(("date", http_date(aws_now)));
    reply
}

/// ISO 8601 in UTC to the second, as STS writes a session's `Expiration`.
pub(crate) fn iso8601(t: std::time::SystemTime) -> String {
    let (y, mo, d, h, mi, s, _) = civil(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Civil date and time in UTC of a point in time: (year, month, day, hour, minute, second, weekday
/// with 0 = Sunday).
pub(crate) fn civil(t: std::time::SystemTime) -> (i64, u32, u32, u32, u32, u32, u32) {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = (days + 4).rem_euclid(7) as u32;
    (
        year,
        month,
        day,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
        weekday,
    )
}

/// SigV4's `20260101T120000Z`.
fn amz_date(t: std::time::SystemTime) -> String {
    let (y, mo, d, h, mi, s, _) = civil(t);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// HTTP's `Thu, 01 Jan 2026 12:00:00 GMT`.
fn http_date(t: std::time::SystemTime) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s, wd) = civil(t);
    format!(
        "{}, {d:02} {} {y:04} {h:02}:{mi:02}:{s:02} GMT",
        DAYS[wd as usize],
        MONTHS[mo as usize - 1]
    )
}

pub(crate) fn json_error(status: u16, code: &str, message: &str) -> Reply {
    Reply {
        status,
        headers: vec![("content-type", "application/x-amz-json-1.1".to_string())],
        body: serde_json::json!({ "__type": code, "Message": message })
            .to_string()
            .into_bytes(),
    }
}

pub(crate) fn xml_error(status: u16, kind: &str, code: &str, message: &str) -> Reply {
    let body = format!(
        "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        request_id()
    );
    Reply {
        status,
        headers: vec![("content-type", "text/xml".to_string())],
        body: body.into_bytes(),
    }
}

// ---------------------------------------------------------------------------------------------
// Holds

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Armed,
    Held,
    Released,
}

#[derive(Debug)]
struct HoldInner {
    op: String,
    phase: Mutex<Phase>,
    changed: Condvar,
    release: tokio::sync::watch::Sender<bool>,
}

/// A hold on the next request matching an operation ([`Proxy::hold`]). Dropping it releases.
#[derive(Debug)]
pub struct Hold {
    inner: Arc<HoldInner>,
    shared: Arc<Shared>,
}

impl Hold {
    /// Blocks until a matching request is being held; false after `timeout`.
    pub fn wait_until_held(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut phase = lock(&self.inner.phase);
        while *phase == Phase::Armed {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            phase = self
                .inner
                .changed
                .wait_timeout(phase, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *phase == Phase::Held
    }

    /// True while a request is held.
    pub fn is_held(&self) -> bool {
        *lock(&self.inner.phase) == Phase::Held
    }

    /// Lets the held request (if any) go on, and disarms the hold.
    pub fn release(&self) {
        lock(&self.shared.holds).retain(|h| !Arc::ptr_eq(h, &self.inner));
        *lock(&self.inner.phase) = Phase::Released;
        self.inner.changed.notify_all();
        self.inner.release.send_replace(true);
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.release();
    }
}

// ---------------------------------------------------------------------------------------------
// The proxy

#[derive(Debug)]
struct Shared {
    upstream: http::Uri,
    counts: Mutex<BTreeMap<String, u64>>,
    /// Per service: requests in flight now, and the most seen at once.
    in_flight: Mutex<BTreeMap<String, (u64, u64)>>,
    faults: Mutex<FaultState>,
    holds: Mutex<Vec<Arc<HoldInner>>>,
    identities: Identities,
    regions: Regions,
    kms: KmsPeriods,
    root_features: RootFeatures,
    security_admins: crate::security_admins::SecurityAdmins,
    /// Accounts whose roles sts:AssumeRole refuses ([`Proxy::deny_assume_role`]).
    denied_roles: Mutex<std::collections::BTreeSet<String>>,
    /// AWS's uniqueness rules moto lacks (OU names under a parent, account emails).
    uniqueness: Uniqueness,
    /// The Organizations policy types moto lacks, answered here ([`crate::policy_types`]).
    policy_types: crate::policy_types::PolicyTypes,
    /// The strict-AWS layer ([`crate::strict`]).
    strict: crate::strict::State,
    /// Account names PutAccountName set, which moto lacks ([`crate::account_names`]).
    account_names: crate::account_names::AccountNames,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The fault-injecting proxy. Runs on its own thread and tokio runtime; dropping it stops both.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Listens on a free 127.0.0.1 port and forwards every request to `upstream`
    /// (`http://host:port`, e.g. [`Emulator::endpoint`]), applying `faults`.
    pub fn start(upstream: &str, faults: Faults) -> Proxy {
        let upstream: http::Uri = upstream
            .trim_end_matches('/')
            .parse()
            .unwrap_or_else(|e| panic!("proxy: bad upstream {upstream:?}: {e}"));
        assert!(
            upstream.scheme_str() == Some("http") && upstream.authority().is_some(),
            "proxy: the upstream must be http://host:port, got {upstream}"
        );
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap_or_else(|e| panic!("proxy: cannot bind 127.0.0.1:0: {e}"));
        listener
            .set_nonblocking(true)
            .expect("proxy: set_nonblocking");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let shared = Arc::new(Shared {
            upstream,
            counts: Mutex::default(),
            in_flight: Mutex::default(),
            faults: Mutex::new(FaultState::new(faults)),
            holds: Mutex::default(),
            identities: Identities::default(),
            regions: Regions::default(),
            kms: KmsPeriods::default(),
            root_features: RootFeatures::default(),
            security_admins: Default::default(),
            denied_roles: Mutex::default(),
            uniqueness: Uniqueness::default(),
            policy_types: Default::default(),
            strict: crate::strict::State::default(),
            account_names: Default::default(),
        });
        let (shutdown, stop) = tokio::sync::oneshot::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("govern-proxy-{}", addr.port()))
            .spawn(move || serve(listener, thread_shared, stop))
            .expect("proxy: cannot spawn its thread");
        Proxy {
            addr,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Requests seen, by operation (`"service:Operation"`), faulted and held ones included.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        lock(&self.shared.counts).clone()
    }

    /// Requests seen for one operation.
    pub fn count(&self, op: &str) -> u64 {
        lock(&self.shared.counts).get(op).copied().unwrap_or(0)
    }

    /// The most requests to `service` (e.g. "organizations") that were in flight at once since the
    /// start or the last [`Proxy::reset_counts`].
    pub fn max_in_flight(&self, service: &str) -> u64 {
        lock(&self.shared.in_flight)
            .get(service)
            .map_or(0, |(_, max)| *max)
    }

    pub fn reset_counts(&self) {
        lock(&self.shared.in_flight)
            .values_mut()
            .for_each(|(now, max)| *max = *now);
        lock(&self.shared.counts).clear();
    }

    /// Replaces the rules (and restarts their counters and draws) while running.
    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.shared.faults) = FaultState::new(faults);
    }

    /// Holds the next request matching `op` (same matchers as [`Rule`]) until the hold is released
    /// or dropped. The held request is counted on arrival.
    pub fn hold(&self, op: &str) -> Hold {
        let inner = Arc::new(HoldInner {
            op: op.to_string(),
            phase: Mutex::new(Phase::Armed),
            changed: Condvar::new(),
            release: tokio::sync::watch::Sender::new(false),
        });
        lock(&self.shared.holds).push(inner.clone());
        Hold {
            inner,
            shared: self.shared.clone(),
        }
    }

    /// Region opt-in state the proxy answers the Account region APIs from.
    pub fn regions(&self) -> &Regions {
        &self.shared.regions
    }

    /// KMS rotation periods the proxy adds to GetKeyRotationStatus answers.
    /// IAM's centralized root access features, which the proxy answers (moto lacks them).
    pub fn root_features(&self) -> &RootFeatures {
        &self.shared.root_features
    }

    /// GuardDuty's and Security Hub's organization administrators (moto lacks List and Disable).
    pub fn security_admins(&self) -> &crate::security_admins::SecurityAdmins {
        &self.shared.security_admins
    }

    pub fn kms_periods(&self) -> &KmsPeriods {
        &self.shared.kms
    }

    /// From now on, sts:AssumeRole of any role in `account` (the account of the request's RoleArn)
    /// is answered 403 `AccessDenied` in STS's XML error shape, as AWS answers when the role does
    /// not exist or does not trust the caller. Checked after the fault rules; counted as usual.
    pub fn deny_assume_role(&self, account: &str) {
        lock(&self.shared.denied_roles).insert(account.to_string());
    }

    /// Undoes [`Proxy::deny_assume_role`] for `account`.
    pub fn allow_assume_role(&self, account: &str) {
        lock(&self.shared.denied_roles).remove(account);
    }

    /// The strict-AWS layer: which behaviours are on ([`crate::strict::State::set`]) and what they
    /// remember. Off unless switched on.
    pub fn strict(&self) -> &crate::strict::State {
        &self.shared.strict
    }

    /// Switches the strict-AWS layer's behaviours (see [`crate::strict::Strict`]).
    pub fn set_strict(&self, strict: crate::strict::Strict) {
        self.shared.strict.set(strict);
    }

    /// Access keys issued through the proxy by STS AssumeRole, and their accounts.
    pub fn identities(&self) -> &Identities {
        &self.shared.identities
    }

    /// [`Emulator::env`] with the endpoint pointing at this proxy.
    pub fn env(&self, emulator: &Emulator) -> Vec<(String, String)> {
        let mut env = emulator.env();
        for (key, value) in &mut env {
            if key == "AWS_ENDPOINT_URL" {
                *value = self.endpoint();
            }
        }
        env
    }

    /// [`Emulator::configure`] with the endpoint pointing at this proxy.
    pub fn configure(&self, emulator: &Emulator, cmd: &mut Command) {
        emulator.configure(cmd);
        cmd.envs(self.env(emulator));
    }

    /// Like [`Emulator::sdk_config`], with this proxy as the endpoint.
    pub async fn sdk_config(&self) -> SdkConfig {
        crate::emulator::sdk_config_for(&self.endpoint()).await
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        for hold in lock(&self.shared.holds).drain(..) {
            hold.release.send_replace(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn serve(listener: TcpListener, shared: Arc<Shared>, stop: tokio::sync::oneshot::Receiver<()>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .thread_name("govern-proxy-worker")
        .enable_all()
        .build()
        .expect("proxy: cannot build its tokio runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("proxy: tokio listener");
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client: HttpClient = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
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
            let client = client.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    handle(shared.clone(), client.clone(), req)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(100));
}

/// The service error that makes hyper close the connection without an answer.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fault: drop the connection")
    }
}

impl std::error::Error for DropConnection {}

/// Counts a request in flight for its service until dropped (on every way out of `handle`).
struct InFlight<'a> {
    shared: &'a Shared,
    service: String,
}

impl<'a> InFlight<'a> {
    fn start(shared: &'a Shared, op: &str) -> Self {
        let service = op.split(':').next().unwrap_or(op).to_string();
        let mut map = lock(&shared.in_flight);
        let (now, max) = map.entry(service.clone()).or_insert((0, 0));
        *now += 1;
        *max = (*max).max(*now);
        InFlight { shared, service }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some((now, _)) = lock(&self.shared.in_flight).get_mut(&self.service) {
            *now = now.saturating_sub(1);
        }
    }
}

async fn handle(
    shared: Arc<Shared>,
    client: HttpClient,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Err(DropConnection),
    };
    let (op, protocol) = classify(&parts.method, &parts.uri, &parts.headers, &body);
    *lock(&shared.counts).entry(op.clone()).or_insert(0) += 1;
    let _flight = InFlight::start(&shared, &op);

    // A hold takes the request before any fault.
    let hold = {
        let mut holds = lock(&shared.holds);
        let index = holds.iter().position(|h| op_matches(&h.op, &op));
        index.map(|i| holds.remove(i))
    };
    if let Some(hold) = hold {
        let mut release = hold.release.subscribe();
        {
            let mut phase = lock(&hold.phase);
            if *phase == Phase::Armed {
                *phase = Phase::Held;
            }
            hold.changed.notify_all();
        }
        let _ = release.wait_for(|released| *released).await;
    }

    let decision = lock(&shared.faults).decide(&op);
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    let lose_answer = match decision.answer {
        Some(Effect::Throttle) => return Ok(reply(throttle_reply(&op, protocol))),
        Some(Effect::Status(status)) => return Ok(reply(status_reply(status, protocol))),
        Some(Effect::Drop) => return Err(DropConnection),
        Some(Effect::AccessDenied) => return Ok(reply(access_denied_reply(&op, protocol))),
        Some(Effect::ClockSkew(ahead)) => {
            return Ok(reply(clock_skew_reply(&parts.headers, protocol, ahead)))
        }
        Some(Effect::LoseAnswer) => true,
        Some(Effect::Latency(_) | Effect::RandomLatency { .. }) | None => false,
    };
    let answer = answer(&shared, &client, &op, parts, body).await;
    if lose_answer {
        // The request has acted; its answer goes nowhere.
        return Err(DropConnection);
    }
    Ok(answer)
}

/// What AWS answers a request that no fault stopped.
async fn answer(
    shared: &Shared,
    client: &HttpClient,
    op: &str,
    parts: http::request::Parts,
    body: Bytes,
) -> Response<Full<Bytes>> {
    if op == "sts:AssumeRole" {
        if let Some(reply) = denied_assume_role(shared, &parts.headers, &body) {
            return reply;
        }
    }

    let call = crate::strict::Call {
        op,
        caller: shared.identities.caller_account(&parts.headers),
        region: crate::responders::credential_region(&parts.headers),
        headers: &parts.headers,
        body: &body,
        regions: &shared.regions,
    };
    if let Some(answer) = shared.strict.before(&call) {
        return reply(answer);
    }

    // moto has no Access Analyzer: the proxy answers ValidatePolicy (`access_analyzer`).
    if op == "access-analyzer:ValidatePolicy" {
        return reply(crate::access_analyzer::validate_policy(&body));
    }

    // moto 5.2.5 has no PutAccountName: the proxy keeps the name (`account_names`).
    if op == "account:PutAccountName" {
        let caller = shared.identities.caller_account(&parts.headers);
        return reply(shared.account_names.put(&caller, &body));
    }

    if REGION_OPS.contains(&op) {
        let caller = shared.identities.caller_account(&parts.headers);
        let name = op.trim_start_matches("account:");
        return reply(shared.regions.handle(name, &caller, &body));
    }

    if let Some(answer) = shared.root_features.service_access(op, &body) {
        return reply(answer);
    }
    if ROOT_FEATURE_OPS.contains(&op) {
        let caller = shared.identities.caller_account(&parts.headers);
        // moto routes a request by its credential scope's service: ask Organizations as such.
        let mut headers = parts.headers.clone();
        if let Some(auth) = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(|a| a.replace("/iam/aws4_request", "/organizations/aws4_request"))
            .and_then(|a| http::HeaderValue::from_str(&a).ok())
        {
            headers.insert(http::header::AUTHORIZATION, auth);
        }
        let upstream = Asking {
            shared,
            client,
            headers: &headers,
        };
        let org = org_view(&upstream).await;
        let name = op.trim_start_matches("iam:");
        return reply(shared.root_features.handle(name, &caller, &org));
    }

    // GuardDuty's and Security Hub's organization administrators: moto takes the Enable, the
    // proxy keeps the record and answers List and Disable (crate::security_admins says why).
    if let Some((service, admin_op)) = crate::security_admins::admin_op(op) {
        use crate::security_admins::AdminOp;
        let region = call.region.clone().unwrap_or_default();
        let admins = &shared.security_admins;
        if admin_op != AdminOp::Enable || !crate::security_admins::moto_enables(service) {
            // Macie's Disable names the account in the query string.
            let input = match parts.uri.query() {
                Some(q) if body.is_empty() => Bytes::from(q.to_string()),
                _ => body.clone(),
            };
            return reply(admins.answer(service, admin_op, &region, &input));
        }
        if let Some(refused) = admins.refuse_enable(service, &region, &body) {
            return reply(refused);
        }
        let response = forward(shared, client, op, parts, body.clone()).await;
        if response.status() == StatusCode::OK {
            admins.enabled(service, &region, &body);
        }
        return response;
    }

    if op.starts_with("cloudtrail:") {
        // moto routes a request by its credential scope's service: ask Organizations as such.
        let mut headers = parts.headers.clone();
        if let Some(auth) = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(|a| a.replace("/cloudtrail/aws4_request", "/organizations/aws4_request"))
            .and_then(|a| http::HeaderValue::from_str(&a).ok())
        {
            headers.insert(http::header::AUTHORIZATION, auth);
        }
        let upstream = Asking {
            shared,
            client,
            headers: &headers,
        };
        if let Some(answer) = crate::responders::org_trail_refusal(op, &body, &upstream).await {
            return reply(answer);
        }
    }

    if op.starts_with("organizations:") {
        let upstream = Asking {
            shared,
            client,
            headers: &parts.headers,
        };
        // moto refuses the policy types it does not know; the proxy answers them as AWS does.
        if let Some(answer) = shared.policy_types.check(op, &body, &upstream).await {
            return reply(answer);
        }
        if let Some(answer) = shared.uniqueness.check(op, &body, &upstream).await {
            return reply(answer);
        }
    }

    forward(shared, client, op, parts, body).await
}

/// The caller's organization, from the emulator.
async fn org_view(upstream: &Asking<'_>) -> OrgView {
    let organization = upstream
        .organizations("DescribeOrganization", serde_json::json!({}))
        .await
        .and_then(|o| {
            let org = o.get("Organization")?;
            Some((
                org.get("Id")?.as_str()?.to_string(),
                org.get("MasterAccountId")?.as_str()?.to_string(),
            ))
        });
    OrgView { organization }
}

/// The emulator, asked an Organizations question with the credentials of the request at hand.
struct Asking<'a> {
    shared: &'a Shared,
    client: &'a HttpClient,
    headers: &'a HeaderMap,
}

impl Upstream for Asking<'_> {
    async fn organizations(
        &self,
        target: &str,
        body: serde_json::Value,
    ) -> Option<serde_json::Value> {
        let authority = self.shared.upstream.authority()?.as_str();
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(format!("http://{authority}/"));
        for (name, value) in self.headers {
            if !is_hop_by_hop(name)
                && name != http::header::CONTENT_LENGTH
                && name != "x-amz-target"
            {
                request = request.header(name, value);
            }
        }
        let request = request
            .header(
                "x-amz-target",
                format!("AWSOrganizationsV20161128.{target}"),
            )
            .body(Full::new(Bytes::from(body.to_string())))
            .ok()?;
        let response = self.client.request(request).await.ok()?;
        if response.status() != StatusCode::OK {
            return None;
        }
        let bytes = response.into_body().collect().await.ok()?.to_bytes();
        serde_json::from_slice(&bytes).ok()
    }
}

/// The AccessDenied answer for an AssumeRole of a role in a denied account, if it is one.
fn denied_assume_role(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Response<Full<Bytes>>> {
    let arn = form_param(body, "RoleArn")?;
    let account = arn.split(':').nth(4)?;
    if !lock(&shared.denied_roles).contains(account) {
        return None;
    }
    let caller = shared.identities.caller_account(headers);
    Some(reply(xml_error(
        403,
        "Sender",
        "AccessDenied",
        &format!(
            "User: arn:aws:iam::{caller}:user/moto is not authorized to perform: sts:AssumeRole on resource: {arn}"
        ),
    )))
}

async fn forward(
    shared: &Shared,
    client: &HttpClient,
    op: &str,
    parts: http::request::Parts,
    body: Bytes,
) -> Response<Full<Bytes>> {
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    let authority = shared
        .upstream
        .authority()
        .expect("checked at start")
        .as_str();
    let uri = format!("http://{authority}{path_and_query}");
    let mut upstream_req = Request::builder().method(parts.method.clone()).uri(&uri);
    for (name, value) in &parts.headers {
        if !is_hop_by_hop(name) {
            upstream_req = upstream_req.header(name, value);
        }
    }
    let upstream_req = match upstream_req.body(Full::new(body.clone())) {
        Ok(r) => r,
        Err(e) => return bad_gateway(&format!("cannot build the upstream request {uri}: {e}")),
    };
    let response = match client.request(upstream_req).await {
        Ok(r) => r,
        Err(e) => return bad_gateway(&format!("upstream {uri}: {e}")),
    };
    let (res_parts, res_body) = response.into_parts();
    let mut res_body = match res_body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return bad_gateway(&format!("upstream body {uri}: {e}")),
    };
    if res_parts.status == StatusCode::OK {
        match op {
            "sts:AssumeRole" => shared.identities.observe_assume_role(&body, &res_body),
            "kms:EnableKeyRotation" => shared.kms.observe("EnableKeyRotation", &body),
            "kms:DisableKeyRotation" => shared.kms.observe("DisableKeyRotation", &body),
            "organizations:ListRoots" => {
                if let Some(patched) = shared.policy_types.patch_list_roots(&res_body) {
                    res_body = Bytes::from(patched);
                }
            }
            "kms:GetKeyRotationStatus" => {
                if let Some(patched) = shared.kms.patch_status(&body, &res_body) {
                    res_body = Bytes::from(patched);
                }
            }
            op if op.starts_with("organizations:ListAccounts")
                || op == "organizations:DescribeAccount" =>
            {
                if let Some(patched) = shared.account_names.patch(op, &res_body) {
                    res_body = Bytes::from(patched);
                }
            }
            "organizations:ListAWSServiceAccessForOrganization" => {
                if let Some(patched) = shared.root_features.patch_service_access(&res_body) {
                    res_body = Bytes::from(patched);
                }
            }
            op if op.starts_with("s3:GET ") && parts.uri.query() == Some("versioning") => {
                if let Some(patched) = crate::responders::patch_s3_versioning(&res_body) {
                    res_body = Bytes::from(patched);
                }
            }
            _ => {}
        }
    }
    let call = crate::strict::Call {
        op,
        caller: shared.identities.caller_account(&parts.headers),
        region: crate::responders::credential_region(&parts.headers),
        headers: &parts.headers,
        body: &body,
        regions: &shared.regions,
    };
    shared
        .strict
        .after(&call, res_parts.status.as_u16(), &mut res_body);
    let mut out = Response::new(Full::new(res_body));
    *out.status_mut() = res_parts.status;
    for (name, value) in &res_parts.headers {
        if !is_hop_by_hop(name) && name != http::header::CONTENT_LENGTH {
            out.headers_mut().append(name, value.clone());
        }
    }
    out
}

fn is_hop_by_hop(name: &http::HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}

fn bad_gateway(message: &str) -> Response<Full<Bytes>> {
    reply(Reply::rest_error(
        502,
        "BadGateway",
        &format!("proxy: {message}"),
        serde_json::json!({}),
    ))
}

pub(crate) fn reply(reply: Reply) -> Response<Full<Bytes>> {
    let mut out = Response::new(Full::new(Bytes::from(reply.body)));
    *out.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = out.headers_mut();
    for (name, value) in reply.headers {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    if let Ok(id) = http::HeaderValue::from_str(&request_id()) {
        headers.insert("x-amzn-requestid", id);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn auth(service: &str) -> String {
        format!("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00")
    }

    fn op(method: Method, path: &str, h: &[(&str, &str)], body: &str) -> (String, Protocol) {
        classify(
            &method,
            &path.parse().unwrap(),
            &headers(h),
            body.as_bytes(),
        )
    }

    #[test]
    fn operations_are_named_by_service_and_action() {
        assert_eq!(
            op(
                Method::POST,
                "/",
                &[("x-amz-target", "AWSOrganizationsV20161128.ListAccounts")],
                "{}"
            )
            .0,
            "organizations:ListAccounts"
        );
        assert_eq!(
            op(
                Method::POST,
                "/",
                &[("x-amz-target", "TrentService.ListKeys")],
                "{}"
            )
            .0,
            "kms:ListKeys"
        );
        assert_eq!(
            op(
                Method::POST,
                "/",
                &[("x-amz-target", "secretsmanager.ListSecrets")],
                "{}"
            )
            .0,
            "secretsmanager:ListSecrets"
        );
        let sts = auth("sts");
        assert_eq!(
            op(
                Method::POST,
                "/",
                &[("authorization", &sts)],
                "Action=AssumeRole&Version=2011-06-15"
            ),
            ("sts:AssumeRole".to_string(), Protocol::Query)
        );
        // Unsigned: no credential scope, but the action is STS's.
        assert_eq!(
            op(
                Method::POST,
                "/",
                &[],
                "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
            ),
            ("sts:AssumeRoleWithWebIdentity".to_string(), Protocol::Query)
        );
        assert_eq!(
            op(
                Method::GET,
                "/federation/credentials?role_name=Admin&account_id=123456789012",
                &[("x-amz-sso_bearer_token", "token")],
                ""
            ),
            ("sso:GetRoleCredentials".to_string(), Protocol::Rest)
        );
        let account = auth("account");
        assert_eq!(
            op(
                Method::POST,
                "/getAlternateContact",
                &[("authorization", &account)],
                "{}"
            ),
            ("account:GetAlternateContact".to_string(), Protocol::Rest)
        );
        let other = auth("dynamodb");
        assert_eq!(
            op(
                Method::POST,
                "/",
                &[
                    ("authorization", &other),
                    ("x-amz-target", "DynamoDB_20120810.ListTables")
                ],
                "{}"
            )
            .0,
            "dynamodb:ListTables"
        );
        let lambda = auth("lambda");
        assert_eq!(
            op(
                Method::GET,
                "/2015-03-31/functions/",
                &[("authorization", &lambda)],
                ""
            )
            .0,
            "lambda:GET /2015-03-31/functions/"
        );
    }

    #[test]
    fn dates_as_sigv4_and_http_write_them() {
        let t = std::time::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        assert_eq!(amz_date(t), "20260101T000000Z");
        assert_eq!(http_date(t), "Thu, 01 Jan 2026 00:00:00 GMT");
        let t = std::time::UNIX_EPOCH + Duration::from_secs(1_709_211_909);
        assert_eq!(amz_date(t), "20240229T130509Z");
        assert_eq!(http_date(t), "Thu, 29 Feb 2024 13:05:09 GMT");
    }

    #[test]
    fn matchers() {
        assert!(op_matches("*", "kms:ListKeys"));
        assert!(op_matches("kms:*", "kms:ListKeys"));
        assert!(!op_matches("kms:*", "kmsx:ListKeys"));
        assert!(op_matches("kms:ListKeys", "kms:ListKeys"));
        assert!(!op_matches("kms:ListKeys", "kms:ListKeysX"));
    }

    #[test]
    fn times_then_pass_and_latency_adds_up() {
        let mut state = FaultState::new(
            Faults::seeded(1)
                .rule(Rule::latency("*", Duration::from_millis(5)))
                .rule(Rule::throttle("organizations:ListRoots").times(2))
                .rule(Rule::status("organizations:*", 503).times(1))
                .rule(Rule::latency("organizations:*", Duration::from_millis(1))),
        );
        let d = state.decide("organizations:ListRoots");
        assert_eq!(d.answer, Some(Effect::Throttle));
        assert_eq!(d.delay, Duration::from_millis(6));
        assert_eq!(
            state.decide("organizations:ListRoots").answer,
            Some(Effect::Throttle)
        );
        // The 503 rule was not consumed while the throttle answered.
        assert_eq!(
            state.decide("organizations:ListRoots").answer,
            Some(Effect::Status(503))
        );
        assert_eq!(state.decide("organizations:ListRoots").answer, None);
        assert_eq!(state.decide("kms:ListKeys").delay, Duration::from_millis(5));
    }

    #[test]
    fn draws_are_seeded_and_independent_of_interleaving() {
        let faults = |seed| {
            Faults::seeded(seed)
                .rule(Rule::throttle("kms:*").probability(0.5))
                .rule(Rule::random_latency(
                    "*",
                    Duration::ZERO,
                    Duration::from_millis(10),
                ))
        };
        let run = |seed, interleave: bool| {
            let mut state = FaultState::new(faults(seed));
            let mut kms = Vec::new();
            for _ in 0..64 {
                if interleave {
                    state.decide("sts:AssumeRole");
                }
                kms.push(state.decide("kms:ListKeys"));
            }
            kms
        };
        assert_eq!(run(7, false), run(7, false));
        assert_eq!(run(7, false), run(7, true));
        assert_ne!(run(7, false), run(8, false));
        let throttled = run(7, false).iter().filter(|d| d.answer.is_some()).count();
        assert!((16..48).contains(&throttled), "{throttled} of 64 at p=0.5");
    }
}
