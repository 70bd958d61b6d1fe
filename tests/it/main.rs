//! govern's integration tests, in one binary (one link of the AWS SDK instead of nineteen): the
//! real binary against the moto emulator (through the test proxy where AWS behaves differently or
//! moto lacks an API), the pure planner and renderers, the config reader's messages, and the golden
//! outputs. `support` holds the one way to run govern ([`support::Govern`]) and the shared fixtures.

mod support;

mod baselines;
mod campaign;
mod cli;
mod corpus;
mod credentials;
mod drift;
mod evidence;
mod faults;
mod first_minute;
mod hostile;
mod iam;
mod import;
mod kinds;
mod layers;
mod lifecycle;
mod lock;
mod members;
mod ocsf;
mod org;
mod plan;
mod rails;
mod render;
mod root_access;
mod sarif;
mod saved_plans;
mod schema;
mod security;
mod strict_members;
mod strict_org;
mod synthetic;
mod trail;
mod validate;
