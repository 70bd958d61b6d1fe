//! (Desired, Actual) → Plan: pure, no I/O, no clock.

mod change;
mod diff;
mod members;
mod order;
pub mod saved;
mod simulate;
mod target;

pub use change::*;
pub use diff::plan;
pub use members::{kms_skip_reason, ACCOUNT_SERVICE, DEFAULT_KMS_ROTATION_DAYS};
pub use saved::{fingerprints, plan_id, SavedPlan};
pub use simulate::{simulate, SimulationError};
pub use target::{narrow, TargetFilter, KINDS as TARGET_KINDS};
