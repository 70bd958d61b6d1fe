//! The strict-AWS layer of the [`Proxy`](crate::Proxy): behaviours of real AWS that moto lacks or is
//! kinder about (../shared/design.md §7). Each is a [`Behaviour`] that can be switched on alone in a
//! focused test; [`Strict::aws`] switches on all of them, as the acceptance tests and `cargo xtask
//! demo` run.
//!
//! Where a behaviour answers instead of the emulator, or rewrites the emulator's answer, its module
//! says which AWS documentation it follows: [`members`] for what happens inside member accounts
//! (per-resource denial, opt-in regions, region transitions, replicas, managed rotation),
//! [`organizations`] for the Organizations API (transient errors, asynchronous account creation and
//! policy-type enabling, stale reads after writes).

use std::collections::BTreeSet;
use std::sync::Mutex;

use bytes::Bytes;
use http::HeaderMap;

use crate::responders::Reply;

pub mod members;
pub mod organizations;
pub mod security_hub;

/// One way real AWS is stricter than the emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Behaviour {
    /// Resources a caller may not read although it may list them (a KMS key policy that shuts out
    /// IAM; a ListRegions refused): AccessDenied for that resource alone.
    ResourceDenial,
    /// Regional services refuse callers in an opt-in region the account has not enabled.
    OptInRegions,
    /// Region opt-in goes through ENABLING/DISABLING, during which the opposite call is refused, and
    /// the quotas count operations still in progress.
    RegionTransitions,
    /// Multi-Region replica keys and replica secrets, which cannot be changed where they live.
    Replicas,
    /// Secrets whose rotation a service manages (OwningService), and rotation schedules.
    ManagedRotation,
    /// Organizations' ConcurrentModificationException and friends, which AWS returns routinely.
    TransientOrganizationsErrors,
    /// CreateAccount is asynchronous; a new account's role is not assumable at once.
    AsyncAccountCreation,
    /// EnablePolicyType goes through PENDING_ENABLE.
    AsyncPolicyTypes,
    /// Reads right after a write may return the old value for a while.
    StaleReads,
    /// Security Hub refuses findings from an account that has not enabled it ([`security_hub`]).
    SecurityHubSubscription,
    /// Role sessions end: AssumeRole's `Expiration` is two minutes away, so a run outlives its
    /// sessions as a long run on AWS outlives the hour a session lasts, and every credentials
    /// lookup after the first renews them. Not in [`Behaviour::ALL`]: it compresses an hour into
    /// minutes and multiplies AssumeRole calls, which other tests count.
    ShortSessions,
}

impl Behaviour {
    pub const ALL: &'static [Behaviour] = &[
        Behaviour::ResourceDenial,
        Behaviour::OptInRegions,
        Behaviour::RegionTransitions,
        Behaviour::Replicas,
        Behaviour::ManagedRotation,
        Behaviour::TransientOrganizationsErrors,
        Behaviour::AsyncAccountCreation,
        Behaviour::AsyncPolicyTypes,
        Behaviour::StaleReads,
        Behaviour::SecurityHubSubscription,
    ];
}

/// Which behaviours are on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Strict(BTreeSet<Behaviour>);

impl Strict {
    /// None: the emulator as it is.
    pub fn none() -> Strict {
        Strict::default()
    }
    /// Every behaviour: as close to AWS as the layer gets.
    pub fn aws() -> Strict {
        Strict(Behaviour::ALL.iter().copied().collect())
    }
    /// The behaviours inside member accounts ([`members`]).
    pub fn members() -> Strict {
        [
            Behaviour::ResourceDenial,
            Behaviour::OptInRegions,
            Behaviour::RegionTransitions,
            Behaviour::Replicas,
            Behaviour::ManagedRotation,
        ]
        .into_iter()
        .fold(Strict::none(), Strict::with)
    }
    /// This behaviour alone.
    pub fn only(behaviour: Behaviour) -> Strict {
        Strict::none().with(behaviour)
    }
    pub fn with(mut self, behaviour: Behaviour) -> Strict {
        self.0.insert(behaviour);
        self
    }
    pub fn without(mut self, behaviour: Behaviour) -> Strict {
        self.0.remove(&behaviour);
        self
    }
    pub fn has(&self, behaviour: Behaviour) -> bool {
        self.0.contains(&behaviour)
    }
}

/// A request as the strict layer sees it.
// Fields are read by the behaviours in `members` and `organizations` (stubs at first).
#[allow(dead_code)]
#[derive(Debug)]
pub(crate) struct Call<'a> {
    /// `"service:Operation"`.
    pub op: &'a str,
    /// The calling account (from the access key, see [`crate::Identities`]).
    pub caller: String,
    /// The region of the request's credential scope, if signed.
    pub region: Option<String>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// The proxy's region opt-in state (what the Account API answers).
    pub regions: &'a crate::Regions,
}

/// The strict layer's switches and what its behaviours remember.
#[derive(Debug, Default)]
pub struct State {
    strict: Mutex<Strict>,
    pub members: members::State,
    pub organizations: organizations::State,
    pub security_hub: security_hub::State,
}

impl State {
    pub fn set(&self, strict: Strict) {
        *crate::proxy::lock(&self.strict) = strict;
    }
    pub fn get(&self) -> Strict {
        crate::proxy::lock(&self.strict).clone()
    }

    /// Forgets what the behaviours remember (after the emulator was reset); the switches stay.
    pub fn reset(&self) {
        self.organizations.reset();
        self.security_hub.reset();
    }

    /// Answers the request itself, before the emulator sees it; None lets it go on.
    pub(crate) fn before(&self, call: &Call<'_>) -> Option<Reply> {
        let strict = self.get();
        self.members
            .before(&strict, call)
            .or_else(|| self.organizations.before(&strict, call))
            .or_else(|| self.security_hub.before(&strict, call))
    }

    /// Rewrites the emulator's answer (`status`, `body`) to the request.
    pub(crate) fn after(&self, call: &Call<'_>, status: u16, body: &mut Bytes) {
        let strict = self.get();
        self.members.after(&strict, call, status, body);
        self.organizations.after(&strict, call, status, body);
        self.security_hub.after(&strict, call, status);
    }
}
