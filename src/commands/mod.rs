//! One file per subcommand; this one holds what they share.

mod apply;
mod plan;
mod validate;

use std::io::IsTerminal;

use crate::aws::{Clients, MemberSessions, Session};
use crate::cli::{Cli, ColorChoice, Command};
use crate::error::{Error, Result};
use crate::model::{Actual, Desired};
use crate::render::Style;

pub async fn run(cli: Cli) -> Result<u8> {
    let ctx = Context {
        session: Session {
            profile: cli.profile.clone(),
            region: cli.region.clone(),
        },
        style: style(cli.color),
        config: cli.config.clone(),
    };
    match &cli.command {
        Command::Validate => validate::run(&ctx),
        Command::Plan(args) => plan::run(&ctx, args).await,
        Command::Apply(args) => apply::run(&ctx, args).await,
    }
}

pub struct Context {
    pub session: Session,
    pub style: Style,
    pub config: std::path::PathBuf,
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

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

/// Connects as the management account declared in org.toml and reads the organization.
pub async fn connect_and_discover(
    ctx: &Context,
    desired: &Desired,
    command: &str,
) -> Result<(Clients, Actual)> {
    let config = ctx.session.load(desired.home_region.as_str()).await;
    let sts = aws_sdk_sts::Client::new(&config);
    let me = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| Error::aws("GetCallerIdentity", "the caller", e))?;
    let caller = me.account().unwrap_or_default();
    if caller != desired.management_account.as_str() {
        return Err(Error::WrongCaller {
            caller: caller.to_string(),
            declared: desired.management_account.to_string(),
        });
    }
    let members = MemberSessions::new(
        config.clone(),
        desired.management_account.clone(),
        me.arn().unwrap_or_default(),
        &desired.member_role,
        None,
        command,
    );
    let clients = Clients {
        org: aws_sdk_organizations::Client::new(&config),
        sts,
        members: std::sync::Arc::new(members),
    };
    let actual = crate::discover::organization(&clients.org).await?;
    if actual.management_account != desired.management_account {
        return Err(Error::WrongOrganization {
            actual: actual.management_account.to_string(),
            declared: desired.management_account.to_string(),
        });
    }
    Ok((clients, actual))
}
