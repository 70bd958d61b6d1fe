//! One file per subcommand; this one holds what they share.

mod apply;
mod apply_saved;
mod drift;
mod evidence;
mod import;
mod plan;
mod saved_file;
mod show;
mod validate;

use std::io::IsTerminal;

use crate::aws::{Clients, MemberSessions, Session};
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
        Command::Validate => validate::run(&ctx),
        Command::Plan(args) => plan::run(&ctx, args).await,
        Command::Apply(args) => apply::run(&ctx, args).await,
        Command::Drift(args) => drift::run(&ctx, args).await,
        Command::Show(args) => show::run(&ctx, args),
        Command::Evidence(args) => evidence::run(&ctx, args).await,
        Command::Import(args) => import::run(&ctx, args).await,
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "govern", &mut std::io::stdout());
            Ok(crate::exit::OK)
        }
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
    pub concurrency: usize,
    pub shard: Option<crate::plan::Shard>,
    /// `--target` filters; empty: everything.
    pub targets: Vec<crate::plan::TargetFilter>,
}

impl Context {
    /// Plans, narrowed to `--target` when given.
    pub fn plan(&self, desired: &Desired, actual: &Actual) -> crate::plan::Plan {
        let plan = crate::plan::narrow(crate::plan::plan(desired, actual), &self.targets);
        match self.shard {
            Some(s) => s.narrow(plan),
            None => plan,
        }
    }
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

/// Who the credentials belong to: account and ARN (sts:GetCallerIdentity).
pub(crate) async fn caller(
    sts: &aws_sdk_sts::Client,
) -> Result<aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput> {
    sts.get_caller_identity()
        .send()
        .await
        .map_err(|e| Error::aws("GetCallerIdentity", "the caller", e))
}

/// Connects as the management account declared in org.toml and reads the organization.
pub async fn connect_and_discover(
    ctx: &Context,
    desired: &Desired,
    command: &str,
) -> Result<(Clients, Actual)> {
    let config = ctx.session.load(desired.home_region.as_str()).await?;
    let sts = aws_sdk_sts::Client::new(&config);
    let me = caller(&sts).await?;
    let caller = me.account().unwrap_or_default();
    if caller != desired.management_account.as_str() {
        return Err(Error::WrongCaller {
            caller: caller.to_string(),
            declared: desired.management_account.to_string(),
        });
    }
    tracing::info!(
        command,
        caller = me.arn().unwrap_or_default(),
        account = caller,
        assumed_role = ctx.session.assume_role.as_deref(),
        "connected"
    );
    let members = MemberSessions::new(
        config.clone(),
        desired.management_account.clone(),
        me.arn().unwrap_or_default(),
        &desired.member_role,
        desired.external_id.clone(),
        command,
    );
    let clients = Clients {
        org: aws_sdk_organizations::Client::new(&config),
        sts,
        members: std::sync::Arc::new(members),
    };
    let mut actual = crate::discover::organization(&clients.org).await?;
    if actual.management_account != desired.management_account {
        return Err(Error::WrongOrganization {
            actual: actual.management_account.to_string(),
            declared: desired.management_account.to_string(),
        });
    }
    tracing::info!(
        organization = %actual.organization_id,
        accounts = actual.accounts.len(),
        ous = actual.ous.len(),
        policies = actual.policies.len(),
        "organization read"
    );
    let mut scope = crate::discover::Scope::of(desired);
    scope.shard = ctx.shard;
    let bar = progress_bar(if scope.is_empty() {
        0
    } else {
        actual.accounts.len()
    });
    crate::discover::members(&clients, &mut actual, &scope, ctx.concurrency, || {
        bar.inc(1)
    })
    .await;
    bar.finish_and_clear();
    crate::discover::fallback(&clients, &mut actual, &scope, ctx.concurrency).await?;
    if desired.baselines.logging.is_some() {
        crate::discover::logging(&clients, &mut actual).await?;
    }
    Ok((clients, actual))
}

/// The error for a plan that could not read every account; printed after the plan itself.
pub(crate) fn incomplete(plan: &crate::plan::Plan) -> Option<Error> {
    let n = plan
        .findings
        .iter()
        .filter(|f| f.kind == crate::plan::FindingKind::Error)
        .count();
    (n > 0).then(|| Error::Refused {
        message: format!(
            "the plan is incomplete: {n} account{} could not be read (see the errors under Findings)",
            if n == 1 { "" } else { "s" }
        ),
        hint: Some("every other account was planned; fix access to those and run again".into()),
    })
}

/// A progress bar over accounts on stderr, drawn only on a terminal (hidden otherwise, so logs and
/// pipes get nothing).
fn progress_bar(accounts: usize) -> indicatif::ProgressBar {
    if accounts == 0 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(accounts as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("reading accounts {bar:30} {pos}/{len} {elapsed}")
            .expect("a valid template"),
    );
    bar
}
