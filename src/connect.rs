//! From credentials to `Actual`: the one path plan, drift, apply, evidence and import share.
//!
//! [`connect`] loads the session (the standard chain, `--profile`, `--region`, `--assume-role`),
//! asks STS who the caller is (once per run: evidence reuses the answer) and builds the clients.
//! [`Connection::organization`] reads the organization and checks it is the one the caller manages;
//! [`Connection::members`] reads inside every account what the baselines need.

use std::io::IsTerminal;

use crate::aws::{Clients, MemberSessions, Session};
use crate::discover::Scope;
use crate::error::{Error, Result};
use crate::model::{AccountId, Actual, Desired};
use crate::plan::Shard;

/// Whose organization the run expects.
#[derive(Debug, Clone, Copy)]
pub enum Expect<'a> {
    /// org.toml's `management_account`: the caller must be it, and the organization its.
    Declared(&'a AccountId),
    /// Whatever organization the caller manages (import: there is no org.toml yet).
    CallersOwn,
}

pub struct Connection {
    pub clients: Clients,
    /// The caller's account, as STS said.
    pub caller_account: String,
    /// The caller's ARN, as STS said.
    pub caller_arn: String,
}

/// What [`Connection::members`] reads besides each account's baselines.
#[derive(Debug, Clone, Copy)]
pub struct Also {
    /// Accounts whose member role is refused: their contacts and regions from the management
    /// account, where trusted access for account.amazonaws.com allows it.
    pub fallback: bool,
    /// Trusted access and delegated administrators.
    pub logging: bool,
    /// Trusted access and IAM's centralized root access features.
    pub root_access: bool,
}

/// What a run reads, besides where.
pub struct Settings<'a> {
    pub session: &'a Session,
    /// The region when neither `--region` nor the chain sets one.
    pub region: &'a str,
    pub member_role: &'a str,
    pub external_id: Option<String>,
    /// For the session name `govern-<command>` that CloudTrail shows.
    pub command: &'a str,
}

/// Loads the session and asks STS who the caller is; with [`Expect::Declared`], refuses a caller
/// that is not the declared management account before anything else is read.
pub async fn connect(settings: &Settings<'_>, expect: Expect<'_>) -> Result<Connection> {
    let config = settings.session.load(settings.region).await?;
    let sts = aws_sdk_sts::Client::new(&config);
    let me = sts.get_caller_identity().send().await.map_err(|e| {
        let endpoint = crate::aws::endpoint(&config, "sts");
        Error::first_call("GetCallerIdentity", "the caller", e, &endpoint)
    })?;
    let caller_account = me.account().unwrap_or_default().to_string();
    let caller_arn = me.arn().unwrap_or_default().to_string();
    if let Expect::Declared(declared) = expect {
        if caller_account != declared.as_str() {
            return Err(Error::WrongCaller {
                caller: caller_account,
                declared: declared.to_string(),
            });
        }
    }
    tracing::info!(
        command = settings.command,
        caller = %caller_arn,
        account = %caller_account,
        assumed_role = settings.session.assume_role.as_deref(),
        "connected"
    );
    // Member roles are assumed from the management account; for import, whose caller is checked
    // against the organization once it is read, an unparsable id cannot be one and fails there.
    let management = match expect {
        Expect::Declared(declared) => declared.clone(),
        Expect::CallersOwn => {
            AccountId::parse(&caller_account).map_err(|_| Error::WrongCaller {
                caller: caller_account.clone(),
                declared: "the organization's management account".into(),
            })?
        }
    };
    let members = MemberSessions::new(
        config.clone(),
        management,
        &caller_arn,
        settings.member_role,
        settings.external_id.clone(),
        settings.command,
    );
    Ok(Connection {
        clients: Clients {
            org: crate::aws::throttle::organizations(&config),
            sts,
            members: std::sync::Arc::new(members),
        },
        caller_account,
        caller_arn,
    })
}

impl Connection {
    /// The organization as the management account sees it, checked to be the expected one.
    pub async fn organization(&self, expect: Expect<'_>) -> Result<Actual> {
        let actual = crate::discover::organization(&self.clients.org).await?;
        match expect {
            Expect::Declared(declared) if actual.management_account != *declared => {
                return Err(Error::WrongOrganization {
                    actual: actual.management_account.to_string(),
                    declared: declared.to_string(),
                })
            }
            Expect::CallersOwn if self.caller_account != actual.management_account.as_str() => {
                return Err(Error::WrongCaller {
                    caller: self.caller_account.clone(),
                    declared: actual.management_account.to_string(),
                })
            }
            _ => {}
        }
        tracing::info!(
            organization = %actual.organization_id,
            accounts = actual.accounts.len(),
            ous = actual.ous.len(),
            policies = actual.policies.len(),
            "organization read"
        );
        Ok(actual)
    }

    /// Inside every account (of the shard, with `scope.shard`), what `scope` asks for; then what
    /// `also` asks for.
    pub async fn members(
        &self,
        actual: &mut Actual,
        scope: &Scope,
        concurrency: crate::discover::Concurrency,
        also: Also,
    ) -> Result<()> {
        let bar = progress_bar(if scope.is_empty() {
            0
        } else {
            actual.accounts.len()
        });
        crate::discover::members(&self.clients, actual, scope, concurrency, || bar.inc(1)).await;
        bar.finish_and_clear();
        if also.fallback {
            crate::discover::fallback(&self.clients, actual, scope, concurrency).await?;
        }
        if also.logging {
            crate::discover::logging(&self.clients, actual).await?;
        }
        if also.root_access {
            read_root_access(&self.clients, actual).await?;
        }
        Ok(())
    }
}

/// How a run against a declared organization reads: the session, `--shard`, `--concurrency`.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    pub session: &'a Session,
    pub shard: Option<Shard>,
    pub concurrency: crate::discover::Concurrency,
}

/// Connects as the management account declared in org.toml and reads the organization and, as
/// its baselines ask, inside every account (of `--shard`): what plan, drift, apply and evidence
/// start from, and what apply's verification reads again.
pub async fn declared(
    reader: &Reader<'_>,
    desired: &Desired,
    command: &str,
) -> Result<(Clients, Actual)> {
    declared_from(reader, desired, command, None).await
}

/// As [`declared`], starting from `organization` when given (a snapshot `govern drift
/// organization` wrote, already checked to be of the declared management account: see
/// govern_core::snapshot) instead of reading the organization and its tags again.
pub async fn declared_from(
    reader: &Reader<'_>,
    desired: &Desired,
    command: &str,
    organization: Option<Actual>,
) -> Result<(Clients, Actual)> {
    let connection = connect_declared(reader, desired, command).await?;
    let actual = read(&connection, reader, desired, organization).await?;
    Ok((connection.clients, actual))
}

/// [`connect`] as org.toml's management account, with org.toml's member role.
async fn connect_declared(
    reader: &Reader<'_>,
    desired: &Desired,
    command: &str,
) -> Result<Connection> {
    connect(
        &Settings {
            session: reader.session,
            region: desired.home_region.as_str(),
            member_role: &desired.member_role,
            external_id: desired.external_id.clone(),
            command,
        },
        Expect::Declared(&desired.management_account),
    )
    .await
}

/// Connects as [`declared`] does and reads the organization and the tags org.toml declares,
/// nothing inside accounts: what `govern drift organization` writes for the shards of one run.
pub async fn organization_only(
    reader: &Reader<'_>,
    desired: &Desired,
    command: &str,
) -> Result<Actual> {
    let connection = connect_declared(reader, desired, command).await?;
    organization_and_tags(&connection, desired).await
}

/// The organization, checked to be the declared one, and the tags org.toml declares.
async fn organization_and_tags(connection: &Connection, desired: &Desired) -> Result<Actual> {
    let mut actual = connection
        .organization(Expect::Declared(&desired.management_account))
        .await?;
    let which = crate::discover::tags::declared(desired, &actual);
    crate::discover::tags::tags(&connection.clients, &mut actual, which).await?;
    Ok(actual)
}

/// Reads the declared organization again through `clients`, the sessions of a run already
/// connected (apply's verification): no second GetCallerIdentity, and member sessions reused from
/// their cache instead of one more AssumeRole per account.
pub async fn again(clients: &Clients, reader: &Reader<'_>, desired: &Desired) -> Result<Actual> {
    let connection = Connection {
        clients: clients.clone(),
        caller_account: desired.management_account.to_string(),
        caller_arn: clients.members.caller_arn().to_string(),
    };
    read(&connection, reader, desired, None).await
}

/// Reads the organization again, and inside `accounts` only; every other account's baselines are
/// `previous`'s. Apply's verification polls this way while some changes do not read back yet (AWS
/// is eventually consistent): the organization is one quick read, the accounts are the cost.
pub async fn again_only(
    clients: &Clients,
    reader: &Reader<'_>,
    desired: &Desired,
    previous: &Actual,
    accounts: &std::collections::BTreeSet<AccountId>,
) -> Result<Actual> {
    let connection = Connection {
        clients: clients.clone(),
        caller_account: desired.management_account.to_string(),
        caller_arn: clients.members.caller_arn().to_string(),
    };
    let mut actual = organization_and_tags(&connection, desired).await?;
    let mut scope = Scope::of(desired);
    scope.shard = reader.shard;
    if !accounts.is_empty() && !scope.is_empty() {
        let mut partial = actual.clone();
        partial.accounts.retain(|id, _| accounts.contains(id));
        crate::discover::members(clients, &mut partial, &scope, reader.concurrency, || {}).await;
        actual.members = partial.members;
    }
    for (id, member) in &previous.members {
        if actual.accounts.contains_key(id) {
            actual
                .members
                .entry(id.clone())
                .or_insert_with(|| member.clone());
        }
    }
    crate::discover::fallback(clients, &mut actual, &scope, reader.concurrency).await?;
    if desired.baselines.logging.is_some() {
        crate::discover::logging(clients, &mut actual).await?;
    }
    if desired.baselines.root_access.is_some() {
        read_root_access(clients, &mut actual).await?;
    }
    read_declared_security(clients, &mut actual, desired).await?;
    read_trail(clients, &mut actual, desired).await?;
    Ok(actual)
}

/// `[security]`'s services, in the Regions the plan designates them in.
async fn read_declared_security(
    clients: &Clients,
    actual: &mut Actual,
    desired: &Desired,
) -> Result<()> {
    let Some(security) = &desired.baselines.security else {
        return Ok(());
    };
    let regions = govern_core::security::regions(desired);
    read_security(
        clients,
        actual,
        &security.services,
        &regions,
        desired.baselines.logging.is_some(),
    )
    .await
}

/// The security services' administrators: Organizations' delegated administrators (unless
/// `delegations_read`: `[logging]` read them) and each service API's, in `regions`.
pub async fn read_security(
    clients: &Clients,
    actual: &mut Actual,
    services: &[crate::model::SecurityService],
    regions: &[String],
    delegations_read: bool,
) -> Result<()> {
    let via_organizations = services
        .iter()
        .any(|s| s.spec().enablement == crate::model::Enablement::Organizations);
    if via_organizations && !delegations_read {
        crate::discover::logging(clients, actual).await?;
    }
    crate::security::read(clients, actual, services, regions).await
}

/// `[logging.trail]`: trusted access (if not read yet), the trail, and the bucket and key in the
/// logging account (matched as the plan matches accounts: by id, else by email; none yet when the
/// plan creates it).
async fn read_trail(clients: &Clients, actual: &mut Actual, desired: &Desired) -> Result<()> {
    let (Some(want), Some(logging)) = (&desired.baselines.trail, &desired.baselines.logging) else {
        return Ok(());
    };
    crate::discover::service_access(clients, actual).await?;
    let account = desired.accounts.get(&logging.account).and_then(|a| {
        a.id.clone()
            .filter(|id| actual.accounts.contains_key(id))
            .or_else(|| {
                actual
                    .account_by_email(a.email.as_str())
                    .map(|(id, _)| id.clone())
            })
    });
    crate::trail::read(clients, actual, want, account.as_ref()).await
}

/// Trusted access (if not read yet), then IAM's root access features.
async fn read_root_access(clients: &Clients, actual: &mut Actual) -> Result<()> {
    crate::discover::service_access(clients, actual).await?;
    crate::root_access::read(clients, actual).await
}

/// The organization and, as the baselines ask, inside every account (of `--shard`).
/// `organization`: a snapshot to start from instead of reading the organization.
async fn read(
    connection: &Connection,
    reader: &Reader<'_>,
    desired: &Desired,
    organization: Option<Actual>,
) -> Result<Actual> {
    let mut actual = match organization {
        Some(snapshot) => snapshot,
        None => organization_and_tags(connection, desired).await?,
    };
    let mut scope = Scope::of(desired);
    scope.shard = reader.shard;
    connection
        .members(
            &mut actual,
            &scope,
            reader.concurrency,
            Also {
                fallback: true,
                logging: desired.baselines.logging.is_some(),
                root_access: desired.baselines.root_access.is_some(),
            },
        )
        .await?;
    read_declared_security(&connection.clients, &mut actual, desired).await?;
    read_trail(&connection.clients, &mut actual, desired).await?;
    Ok(actual)
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
