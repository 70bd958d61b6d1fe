//! (Desired, Actual) → Plan: pure, no I/O, no clock.

mod change;
mod diff;
mod order;
mod simulate;

pub use change::*;
pub use diff::plan;
pub use simulate::{simulate, SimulationError};
