//! One file per subcommand; this one holds what they share.

mod apply;
mod apply_saved;
mod drift;
mod evidence;
mod fmt;
mod generated;
pub use generated::write_man_pages;
mod import;
mod plan;
mod saved_file;
mod show;
mod validate;

use std::io::IsTerminal;

use crate::aws::{Clients, Session};
use crate::cli::{Cli, ColorChoice, Command};
use crate::error::{Error, Result};
use crate::model::{Actual, Desired};
use crate::render::Style;

pub async fn run(cli: Cli) -> Result<u8> {
    let mut limits = crate::aws::Limits::default();
    for spec in &cli.api_limits {
        limits.set(spec).map_err(|e| Error::Refused {
            message: e.to_string(),
            hint: None,
        })?;
    }
    let ctx = Context {
        session: Session {
            profile: cli.profile.clone(),
            region: cli.region.clone(),
            limits,
            max_attempts: cli.max_attempts,
            timeouts: crate::aws::Timeouts {
                connect: cli.connect_timeout.max(1),
                read: cli.read_timeout.max(1),
                operation: cli.operation_timeout.max(1),
            },
            adaptive: cli.retry_mode == crate::cli::RetryMode::Adaptive,
            assume_role: cli.assume_role.clone(),
            external_id: cli.external_id.clone(),
            command: cli.command.name(),
        },
        style: style(cli.color),
        config: cli.config.clone(),
        state_dir: cli
            .state_dir
            .clone()
            .unwrap_or_else(|| default_state_dir(&cli.config)),
        concurrency: cli.concurrency,
        shard: cli.shard,
        target_args: cli.targets.clone(),
        load_options: crate::config::Options {
            allow_outside: cli.allow_outside_files,
        },
        targets: cli
            .targets
            .iter()
            .map(|t| crate::plan::TargetFilter::parse(t))
            .collect::<std::result::Result<_, _>>()
            .map_err(|message| Error::Refused {
                message,
                hint: None,
            })?,
    };
    match &cli.command {
        Command::Validate(args) => validate::run(&ctx, args).await,
        Command::Fmt(args) => fmt::run(&ctx, args),
        Command::Plan(args) => plan::run(&ctx, args).await,
        Command::Apply(args) => apply::run(&ctx, args).await,
        Command::Drift(args) => drift::run(&ctx, args).await,
        Command::Show(args) => show::run(&ctx, args),
        Command::Evidence(args) => evidence::run(&ctx, args).await,
        Command::Import(args) => import::run(&ctx, args).await,
        Command::Completions { shell } => {
            let mut cmd = crate::cli::command();
            clap_complete::generate(*shell, &mut cmd, "govern", &mut std::io::stdout());
            Ok(crate::exit::OK)
        }
        Command::Schema { output } => generated::schema(output.as_deref()),
        Command::Man { dir } => generated::man(dir),
    }
}

/// `plans/` beside the config file.
fn default_state_dir(config: &std::path::Path) -> std::path::PathBuf {
    config
        .parent()
        .unwrap_or(std::path::Path::new(""))
        .join("plans")
}

pub struct Context {
    pub session: Session,
    pub style: Style,
    pub config: std::path::PathBuf,
    /// Where the last apply's record, saved plans and journals live.
    pub state_dir: std::path::PathBuf,
    pub concurrency: crate::discover::Concurrency,
    pub shard: Option<crate::plan::Shard>,
    /// `--target` filters; empty: everything.
    pub targets: Vec<crate::plan::TargetFilter>,
    /// The `--target` values as given (a saved plan records them).
    pub target_args: Vec<String>,
    /// How org.toml's files may be read (`--allow-outside-files`).
    pub load_options: crate::config::Options,
}

impl Context {
    /// org.toml and its files, read as this run allows.
    pub fn load(&self) -> std::result::Result<crate::config::Loaded, crate::config::ConfigError> {
        crate::config::load_with(&self.config, self.load_options)
    }

    pub fn transaction(&self) -> crate::apply::transaction::Transaction<'_> {
        crate::apply::transaction::Transaction {
            config: &self.config,
            state_dir: &self.state_dir,
            reader: self.reader(),
        }
    }

    pub fn reader(&self) -> crate::connect::Reader<'_> {
        crate::connect::Reader {
            session: &self.session,
            shard: self.shard,
            concurrency: self.concurrency,
        }
    }

    /// Plans, narrowed to `--target` when given.
    pub fn plan(&self, desired: &Desired, actual: &Actual) -> crate::plan::Plan {
        narrowed(desired, actual, &self.targets, self.shard)
    }
}

/// The plan of `desired` against `actual`, narrowed to `targets` and `shard`.
pub(crate) fn narrowed(
    desired: &Desired,
    actual: &Actual,
    targets: &[crate::plan::TargetFilter],
    shard: Option<crate::plan::Shard>,
) -> crate::plan::Plan {
    let plan = crate::plan::narrow(crate::plan::plan(desired, actual), targets);
    let mut plan = match shard {
        Some(s) => s.narrow(plan),
        None => plan,
    };
    plan.prune_names();
    plan
}

/// Colors only on a terminal, never with NO_COLOR (https://no-color.org), unless forced.
fn style(choice: ColorChoice) -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
    };
    Style {
        color,
        width: terminal_width(),
        ..Style::plain()
    }
}

/// COLUMNS when set, else the terminal's own width when stdout is one, else 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(|| {
            terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0))
        })
        .unwrap_or(100)
}

/// Connects as the management account declared in org.toml and reads what the plan needs
/// ([`crate::connect::declared`]).
pub async fn connect_and_discover(
    ctx: &Context,
    desired: &Desired,
    command: &str,
) -> Result<(Clients, Actual)> {
    crate::connect::declared(&ctx.reader(), desired, command).await
}

/// The error for a plan that could not read every account; printed after the plan itself.
pub(crate) fn incomplete(plan: &crate::plan::Plan) -> Option<Error> {
    Error::incomplete(plan)
}
