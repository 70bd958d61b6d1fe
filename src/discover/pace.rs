//! How many member accounts are read at once: `--concurrency N` fixes it; by default (`auto`)
//! govern finds it.
//!
//! Why it can be found rather than configured: every account's quotas are its own (Account
//! Management, KMS and Secrets Manager count per calling account and Region, and each account is
//! read with its own assumed-role session), so reading more accounts at once never spends one
//! account's quota faster. What accounts share is (1) the management account's quotas for STS
//! AssumeRole (one per account) and Organizations, and (2) govern's own resources: a connection
//! and a file descriptor per request in flight. So:
//!
//! - **Throttles decide** (AIMD, as TCP's congestion control): start at [`START`] accounts; while
//!   no throttling answer arrives, add one account per account finished (doubling each round, as
//!   slow start); after the first throttle, add one per round (a round: as many accounts finished
//!   as are in flight). A throttling answer (`crate::aws::answer::throttles`: every service's
//!   "slow down", retried or not) halves the accounts in flight, at most once a round, never
//!   below [`FLOOR`]. Throttled requests are retried by the SDK, so halving costs time, not
//!   correctness.
//! - **Descriptors bound it**: at most [`budget`] requests in flight (half the process's open-file
//!   limit, at most 4,096), divided by what one account has in flight at its widest (its contact
//!   reads beside ListRegions, then every Region's key and secret reads at once).
//!
//! Measured with the synthetic AWS (`cargo xtask bench --synthetic`, bench/README.md).

use std::num::NonZeroUsize;

/// Accounts in flight before anything is known (the former fixed default).
pub const START: usize = 16;
/// Never fewer accounts in flight than this, whatever the throttles.
pub const FLOOR: usize = 4;

/// `--concurrency`: `auto` (the default) or a fixed number of accounts read at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Concurrency {
    #[default]
    Auto,
    Fixed(NonZeroUsize),
}

impl std::str::FromStr for Concurrency {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Concurrency::Auto);
        }
        s.parse::<NonZeroUsize>()
            .map(Concurrency::Fixed)
            .map_err(|_| format!("{s:?} is not a number of accounts; expected `auto` or a whole number from 1, e.g. 16"))
    }
}

impl std::fmt::Display for Concurrency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Concurrency::Auto => f.write_str("auto"),
            Concurrency::Fixed(n) => write!(f, "{n}"),
        }
    }
}

/// Requests govern allows itself in flight: half the open-file limit (each request in flight
/// holds a connection; the other half is for everything else), at most 4,096. Read from
/// /proc/self/limits; where there is none, 256 (macOS's default limit), so 128.
pub fn budget() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| open_files_limit(&t))
        .unwrap_or(256);
    (soft / 2).clamp(FLOOR, 4096)
}

/// The soft "Max open files" of a /proc/<pid>/limits text.
fn open_files_limit(limits: &str) -> Option<usize> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line["Max open files".len()..].split_whitespace().next()?;
    match soft {
        "unlimited" => Some(usize::MAX),
        n => n.parse().ok(),
    }
}

/// The accounts-in-flight controller of one read.
#[derive(Debug, Clone)]
pub struct Pace {
    limit: usize,
    cap: usize,
    fixed: bool,
    /// Throttles counted when last looked at.
    seen: u64,
    /// A throttle has been seen: growth is one account a round from now on.
    avoiding: bool,
    /// Accounts finished since the limit last changed on a round's basis.
    in_round: usize,
    /// Throttles are not acted on again until this many more accounts finish (one round after a
    /// halving: the throttles of requests sent before it are not news).
    quiet: usize,
}

impl Pace {
    /// `width`: requests one account has in flight at its widest; `budget`: requests govern allows
    /// itself in flight ([`budget`]); `throttles`: the throttle count now.
    pub fn new(concurrency: Concurrency, width: usize, budget: usize, throttles: u64) -> Self {
        let cap = (budget / width.max(1)).max(FLOOR);
        let (limit, fixed) = match concurrency {
            Concurrency::Fixed(n) => (n.get(), true),
            Concurrency::Auto => (START.min(cap), false),
        };
        Self {
            limit,
            cap,
            fixed,
            seen: throttles,
            avoiding: false,
            in_round: 0,
            quiet: 0,
        }
    }

    /// Accounts to have in flight now.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// One account finished; `throttles` is the throttle count now.
    pub fn finished(&mut self, throttles: u64) {
        if self.fixed {
            return;
        }
        let throttled = throttles > self.seen;
        self.seen = throttles;
        self.quiet = self.quiet.saturating_sub(1);
        if throttled && self.quiet == 0 {
            self.limit = (self.limit / 2).max(FLOOR);
            self.avoiding = true;
            self.in_round = 0;
            self.quiet = self.limit;
            tracing::debug!(
                accounts_in_flight = self.limit,
                "throttled: fewer accounts at once"
            );
            return;
        }
        if !self.avoiding {
            self.limit = (self.limit + 1).min(self.cap);
            return;
        }
        self.in_round += 1;
        if self.in_round >= self.limit {
            self.in_round = 0;
            self.limit = (self.limit + 1).min(self.cap);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto(width: usize, budget: usize) -> Pace {
        Pace::new(Concurrency::Auto, width, budget, 0)
    }

    #[test]
    fn grows_one_account_per_account_finished_until_the_descriptor_budget() {
        let mut p = auto(20, 4096);
        assert_eq!(p.limit(), START);
        for _ in 0..10 {
            p.finished(0);
        }
        assert_eq!(p.limit(), START + 10);
        for _ in 0..1000 {
            p.finished(0);
        }
        assert_eq!(p.limit(), 4096 / 20, "capped by requests in flight / width");
    }

    #[test]
    fn a_throttle_halves_once_a_round_then_growth_is_one_a_round() {
        let mut p = auto(1, 4096);
        for _ in 0..48 {
            p.finished(0);
        }
        assert_eq!(p.limit(), 64);
        p.finished(1);
        assert_eq!(p.limit(), 32);
        // More throttles within the round after a halving are from requests sent before it.
        for t in 2..20 {
            p.finished(t);
        }
        assert_eq!(p.limit(), 32);
        // The round over, no throttles: one more account per round of 32.
        for _ in 0..(32 - 18) {
            p.finished(19);
        }
        for _ in 0..32 {
            p.finished(19);
        }
        assert_eq!(p.limit(), 33);
        p.finished(20);
        assert_eq!(p.limit(), 16);
    }

    #[test]
    fn never_below_the_floor_and_a_fixed_number_stays() {
        let mut p = auto(1, 4096);
        for t in 1..1000 {
            p.finished(t * 100);
        }
        assert_eq!(p.limit(), FLOOR);
        let mut f = Pace::new(Concurrency::Fixed(NonZeroUsize::new(7).unwrap()), 20, 8, 0);
        f.finished(5);
        f.finished(5);
        assert_eq!(f.limit(), 7);
    }

    #[test]
    fn parses_auto_or_a_number_from_one() {
        assert_eq!("auto".parse::<Concurrency>(), Ok(Concurrency::Auto));
        assert_eq!(
            "8".parse::<Concurrency>(),
            Ok(Concurrency::Fixed(NonZeroUsize::new(8).unwrap()))
        );
        assert!("0".parse::<Concurrency>().unwrap_err().contains("auto"));
        assert!("many".parse::<Concurrency>().is_err());
    }

    #[test]
    fn reads_the_open_file_limit() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \nMax cpu time              unlimited            unlimited            seconds   \nMax open files            1024                 524288               files     \n";
        assert_eq!(open_files_limit(limits), Some(1024));
        assert_eq!(open_files_limit("nothing"), None);
    }
}
