//! AWS → Actual. Knows AWS and nothing of TOML; returns a plain snapshot.

pub mod effective;
mod members;
mod organization;
pub mod pace;
pub mod tags;

pub use members::{fallback, logging, members, service_access, Scope};
pub use organization::organization;
pub use pace::Concurrency;

/// Requests to one API family in flight at once during discovery. Organizations publishes no rate,
/// and throttles hard: a handful in parallel hides latency without provoking it.
pub const ORG_CONCURRENCY: usize = 4;

/// Organizations list calls return at most 20 items a page on AWS; asking for 20 explicitly makes the
/// emulator (which pages by 100) exercise pagination the same way.
pub const PAGE_SIZE: i32 = 20;
