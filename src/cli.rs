//! The command line: clap types only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The help heading of the options that only commands reaching AWS use.
pub const AWS_OPTIONS: &str = "AWS options";
/// The help heading of the options that narrow plan, apply, drift and evidence.
pub const SCOPE_OPTIONS: &str = "Scope options";

/// Subcommands that never reach AWS: their help leaves out the AWS and scope options (which stay
/// global, so `govern --profile x validate` still parses).
const OFFLINE: &[&str] = &["validate", "fmt", "show", "schema", "man", "completions"];

/// The command line as parsed, documented and completed: [`Cli`]'s, with each subcommand's help
/// showing only the options it uses.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    // clap copies a global option into each subcommand that does not define one of the same name
    // when it builds; an offline subcommand gets its own hidden copy instead, so its help leaves it
    // out and its value still reaches the same field.
    let aws: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| {
            a.is_global_set()
                && matches!(a.get_help_heading(), Some(h) if h == AWS_OPTIONS || h == SCOPE_OPTIONS)
        })
        .map(|a| a.clone().hide(true))
        .collect();
    for name in OFFLINE {
        cmd = cmd.mut_subcommand(*name, |sub| sub.args(aws.iter().cloned()));
    }
    cmd.build();
    cmd
}

#[derive(Debug, Parser)]
#[command(
    name = "govern",
    version,
    about = "Keeps an AWS Organization in the shape its platform team declared",
    long_about = "Keeps an AWS Organization in the shape its platform team declared in org.toml.\n\n\
        Credentials come from the standard AWS chain (environment, profiles, SSO, web identity, IMDS);\n\
        AWS_ENDPOINT_URL points govern at an emulator.",
    after_help = "Exit codes: 0 success (no changes), 1 error, 2 changes present (plan --detailed-exitcode, drift)."
)]
pub struct Cli {
    /// The organization file.
    #[arg(
        long,
        short = 'c',
        global = true,
        default_value = "org.toml",
        env = "GOVERN_CONFIG"
    )]
    pub config: PathBuf,

    /// AWS profile to use instead of the default chain's.
    #[arg(long, global = true, help_heading = AWS_OPTIONS)]
    pub profile: Option<String>,

    /// AWS region for API calls (default: the chain's, else org.toml's home_region).
    #[arg(long, global = true, help_heading = AWS_OPTIONS)]
    pub region: Option<String>,

    /// Assume this role (in the management account) on top of the chain's credentials first, e.g.
    /// from a CI tooling account; the session is named `govern-<command>`.
    #[arg(
        long,
        global = true,
        value_name = "ROLE_ARN",
        env = "GOVERN_ASSUME_ROLE", help_heading = AWS_OPTIONS)]
    pub assume_role: Option<String>,

    /// The ExternalId the --assume-role role's trust policy requires.
    #[arg(long, global = true, value_name = "ID", requires = "assume_role", help_heading = AWS_OPTIONS)]
    pub external_id: Option<String>,

    /// When to color output; NO_COLOR in the environment always turns it off.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// More logging on stderr: -v progress (info), -vv details and retries (debug), -vvv
    /// everything (trace). RUST_LOG, when set, decides instead.
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Log lines as text, or as one JSON object per line (for CI log collectors). Logs go to
    /// stderr; stdout carries only the plan, report or JSON.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Where apply records its last success (and plans and journals go); default: plans/ beside
    /// the config file.
    #[arg(long, global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Read policy files that lie outside org.toml's directory (symlinks followed). Off by default:
    /// org.toml often comes from a pull request, and its `file` names could point anywhere
    /// (`/proc/self/environ`). Never pass it when validating a pull request's files.
    #[arg(long, global = true)]
    pub allow_outside_files: bool,

    /// Seconds to open a connection to AWS.
    #[arg(long, global = true, value_name = "SECS", default_value_t = crate::aws::Timeouts::default().connect, help_heading = AWS_OPTIONS)]
    pub connect_timeout: u64,

    /// Seconds to wait for an answer once a request is sent.
    #[arg(long, global = true, value_name = "SECS", default_value_t = crate::aws::Timeouts::default().read, help_heading = AWS_OPTIONS)]
    pub read_timeout: u64,

    /// Seconds one AWS operation may take, its retries included.
    #[arg(long, global = true, value_name = "SECS", default_value_t = crate::aws::Timeouts::default().operation, help_heading = AWS_OPTIONS)]
    pub operation_timeout: u64,

    /// Narrow plan, apply and drift to these resources (repeatable): an address or its start
    /// (`ou:Workloads`, `scp:deny-leave-org`, `account:111122223333`) or `kind:<kind>` (ou, scp,
    /// attachment, account, contact, kms, secret, region, logging). What they depend on comes along.
    #[arg(long = "target", global = true, value_name = "ADDRESS|kind:KIND", help_heading = SCOPE_OPTIONS)]
    pub targets: Vec<String>,

    /// Override a client-side API limit (repeatable), per calling account and region:
    /// `SERVICE:OPERATION=RATE[/s][,inflight=N]`, `SERVICE:*=…` for a whole service, `=none` to
    /// lift one. Defaults follow AWS's published quotas (README, "Rate limits").
    #[arg(long = "api-limit", global = true, value_name = "SPEC", help_heading = AWS_OPTIONS)]
    pub api_limits: Vec<String>,

    /// Attempts per AWS request, the first included; throttling and 5xx answers are retried with
    /// jittered exponential backoff.
    #[arg(long, global = true, value_name = "N", default_value_t = crate::aws::MAX_ATTEMPTS, help_heading = AWS_OPTIONS)]
    pub max_attempts: u32,

    /// `standard`: exponential backoff; `adaptive`: also slows the client down after throttles.
    #[arg(long, global = true, value_enum, default_value_t = RetryMode::Standard, help_heading = AWS_OPTIONS)]
    pub retry_mode: RetryMode,

    /// Work on one part of the member accounts only (1-based I of N; account id mod N + 1), so N
    /// jobs split a large organization; shard 1 also carries the organization-wide changes.
    /// Merge the shards' `drift --format json` reports with `govern drift merge`, their evidence
    /// bundles with `govern evidence merge`.
    #[arg(long, global = true, value_name = "I/N", help_heading = SCOPE_OPTIONS)]
    pub shard: Option<crate::plan::Shard>,

    /// Member accounts read at once: `auto` (the default) starts at 16 and adds accounts while no
    /// AWS service throttles, halving on a throttle; a number fixes it.
    #[arg(long, global = true, value_name = "N|auto", default_value_t = crate::discover::Concurrency::Auto, help_heading = AWS_OPTIONS)]
    pub concurrency: crate::discover::Concurrency,

    #[command(subcommand)]
    pub command: Command,
}

impl Command {
    /// The subcommand's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Validate(_) => "validate",
            Command::Fmt(_) => "fmt",
            Command::Plan(_) => "plan",
            Command::Apply(_) => "apply",
            Command::Drift(_) => "drift",
            Command::Show(_) => "show",
            Command::Evidence(_) => "evidence",
            Command::Import(_) => "import",
            Command::Completions { .. } => "completions",
            Command::Schema { .. } => "schema",
            Command::Man { .. } => "man",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RetryMode {
    Standard,
    Adaptive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// How a plan or report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people, like `terraform plan`.
    Text,
    /// Stable, versioned JSON (docs/plan-json.md, docs/drift-json.md).
    Json,
    /// GitHub-flavoured Markdown, for PR comments and job summaries.
    Markdown,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check org.toml and its policy files offline; no AWS access.
    #[command(
        after_help = "Examples:\n  govern validate --config org.toml\n  govern validate --format sarif > govern.sarif   # for GitHub code scanning (docs/ci/plan.yml)"
    )]
    Validate(ValidateArgs),

    /// Put org.toml and the files it includes in canonical order (tables only move; keys, values
    /// and comments stay as written); no AWS access.
    #[command(
        after_help = "Examples:\n  govern fmt\n  govern fmt --check   # in CI: exit 1 when a file is not in order"
    )]
    Fmt(FmtArgs),

    /// Show what apply would change.
    #[command(
        after_help = "Examples:\n  govern plan\n  govern plan --json > plan.json\n  govern plan --detailed-exitcode   # exit 2 when there are changes\n  govern plan --format markdown     # for a PR comment\n  govern plan -o plans/release.json # save it for `govern apply plans/release.json`"
    )]
    Plan(PlanArgs),

    /// Change the organization to match org.toml.
    #[command(
        after_help = "Examples:\n  govern apply                  # shows the plan, asks for `yes`\n  govern apply --auto-approve   # in CI\n  govern plan -o plans/release.json && govern apply plans/release.json   # exactly what was reviewed"
    )]
    Apply(ApplyArgs),

    /// For scheduled runs: report how the organization differs from org.toml, and whether each
    /// difference is drift (the cloud moved) or pending (the file changed and was not applied).
    #[command(
        after_help = "Exit codes: 0 no differences, 2 differences found, 1 error.\n\n\
        Examples:\n  govern drift\n  govern drift --shard 2/4 --format json --output drift-2.json   # one of 4 CI jobs\n  govern drift merge drift-*.json --format markdown               # one report from the 4\n  govern drift --format markdown --output drift.md   # e.g. for $GITHUB_STEP_SUMMARY\n  govern drift --format json"
    )]
    Drift(DriftArgs),

    /// Render a plan saved by `govern plan -o FILE`; no AWS access.
    #[command(
        after_help = "Examples:\n  govern show plans/release.json\n  govern show plans/release.json --format markdown"
    )]
    Show(ShowArgs),

    /// Write an audit evidence bundle (controls, state, config, hashes, optional KMS signature,
    /// HTML report), verify one, or merge the partial bundles of `--shard` runs.
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Exit codes: 0 bundle written (even when controls fail) or verified, 1 error, tampered bundle, or findings not imported into Security Hub.\n\n\
        Examples:\n  govern evidence --out evidence/2026-q4\n  govern evidence --out evidence/2026-q4.zip\n  govern evidence --out evidence/2026-q4 --sign-key arn:aws:kms:us-east-1:123456789012:key/…\n  govern evidence verify evidence/2026-q4 --kms\n  govern evidence verify evidence/2026-q4.zip --previous evidence/2026-q3.zip\n  govern evidence --shard 2/4 --out evidence/2026-q4-2   # one of 4 CI jobs\n  govern evidence merge --out evidence/2026-q4 evidence/2026-q4-*   # one bundle from the 4\n  govern evidence --out evidence/2026-q4 --to-security-hub   # and import the rows as ASFF findings"
    )]
    Evidence(EvidenceArgs),

    /// Write org.toml (and baselines/scp/*.json) from the live organization, so that `govern
    /// plan` right after plans no change. Reads AWS only.
    #[command(
        after_help = "Examples:\n  govern import --out org.toml\n  govern import --out org.toml --force   # replace an earlier import\n  govern import --out org.toml --member-role AWSControlTowerExecution"
    )]
    Import(ImportArgs),

    /// Print a shell completion script to stdout.
    #[command(
        after_help = "Examples:\n  govern completions bash > ~/.local/share/bash-completion/completions/govern\n  govern completions zsh > \"${fpath[1]}/_govern\"\n  govern completions fish > ~/.config/fish/completions/govern.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the JSON Schema of org.toml (the one this binary checks against), for editors:
    /// `#:schema ./org.schema.json` on org.toml's first line. No AWS access.
    #[command(
        after_help = "Examples:\n  govern schema > org.schema.json\n  govern schema --output org.schema.json"
    )]
    Schema {
        /// Write it to FILE instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },

    /// Write man pages for govern and each subcommand (govern.1, govern-plan.1, …) into DIR.
    #[command(after_help = "Example:\n  govern man ~/.local/share/man/man1 && man govern-plan")]
    Man {
        /// The directory (created if missing).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The org.toml to write; SCP files go to baselines/scp/ beside it.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Replace FILE and SCP files that exist.
    #[arg(long)]
    pub force: bool,

    /// The role assumed in member accounts to read their contacts, regions and keys; written to
    /// the file as member_role.
    #[arg(long, value_name = "ROLE", default_value = crate::config::DEFAULT_MEMBER_ROLE)]
    pub member_role: String,

    /// The ExternalId the member role's trust policy requires; written to the file.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Change nothing; list the files not in canonical order and exit 1 when there are any.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Print the plan as JSON (schema: docs/plan-json.md); the same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// Also save the plan to FILE (e.g. plans/<name>.json), for `govern apply FILE` after review.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    pub report: ReportOptions,
}

/// How much of a plan text and Markdown show (JSON always has everything).
#[derive(Debug, Args)]
pub struct ReportOptions {
    /// Findings (not changes: unread parts, non-compliant and skipped resources): `summary` shows
    /// every error and groups the rest by kind and reason with a count; `all` one a line; `none`
    /// only their count.
    #[arg(long, global = true, value_enum, default_value_t = FindingsChoice::Summary)]
    pub findings: FindingsChoice,

    /// Markdown only: cut the output to at most N characters, keeping the summary and the list of
    /// changes and saying where the whole plan is (a GitHub comment holds 65536).
    #[arg(long, global = true, value_name = "N")]
    pub max_chars: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FindingsChoice {
    All,
    Summary,
    None,
}

impl ReportOptions {
    /// `style` with these choices.
    pub fn style(&self, style: &crate::render::Style) -> crate::render::Style {
        use crate::render::FindingsView;
        crate::render::Style {
            findings: match self.findings {
                FindingsChoice::All => FindingsView::All,
                FindingsChoice::Summary => FindingsView::Summary,
                FindingsChoice::None => FindingsView::None,
            },
            max_chars: self.max_chars,
            ..*style
        }
    }
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved by `govern plan -o FILE`: apply exactly its changes, after checking that
    /// neither AWS nor the config files changed since; no confirmation is asked.
    #[arg(value_name = "PLAN_FILE")]
    pub plan: Option<PathBuf>,

    /// Apply without asking; required when there is no terminal to ask on.
    #[arg(long)]
    pub auto_approve: bool,

    /// Refuse a plan that removes more than N things (detachments), unless --allow-removals.
    #[arg(long, value_name = "N", default_value_t = crate::apply::rails::DEFAULT_MAX_REMOVALS)]
    pub max_removals: usize,

    /// Apply however many removals the plan has.
    #[arg(long)]
    pub allow_removals: bool,

    /// Take over the organization's apply lock from another holder. Alone, it takes only a lock
    /// that has expired (its holder stopped refreshing it); a lock that has not expired is taken
    /// only with its holder id, which the "holds the organization's lock" message shows:
    /// `--break-lock p-…`. Its holder, if still running, stops before its next change.
    #[arg(long, value_name = "HOLDER", num_args = 0..=1, value_parser = holder_id)]
    pub break_lock: Option<Option<String>>,
}

/// `--break-lock`'s value: a holder id, never a saved plan's path written after the flag.
fn holder_id(text: &str) -> std::result::Result<String, String> {
    if crate::apply::lock::is_holder_id(text) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "`{text}` is not a holder id (`p-` and 8 or more letters or digits, as the lock \
             message shows); to apply a saved plan, name it before --break-lock"
        ))
    }
}

impl PlanArgs {
    /// The format asked for, `--json` included.
    pub fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else {
            self.format
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum DriftAction {
    /// Merge the JSON reports of `govern drift --shard I/N --format json` (one per shard) into one
    /// report, printed in --format like a drift report; exit codes as for drift. No AWS access.
    #[command(
        after_help = "Examples:\n  govern drift merge drift-1.json drift-2.json drift-3.json\n  govern drift merge drift-*.json --format markdown --output drift.md"
    )]
    Merge(MergeArgs),

    /// Read the organization once (the Organizations API only: OUs, accounts, policies, their
    /// attachments and the tags org.toml declares) and write it with --output, for the shards of
    /// one run to start from with `govern drift --shard I/N --organization FILE` instead of each
    /// reading it again: N shards share the management account's Organizations rate.
    #[command(
        after_help = "Examples:\n  govern drift organization --output organization.json\n  govern --shard 2/8 drift --organization organization.json --format json --output drift-2.json"
    )]
    Organization,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' reports, one per shard, in any order.
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[command(subcommand)]
    pub action: Option<DriftAction>,

    /// Report format (JSON schema: docs/drift-json.md).
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the report to FILE; stdout then gets a one-line summary.
    #[arg(long, global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Start from the organization `govern drift organization` wrote (one read shared by the
    /// shards of a run) instead of reading it again; inside the accounts, read as always. Refused
    /// when older than an hour, of another management account, or not such a file. The report
    /// names the file's SHA-256 and `drift merge` refuses shards that started from different ones.
    #[arg(long, value_name = "FILE")]
    pub organization: Option<PathBuf>,

    #[command(flatten)]
    pub report: ReportOptions,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Output format: `sarif` prints a SARIF 2.1.0 log on stdout, one result per problem at its
    /// file and line (the problems also go to stderr as text; exit 1 when there are any); with
    /// `--online`, one result per Access Analyzer finding too.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,
    /// Also send every SCP and RCP document to IAM Access Analyzer (ValidatePolicy) and show its
    /// findings at their file and line: errors fail validation (exit 1); security warnings,
    /// warnings and suggestions are shown and exit 0. Needs credentials.
    #[arg(long)]
    pub online: bool,
}

/// How `govern validate` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    /// One line per problem on stderr, or a summary of what is valid.
    Text,
    /// A SARIF 2.1.0 log, for GitHub code scanning (github/codeql-action/upload-sarif).
    Sarif,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The saved plan.
    #[arg(value_name = "PLAN_FILE")]
    pub plan: PathBuf,

    /// Output format; `json` prints the plan as `govern plan --json` does.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// The same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    #[command(flatten)]
    pub report: ReportOptions,
}

#[derive(Debug, Args)]
pub struct EvidenceArgs {
    #[command(subcommand)]
    pub action: Option<EvidenceAction>,

    /// Where to write the bundle: a directory (created; must be empty) or the archive file to
    /// create.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Also import the rows into AWS Security Hub as ASFF findings (BatchImportFindings), each
    /// from its own account, in org.toml's home_region; with or without --out.
    #[arg(long)]
    pub to_security_hub: bool,

    #[command(flatten)]
    pub bundle: BundleOptions,
}

/// How a bundle is written, by `govern evidence` and `govern evidence merge`.
#[derive(Debug, Args)]
pub struct BundleOptions {
    /// The bundle's form; default: from --out's ending (.zip; .tar.gz or .tgz), else dir.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<BundleFormat>,

    /// Sign the bundle with this asymmetric SIGN_VERIFY KMS key (id, alias or ARN).
    #[arg(long, value_name = "KMS_KEY")]
    pub sign_key: Option<String>,

    /// SHA-256 of the previous period's manifest.json, recorded to chain bundles (merge: by
    /// default the one the parts record).
    #[arg(long, value_name = "SHA256", value_parser = sha256_hex)]
    pub previous_bundle_sha256: Option<String>,
}

/// The form of an evidence bundle; archives hold the same files as the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BundleFormat {
    /// A directory of files.
    Dir,
    /// One .zip file.
    Zip,
    /// One gzip-compressed tarball (.tar.gz).
    Tar,
}

/// 64 hex digits, lower-cased (as `sha256sum` prints them).
fn sha256_hex(s: &str) -> Result<String, String> {
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(
            "expected the SHA-256 of the previous bundle's manifest.json: 64 hex digits, \
             e.g. from `sha256sum manifest.json`"
                .into(),
        )
    }
}

#[derive(Debug, Subcommand)]
pub enum EvidenceAction {
    /// Recompute every hash of a bundle (directory, .zip or .tar.gz) and check its signature;
    /// names any changed, missing or extra file. No org.toml needed.
    #[command(
        after_help = "Examples:\n  govern evidence verify evidence/2026-q4\n  govern evidence verify evidence/2026-q4.zip --kms --require-signature"
    )]
    Verify(VerifyArgs),
    /// Merge the partial bundles of `govern evidence --shard I/N --out PART` (one per shard) into
    /// one bundle, as one unsharded run would have written it. Verifies every part first. No AWS
    /// access (unless --sign-key).
    #[command(
        after_help = "Examples:\n  govern evidence merge --out evidence/2026-q4 part-1 part-2 part-3\n  govern evidence merge --out evidence/2026-q4.zip --sign-key alias/evidence part-*.zip"
    )]
    Merge(EvidenceMergeArgs),
}

#[derive(Debug, Args)]
pub struct EvidenceMergeArgs {
    /// Where to write the merged bundle: a directory (created; must be empty) or the archive file
    /// to create.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,

    #[command(flatten)]
    pub bundle: BundleOptions,

    /// The shards' bundles (directories or archives), one per shard, in any order.
    #[arg(value_name = "PART", required = true)]
    pub parts: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle: its directory, or a .zip / .tar.gz of it.
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,

    /// Also check the signature with KMS Verify (needs credentials that may use the key).
    #[arg(long)]
    pub kms: bool,

    /// Fail when the bundle is not signed.
    #[arg(long)]
    pub require_signature: bool,

    /// The previous period's bundle (directory or archive): check that this bundle's
    /// previous_bundle_sha256 is the SHA-256 of its manifest.json.
    #[arg(long, value_name = "PREV")]
    pub previous: Option<PathBuf>,
}
