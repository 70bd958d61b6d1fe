//! Exit codes, one place, documented in the README.

/// Success; for `plan --detailed-exitcode`, also "no changes"; for `drift`, "no differences".
pub const OK: u8 = 0;
/// An error: bad input, AWS refused, a conflict in the plan, a failed apply.
pub const ERROR: u8 = 1;
/// `plan --detailed-exitcode`: the plan has changes.
pub const CHANGES: u8 = 2;
/// `drift`: the organization differs from the file (drift or pending changes).
pub const DRIFT: u8 = 2;
/// `apply`: every change was made and verified, but other differences appeared since the plan was
/// made (the organization was changed meanwhile, or an account became readable): the organization
/// does not match org.toml, and CI should notice.
pub const DIFFERENCES: u8 = 3;
