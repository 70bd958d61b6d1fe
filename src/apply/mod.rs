//! Plan → AWS: runs changes in the plan's order; a failed change stops what depends on it while
//! independent changes go on.

mod executor;

pub use executor::{apply, Outcome, Report};
