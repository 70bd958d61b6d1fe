//! (Desired, Actual) → Plan: pure, no I/O.

mod change;

pub use change::*;
