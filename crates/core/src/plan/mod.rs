//! (Desired, Actual) → Plan: pure, no I/O, no clock.

mod change;
mod diff;
pub mod lockout;
mod members;
mod order;
pub mod saved;
pub mod shard;
mod simulate;
mod target;

pub use crate::baselines::kms::{skip_reason as kms_skip_reason, DEFAULT_KMS_ROTATION_DAYS};
pub use change::*;
pub use diff::plan;
pub use members::ACCOUNT_SERVICE;
pub use saved::{fingerprints, plan_id, SavedPlan};
pub use shard::Shard;
pub use simulate::{simulate, SimulationError};
pub use target::{narrow, TargetFilter, KINDS as TARGET_KINDS};

/// The account an address is about, for the addresses of member baselines: `account:ID/…`,
/// `kms:ID/…`, `secret:ID/…` (an account the plan creates is named, not numbered: None). For
/// addresses kept as text (saved-plan fingerprints, journal lines); typed code asks
/// [`crate::model::Address::account_id`].
pub fn address_account(address: &str) -> Option<crate::model::AccountId> {
    address
        .parse::<crate::model::Address>()
        .ok()?
        .account_id()
        .cloned()
}
