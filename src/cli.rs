//! The command line: clap types only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "govern",
    version,
    about = "Keeps an AWS Organization in the shape its platform team declared",
    long_about = "Keeps an AWS Organization in the shape its platform team declared in org.toml.\n\n\
        Credentials come from the standard AWS chain (environment, profiles, SSO, web identity, IMDS);\n\
        AWS_ENDPOINT_URL points govern at an emulator.",
    after_help = "Exit codes: 0 success (no changes), 1 error, 2 changes present (plan --detailed-exitcode)."
)]
pub struct Cli {
    /// The organization file.
    #[arg(long, short = 'c', global = true, default_value = "org.toml", env = "GOVERN_CONFIG")]
    pub config: PathBuf,

    /// AWS profile to use instead of the default chain's.
    #[arg(long, global = true)]
    pub profile: Option<String>,

    /// AWS region for API calls (default: the chain's, else org.toml's home_region).
    #[arg(long, global = true)]
    pub region: Option<String>,

    /// When to color output; NO_COLOR in the environment always turns it off.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check org.toml and its policy files offline; no AWS access.
    #[command(after_help = "Example:\n  govern validate --config org.toml")]
    Validate,

    /// Show what apply would change.
    #[command(after_help = "Examples:\n  govern plan\n  govern plan --json > plan.json\n  govern plan --detailed-exitcode   # exit 2 when there are changes")]
    Plan(PlanArgs),

    /// Change the organization to match org.toml.
    #[command(after_help = "Examples:\n  govern apply                  # shows the plan, asks for `yes`\n  govern apply --auto-approve   # in CI, after a reviewed plan")]
    Apply(ApplyArgs),
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Print the plan as JSON (schema: docs/plan-json.md).
    #[arg(long)]
    pub json: bool,

    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Apply without asking; required when there is no terminal to ask on.
    #[arg(long)]
    pub auto_approve: bool,
}
