//! Test kit for govern: runs the moto emulator ([`Emulator`]) and builds organizations in it through
//! the AWS SDK ([`Seeder`], [`demo_brownfield`]).
//!
//! moto keeps one organization per management account, so every test that needs an organization
//! starts its own [`Emulator`] (about a second); the server is killed when the value is dropped,
//! also when the test panics.

mod access_analyzer;
mod account_names;
pub mod emulator;
pub mod policy_types;
pub mod proxy;
pub mod responders;
pub mod security_admins;
pub mod seed;
pub mod shapes;
pub mod strict;
pub mod synthetic;
mod uniqueness;
pub mod untimed;

pub use emulator::{Emulator, MOTO_SERVER_ENV, REGION};
pub use proxy::{op_matches, Effect, Faults, Hold, Proxy, Rule, When};
pub use responders::{Identities, KmsPeriods, OptStatus, Regions, RootFeatures, DEFAULT_ACCOUNT};
pub use seed::{demo_brownfield, Seeder, DEMO_DENY_LEAVE_ORG_DRIFTED, DEMO_LEGACY_DENY_S3};
pub use strict::{Behaviour, Strict};
pub use untimed::untimed;

/// The Display of an SDK error with its whole source chain, for panic messages.
pub(crate) fn sdk_error(err: &impl std::error::Error) -> String {
    aws_smithy_types::error::display::DisplayErrorContext(err).to_string()
}
