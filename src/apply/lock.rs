//! One apply at a time per organization, across machines.
//!
//! The lock lives in the organization itself, so every process that can apply can see it: an
//! unattached SCP named [`LOCK_POLICY`]. CreatePolicy refuses a second policy of the same name
//! (DuplicatePolicyException), which makes taking the lock atomic without any other service or
//! shared file. The description records who holds it (host user, credentials' caller ARN, host and
//! pid), since when and until when. The policy allows everything and is never attached, so it
//! changes no permission.
//!
//! A lock is broken only on purpose, and never from under a holder that still works (issue 14): a
//! lock past its expiry is stale and `--break-lock` takes it over; one that has not expired is taken
//! only by `--break-lock ID`, the holder id (the lock policy's id, new for every lock taken) that the
//! "locked by" message shows, so that a second apply never breaks a lock whose holder it did not
//! look at. The holder refreshes its expiry while it works ([`Lock::keep`], before every change) and
//! checks that the lock is still its own; when it finds it broken or taken over, it starts no more
//! changes.
//!
//! That check is a request, and an apply of a large organization makes thousands of changes: so the
//! holder confirms its lock at most once every [`LOCK_CONFIRM`] (one DescribePolicy), not before
//! every change, and whoever breaks a lock that had not expired waits that long after deleting it
//! before its first change. The old holder last confirmed at t₀, before the break at t_b, and starts
//! no change after t₀ + [`LOCK_CONFIRM`] without confirming again, which fails: every change it can
//! still start begins before t_b + [`LOCK_CONFIRM`], when the breaker's first one does. The interval
//! is measured on each process's monotonic clock, so hosts' clocks need not agree.
//!
//! Answers get lost: AWS creates the lock, the answer never arrives, the SDK retries and AWS answers
//! DuplicatePolicyException — to the run that holds the lock. So the description also carries a
//! token drawn once per apply run: a run that finds a lock with its own token adopts it. A delete
//! whose answer was lost is retried and answered PolicyNotFoundException, which is a release; and a
//! run deletes only a lock whose token is its own.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_organizations::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_organizations::types::PolicyType;
use aws_sdk_organizations::Client;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use crate::model::LOCK_POLICY;
/// How long a lock stays valid without its holder; applies of large organizations take minutes.
pub const LOCK_TTL: Duration = Duration::from_secs(60 * 60);
/// AWS's limit on a policy's description, which holds the [`Holder`] as JSON.
const DESCRIPTION_MAX: usize = 512;
/// How often the holder rewrites its expiry while it works, unless GOVERN_LOCK_REFRESH_SECS says
/// otherwise (tests set 0: before every change). Well under [`LOCK_TTL`], so that one change as long
/// as any govern makes (a CreateAccount's wait, at most 15 minutes) cannot outlast the lock.
const LOCK_REFRESH: Duration = Duration::from_secs(5 * 60);
/// How often the holder confirms the lock is still its own while it works, unless
/// GOVERN_LOCK_CONFIRM_SECS says otherwise (the lock tests set 0: before every change). Also how
/// long breaking a live lock waits before its first change (module docs). Before this, every change
/// cost one DescribePolicy: 41 in the demo's apply, ~150,000 for a 50,000-account baseline rollout.
const LOCK_CONFIRM: Duration = Duration::from_secs(20);
/// Attempts per lock request, at least: a lock left behind blocks every apply for an hour and a
/// lock not taken fails a run that could have run, so the lock's few calls get more tries than
/// `--max-attempts` gives the many others.
const LOCK_MIN_ATTEMPTS: u32 = 8;

/// Who holds the lock, as the lock policy's description records it (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// `user@host pid N`: what older versions of govern write and read.
    pub holder: String,
    /// Seconds since the Unix epoch.
    pub started: u64,
    pub expires: u64,
    /// When the holder last rewrote `expires` while it worked ([`Lock::keep`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refreshed: Option<u64>,
    /// Drawn once per apply run: how a run recognises its own lock after a lost answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The credentials' caller ARN, as STS GetCallerIdentity answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// When that process started, in clock ticks after boot (field 22 of /proc/PID/stat), so that
    /// a pid the system has since given to another process is not taken for the holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_started: Option<u64>,
}

/// Whether a holder's process still runs, as far as this host can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Running,
    /// On this host, and its pid runs no more (or runs another process).
    Gone,
    /// Another host, a lock without a pid, or no /proc to look in.
    Unknown,
}

impl Holder {
    /// This apply run: the host user, the credentials' caller ARN, host, pid and a fresh token.
    /// [`acquire`] sets the times.
    pub fn this_run(caller_arn: &str) -> Holder {
        let host = host();
        let pid = std::process::id();
        Holder {
            holder: format!("{}@{host} pid {pid}", user()),
            started: 0,
            expires: 0,
            refreshed: None,
            token: Some(token()),
            caller: (!caller_arn.is_empty()).then(|| caller_arn.to_string()),
            host: Some(host),
            pid: Some(pid),
            pid_started: process_started(pid),
        }
    }

    /// `user@host pid N (caller ARN)`.
    pub fn name(&self) -> String {
        match &self.caller {
            Some(arn) => format!("{} ({arn})", self.holder),
            None => self.holder.clone(),
        }
    }

    pub fn liveness(&self) -> Liveness {
        match (&self.host, self.pid) {
            (Some(h), Some(pid)) if *h == host() => process_liveness(pid, self.pid_started),
            _ => Liveness::Unknown,
        }
    }

    /// The description AWS stores: this holder as JSON, the caller ARN cut short if the whole
    /// would pass AWS's 512 characters.
    fn description(&self) -> String {
        let mut h = self.clone();
        loop {
            let text = serde_json::to_string(&h).expect("serializes");
            let over = text.chars().count().saturating_sub(DESCRIPTION_MAX);
            match h.caller.as_mut() {
                Some(arn) if over > 0 => {
                    let keep = arn.chars().count().saturating_sub(over + 1);
                    *arn = arn.chars().take(keep).chain(['…']).collect();
                    if keep == 0 {
                        h.caller = None;
                    }
                }
                _ => return text,
            }
        }
    }
}

/// What `--break-lock` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// Not given: a held lock refuses the apply.
    No,
    /// `--break-lock`: take over a lock that has expired, and no other.
    Expired,
    /// `--break-lock ID`: take over the lock whose holder id is ID, expired or not.
    Holder(String),
}

impl Break {
    /// From the command line's `--break-lock [ID]`.
    pub fn from_arg(arg: Option<&Option<String>>) -> Break {
        match arg {
            None => Break::No,
            Some(None) => Break::Expired,
            Some(Some(id)) => Break::Holder(id.clone()),
        }
    }
}

/// Whether `text` has the shape of a holder id: a policy id, `p-` and 8 to 128 lowercase letters or
/// digits (Organizations API reference, PolicyId pattern `^p-[0-9a-zA-Z_]{8,128}$`).
pub fn is_holder_id(text: &str) -> bool {
    text.strip_prefix("p-").is_some_and(|rest| {
        (8..=128).contains(&rest.len())
            && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// A held lock; call [`Lock::keep`] before each change and [`Lock::release`] when done (an
/// unreleased lock expires after [`LOCK_TTL`]).
pub struct Lock {
    policy_id: String,
    holder: Holder,
    /// When this run last wrote its expiry (taking the lock, or [`Lock::keep`]).
    written: u64,
    /// When this run last saw the lock as its own, taken before the request that saw it was sent
    /// (taking the lock counts): [`Lock::keep`] asks again only [`LOCK_CONFIRM`] after it.
    confirmed: Instant,
}

/// What became of the lock when apply gave it back.
#[derive(Debug)]
pub enum Released {
    /// Deleted (also when the delete's answer was lost and its retry found it gone).
    Released,
    /// Gone before this run gave it back: another process broke it (`--break-lock`) meanwhile.
    Broken,
    /// The lock policy now names another holder (`by`): left in place.
    TakenOver { by: String },
    /// Could not be given back: it stays until it expires or is broken.
    Left { policy_id: String, error: Error },
}

impl Released {
    /// A line for the user when the release was not plain, naming what happened to the lock.
    pub fn warning(&self, expires: u64) -> Option<String> {
        match self {
            Released::Released => None,
            Released::Broken => Some(
                "warning: the apply lock was broken (--break-lock) by another process during this \
                 apply; another apply may have run at the same time: run `govern plan` to check"
                    .into(),
            ),
            Released::TakenOver { by } => Some(format!(
                "warning: the apply lock was taken over during this apply by {by}; it is left in place"
            )),
            Released::Left { policy_id, error } => Some(format!(
                "warning: the apply lock ({LOCK_POLICY}, {policy_id}) could not be released: \
                 {error}. It refuses every apply until it expires at {}; this apply has ended, so \
                 `govern apply --break-lock {policy_id}` can take it over",
                crate::apply::record::rfc3339(expires)
            )),
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "unknown-host".into())
}

/// The host user: `USER` or `LOGNAME` (what login shells set), else the name of this process's uid
/// in /etc/passwd (CI containers and cron often set neither), else `uid N`.
fn user() -> String {
    if let Some(name) = ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
    {
        return name;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) {
            let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
            let name = passwd.lines().find_map(|line| {
                let mut fields = line.split(':');
                let name = fields.next()?;
                (fields.nth(1)? == uid.to_string()).then(|| name.to_string())
            });
            return name.unwrap_or_else(|| format!("uid {uid}"));
        }
    }
    "unknown user".into()
}

/// 128 random bits, hex.
fn token() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
        // No system randomness: the time and pid still tell runs apart.
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        bytes = (nanos ^ (u128::from(std::process::id()) << 96)).to_le_bytes();
    }
    hex::encode(bytes)
}

/// Field 22 of /proc/PID/stat (start time), and whether the process is a zombie; None without it.
fn process_stat(pid: u32) -> Option<(u64, bool)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
    let mut rest = stat[stat.rfind(')')? + 1..].split_whitespace();
    let zombie = rest.next()? == "Z";
    Some((rest.nth(18)?.parse().ok()?, zombie))
}

fn process_started(pid: u32) -> Option<u64> {
    process_stat(pid).map(|(started, _)| started)
}

fn process_liveness(pid: u32, started: Option<u64>) -> Liveness {
    if !std::path::Path::new("/proc/self/stat").exists() {
        return Liveness::Unknown;
    }
    match process_stat(pid) {
        None => Liveness::Gone,
        Some((_, true)) => Liveness::Gone,
        Some((now, _)) if started.is_some_and(|s| s != now) => Liveness::Gone,
        Some(_) => Liveness::Running,
    }
}

/// `org` with at least [`LOCK_MIN_ATTEMPTS`] attempts per request, and the session's backoff.
fn with_lock_retries(org: &Client) -> Client {
    let config = org.config();
    let retry = config
        .retry_config()
        .cloned()
        .unwrap_or_else(aws_config::retry::RetryConfig::standard);
    let attempts = retry.max_attempts().max(LOCK_MIN_ATTEMPTS);
    Client::from_conf(
        config
            .to_builder()
            .retry_config(retry.with_max_attempts(attempts))
            .build(),
    )
}

const DOCUMENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// How often [`acquire`] finds the lock gone or re-taken between its calls before it gives up.
const CHANGES_OF_HANDS: usize = 3;

/// Takes the organization's lock for `me` ([`Holder::this_run`]); with `breaking`, takes it over
/// from another holder first, when that is allowed ([`Break`]).
pub async fn acquire(org: &Client, mut me: Holder, breaking: &Break) -> Result<Lock> {
    let org = &with_lock_retries(org);
    me.started = now();
    me.expires = me.started + LOCK_TTL.as_secs();
    let description = me.description();
    let mut broke = false;
    // When a lock that had not expired was deleted: its holder may still start changes until it
    // next confirms its lock (module docs), so this run waits before its first.
    let mut broke_live: Option<Instant> = None;
    for _ in 0..CHANGES_OF_HANDS {
        let r = org
            .create_policy()
            .name(LOCK_POLICY)
            .r#type(PolicyType::ServiceControlPolicy)
            .content(DOCUMENT)
            .description(&description)
            .send()
            .await;
        let duplicate = match r {
            Ok(out) => {
                let policy_id = out
                    .policy()
                    .and_then(|p| p.policy_summary())
                    .and_then(|s| s.id())
                    .unwrap_or_default()
                    .to_string();
                if let (Break::Holder(wanted), false) = (breaking, broke) {
                    // Said, not silent: whoever typed the id believed a lock was held.
                    eprintln!(
                        "no apply lock was held (the one --break-lock {wanted} names is gone): \
                         nothing to break, this apply took the lock"
                    );
                }
                wait_after_break(broke_live).await;
                return Ok(Lock::new(policy_id, me));
            }
            Err(e) => e
                .as_service_error()
                .is_some_and(|s| s.is_duplicate_policy_exception())
                .then_some(())
                .ok_or(e),
        };
        if let Err(e) = duplicate {
            // Did the create land anyway (its answer lost, and the retries too)?
            if let Ok(Some((policy_id, Some(h)))) = current(org).await {
                if h.token.is_some() && h.token == me.token {
                    wait_after_break(broke_live).await;
                    return Ok(Lock::new(policy_id, me));
                }
            }
            return Err(Error::aws("CreatePolicy", LOCK_POLICY, e));
        }
        let Some((id, other)) = current(org).await? else {
            // Released between the create and the read: try again.
            continue;
        };
        if let Some(h) = &other {
            if h.token.is_some() && h.token == me.token {
                // This run's own create: its answer was lost and the SDK's retry met it.
                tracing::info!(policy_id = %id, "adopted the apply lock this run created");
                wait_after_break(broke_live).await;
                return Ok(Lock::new(id, me));
            }
        }
        let expired = other.as_ref().is_some_and(|h| h.expires < now());
        let name = other
            .as_ref()
            .map(Holder::name)
            .unwrap_or_else(|| "an unknown holder".into());
        if broke {
            return Err(Error::Refused {
                message: format!(
                    "another apply took the lock again right after it was broken: {name} (holder \
                     id {id})"
                ),
                hint: None,
            });
        }
        match breaking {
            Break::No => return Err(held(&id, other, expired)),
            Break::Expired if !expired => {
                return Err(Error::Refused {
                    message: format!(
                        "the organization's apply lock has not expired, so --break-lock alone does \
                         not take it: {}",
                        describe(&id, other.as_ref())
                    ),
                    hint: Some(format!(
                        "its holder may still be applying. If you are sure it is not (check with \
                         its owner), break this lock by its holder id: `govern apply --break-lock \
                         {id}`"
                    )),
                });
            }
            Break::Holder(wanted) if *wanted != id => {
                return Err(Error::Refused {
                    message: format!(
                        "--break-lock {wanted} names a lock that is not the one held now: {}",
                        describe(&id, other.as_ref())
                    ),
                    hint: Some(format!(
                        "the apply you meant may have ended and another taken the lock; if this \
                         one too is gone, `govern apply --break-lock {id}`"
                    )),
                });
            }
            Break::Expired | Break::Holder(_) => {}
        }
        eprintln!(
            "breaking the apply lock held by {name} (holder id {id}): {}",
            match other.as_ref().map(Holder::liveness) {
                Some(Liveness::Gone) => "its process is no longer running",
                _ if expired => "it has expired",
                _ => "not yet expired, broken by its holder id",
            }
        );
        delete(org, &id).await?;
        if !expired {
            broke_live = Some(Instant::now());
        }
        broke = true;
    }
    Err(Error::Refused {
        message: format!(
            "the apply lock changed hands {CHANGES_OF_HANDS} times while govern tried to take it"
        ),
        hint: Some("another apply is starting or ending: run again".into()),
    })
}

/// After breaking a live lock at `broken`, waits until its holder has had to confirm it (one
/// [`LOCK_CONFIRM`]) and so has stopped starting changes, saying so; at once otherwise.
async fn wait_after_break(broken: Option<Instant>) {
    let Some(broken) = broken else { return };
    let left = confirm_every().saturating_sub(broken.elapsed());
    if left.is_zero() {
        return;
    }
    eprintln!(
        "waiting {} s before the first change: the apply whose lock was broken, if it still runs, \
         checks its lock that often and starts no change after it finds it gone",
        left.as_secs_f64().ceil()
    );
    tokio::time::sleep(left).await;
}

/// `HOLDER since … (expires …), holder id ID`, for messages about a lock held by another.
fn describe(id: &str, other: Option<&Holder>) -> String {
    match other {
        Some(h) => format!(
            "{} since {} (expires {}), holder id {id}",
            h.name(),
            crate::apply::record::rfc3339(h.started),
            crate::apply::record::rfc3339(h.expires)
        ),
        None => format!("an unknown holder (its description is not govern's), holder id {id}"),
    }
}

fn held(id: &str, other: Option<Holder>, expired: bool) -> Error {
    let Some(h) = other else {
        return Error::Refused {
            message: format!(
                "another govern apply holds the organization's lock: {}",
                describe(id, None)
            ),
            hint: Some(format!(
                "if no apply is running, `govern apply --break-lock {id}` takes the lock over"
            )),
        };
    };
    if h.liveness() == Liveness::Gone {
        return Error::Refused {
            message: format!(
                "the organization's apply lock is held by pid {} on this host, which is no longer \
                 running: {}",
                h.pid.unwrap_or_default(),
                describe(id, Some(&h))
            ),
            hint: Some(format!(
                "that apply ended without giving the lock back, so it is safe to break: \
                 `govern apply --break-lock {id}`"
            )),
        };
    }
    Error::Refused {
        message: format!(
            "another govern apply holds the organization's lock: {}",
            describe(id, Some(&h))
        ),
        hint: Some(if expired {
            format!(
                "the lock has expired (its holder stopped refreshing it): if that apply is gone, \
                 `govern apply --break-lock` (or `--break-lock {id}`) takes it over"
            )
        } else {
            format!(
                "wait for it to finish; if it died, `govern apply --break-lock {id}` takes the \
                 lock over"
            )
        }),
    }
}

/// The lock policy's id and holder, if there is one.
async fn current(org: &Client) -> Result<Option<(String, Option<Holder>)>> {
    let mut pages = org
        .list_policies()
        .filter(PolicyType::ServiceControlPolicy)
        .max_results(crate::discover::PAGE_SIZE)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::aws("ListPolicies", LOCK_POLICY, e))?;
        if let Some(p) = page
            .policies()
            .iter()
            .find(|p| p.name() == Some(LOCK_POLICY))
        {
            let holder = p
                .description()
                .and_then(|d| serde_json::from_str::<Holder>(d).ok());
            return Ok(Some((p.id().unwrap_or_default().to_string(), holder)));
        }
    }
    Ok(None)
}

/// Deletes the lock policy `id`; one already gone counts as deleted (a retry whose first attempt's
/// answer was lost, or another process's --break-lock).
async fn delete(org: &Client, id: &str) -> Result<()> {
    let r = org.delete_policy().policy_id(id).send().await;
    match r {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(Error::aws("DeletePolicy", LOCK_POLICY, e)),
    }
}

fn is_not_found<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.code() == Some("PolicyNotFoundException")
}

/// How often [`Lock::keep`] confirms the lock, and how long a breaker of a live lock waits:
/// [`LOCK_CONFIRM`], or GOVERN_LOCK_CONFIRM_SECS.
fn confirm_every() -> Duration {
    std::env::var("GOVERN_LOCK_CONFIRM_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(LOCK_CONFIRM)
}

/// How often [`Lock::keep`] rewrites the expiry: [`LOCK_REFRESH`], or GOVERN_LOCK_REFRESH_SECS.
fn refresh_every() -> u64 {
    std::env::var("GOVERN_LOCK_REFRESH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(LOCK_REFRESH.as_secs())
}

impl Lock {
    fn new(policy_id: String, holder: Holder) -> Lock {
        Lock {
            policy_id,
            written: holder.started,
            holder,
            confirmed: Instant::now(),
        }
    }

    pub fn policy_id(&self) -> &str {
        &self.policy_id
    }

    /// Called before each change: every [`LOCK_CONFIRM`], confirms the lock is still this run's
    /// (one DescribePolicy) and, every [`LOCK_REFRESH`], moves its expiry [`LOCK_TTL`] ahead
    /// (UpdatePolicy of its description); in between it makes no request. An error says why this
    /// run must start no more changes: the lock was broken (`--break-lock ID`) or taken over, or
    /// could not be read or kept from expiring.
    pub async fn keep(&mut self, org: &Client) -> std::result::Result<(), String> {
        let asked = Instant::now();
        // Skipped only while the expiry needs no refresh either, so a lock this run keeps without
        // asking is one that has not expired by its own description.
        if asked.duration_since(self.confirmed) < confirm_every()
            && now() < self.written + refresh_every()
        {
            return Ok(());
        }
        let org = &with_lock_retries(org);
        let read = org
            .describe_policy()
            .policy_id(&self.policy_id)
            .send()
            .await;
        let description = match read {
            Ok(out) => out
                .policy()
                .and_then(|p| p.policy_summary())
                .and_then(|s| s.description())
                .unwrap_or_default()
                .to_string(),
            Err(e) if is_not_found(&e) => return Err(self.lost(org).await),
            Err(e) => {
                return Err(format!(
                    "could not read the apply lock ({LOCK_POLICY}, {}) to confirm this apply still \
                     holds it: {}",
                    self.policy_id,
                    Error::aws("DescribePolicy", LOCK_POLICY, e)
                ))
            }
        };
        match serde_json::from_str::<Holder>(&description) {
            Ok(h) if h.token.is_some() && h.token == self.holder.token => {}
            Ok(other) => {
                return Err(format!(
                    "this apply lost the organization's apply lock: it is now held by {} (holder \
                     id {})",
                    other.name(),
                    self.policy_id
                ))
            }
            Err(_) => {
                return Err(format!(
                    "this apply lost the organization's apply lock: its description was replaced \
                     ({})",
                    crate::model::escape(&description)
                ))
            }
        }
        self.confirmed = asked;
        let at = now();
        if at < self.written + refresh_every() {
            return Ok(());
        }
        let mut refreshed = self.holder.clone();
        refreshed.expires = at + LOCK_TTL.as_secs();
        refreshed.refreshed = Some(at);
        let r = org
            .update_policy()
            .policy_id(&self.policy_id)
            .description(refreshed.description())
            .send()
            .await;
        match r {
            Ok(_) => {
                self.holder = refreshed;
                self.written = at;
                tracing::debug!(expires = self.holder.expires, "apply lock refreshed");
                Ok(())
            }
            Err(e) if is_not_found(&e) => Err(self.lost(org).await),
            // Not refreshed this time, but still this run's for a while: try again next change.
            Err(e) if self.holder.expires > at + refresh_every().max(LOCK_REFRESH.as_secs()) => {
                tracing::warn!(error = %Error::aws("UpdatePolicy", LOCK_POLICY, e), "the apply lock could not be refreshed; it will be tried again before the next change");
                Ok(())
            }
            Err(e) => Err(format!(
                "the apply lock ({LOCK_POLICY}, {}) expires at {} and could not be refreshed: {}",
                self.policy_id,
                crate::apply::record::rfc3339(self.holder.expires),
                Error::aws("UpdatePolicy", LOCK_POLICY, e)
            )),
        }
    }

    /// Why this run's lock policy is gone: broken, and who holds the lock now, if anyone.
    async fn lost(&self, org: &Client) -> String {
        let now_held = match current(org).await {
            Ok(Some((id, Some(h)))) => format!("; it is now held by {} (holder id {id})", h.name()),
            Ok(Some((id, None))) => {
                format!("; it is now held by an unknown holder (holder id {id})")
            }
            _ => String::new(),
        };
        format!(
            "this apply lost the organization's apply lock: another process broke it \
             (`govern apply --break-lock`){now_held}"
        )
    }

    /// When this lock expires on its own.
    pub fn expires(&self) -> u64 {
        self.holder.expires
    }

    /// Gives the lock back: deletes the lock policy if it is still this run's.
    pub async fn release(self, org: &Client) -> Released {
        let org = &with_lock_retries(org);
        let read = org
            .describe_policy()
            .policy_id(&self.policy_id)
            .send()
            .await;
        let description = match read {
            Ok(out) => out
                .policy()
                .and_then(|p| p.policy_summary())
                .and_then(|s| s.description())
                .unwrap_or_default()
                .to_string(),
            Err(e) if is_not_found(&e) => return Released::Broken,
            Err(e) => {
                return Released::Left {
                    policy_id: self.policy_id,
                    error: Error::aws("DescribePolicy", LOCK_POLICY, e),
                }
            }
        };
        match serde_json::from_str::<Holder>(&description) {
            Ok(h) if h.token.is_some() && h.token == self.holder.token => {}
            Ok(other) => return Released::TakenOver { by: other.name() },
            Err(_) => {
                return Released::TakenOver {
                    by: format!("an unknown holder (description {description:?})"),
                }
            }
        }
        match delete(org, &self.policy_id).await {
            Ok(()) => Released::Released,
            Err(error) => Released::Left {
                policy_id: self.policy_id,
                error,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_caller_is_cut_to_fit_awss_description_limit() {
        let mut me = Holder::this_run(&format!(
            "arn:aws:sts::123456789012:assumed-role/{}",
            "r".repeat(900)
        ));
        me.started = 1;
        me.expires = 2;
        let d = me.description();
        assert!(d.chars().count() <= DESCRIPTION_MAX, "{}", d.len());
        let back: Holder = serde_json::from_str(&d).unwrap();
        assert_eq!(back.token, me.token);
        assert!(back
            .caller
            .unwrap()
            .starts_with("arn:aws:sts::123456789012:assumed-role/rrr"));
    }

    #[test]
    fn an_old_lock_reads_without_token_or_pid() {
        let h: Holder =
            serde_json::from_str(r#"{"holder":"ci@runner pid 7","started":1,"expires":2}"#)
                .unwrap();
        assert_eq!(h.token, None);
        assert_eq!(h.liveness(), Liveness::Unknown);
        assert_eq!(h.name(), "ci@runner pid 7");
    }

    #[test]
    fn this_process_runs_and_a_pid_with_another_start_does_not() {
        let me = Holder::this_run("arn:aws:iam::123456789012:user/me");
        if !std::path::Path::new("/proc/self/stat").exists() {
            return;
        }
        assert_eq!(me.liveness(), Liveness::Running);
        let reused = Holder {
            pid_started: me.pid_started.map(|s| s + 1),
            ..me.clone()
        };
        assert_eq!(reused.liveness(), Liveness::Gone);
        let elsewhere = Holder {
            host: Some("another-host".into()),
            ..me
        };
        assert_eq!(elsewhere.liveness(), Liveness::Unknown);
    }

    #[test]
    fn tokens_differ_per_run() {
        assert_ne!(token(), token());
        assert_eq!(token().len(), 32);
    }
}
