//! Errors as one enum with context; rendered for people once, at the edge (main.rs), with `help:` lines.

use std::error::Error as StdError;
use std::fmt::Display;

use aws_config::meta::ProviderChainError;
use aws_credential_types::provider::error::{CredentialsError, TokenError};
use aws_sdk_organizations::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::error::display::DisplayErrorContext;

use crate::aws::{ChainSetup, Endpoint, ProfileFrom, SessionError};

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] crate::config::ConfigError),

    #[error("{action} on {on} failed: {message}")]
    Aws {
        /// The IAM action, e.g. `organizations:ListAccountsForParent`.
        action: String,
        on: String,
        code: Option<String>,
        message: String,
        #[help]
        hint: Option<String>,
    },

    /// Nothing could start: no credentials, a profile that does not exist, an SSO sign-in that
    /// expired, web identity refused, AWS unreachable, a clock AWS refuses. One line naming the
    /// cause and one naming the fix; the SDK's whole error is logged at -v.
    #[error("{message}")]
    Setup {
        message: String,
        #[help]
        hint: String,
    },

    #[error("{source}")]
    AssumeRole {
        source: crate::aws::AssumeError,
        #[help]
        hint: String,
    },

    #[error("the credentials belong to account {caller}, but org.toml declares management account {declared}")]
    #[diagnostic(help(
        "run govern with credentials of the management account {declared}: AWS_PROFILE, --profile, or --assume-role arn:aws:iam::{declared}:role/<role>"
    ))]
    WrongCaller { caller: String, declared: String },

    #[error("the organization's management account is {actual}, but org.toml declares {declared}")]
    #[diagnostic(help("fix [organization] management_account in org.toml"))]
    WrongOrganization { actual: String, declared: String },

    #[error("{0}")]
    Discovery(String),

    #[error("{message}")]
    Refused {
        message: String,
        #[help]
        hint: Option<String>,
    },

    #[error("{failed} of {total} changes failed; {skipped} were not attempted because a change they depend on failed")]
    #[diagnostic(help("the organization is partly converged: fix the cause above and run `govern apply` again; it plans from what exists now"))]
    ApplyFailed {
        failed: usize,
        skipped: usize,
        total: usize,
    },

    #[error("apply stopped ({why}): {done} of {total} changes made, {failed} failed, {not_started} not started")]
    #[diagnostic(help("the journal {journal} lists every step; run `govern plan` and `govern apply` again: they plan from what exists now"))]
    Interrupted {
        why: String,
        done: usize,
        failed: usize,
        not_started: usize,
        total: usize,
        journal: String,
    },

    /// The lock was broken (`--break-lock ID`) or taken over while this apply ran: it started no
    /// more changes, since another apply may be running now.
    #[error("apply stopped before its next change: {why}; {done} of {total} changes made, {failed} failed, {not_started} not started")]
    #[diagnostic(help("another apply may be running now (the one that broke the lock): let it finish, then run `govern plan`. The journal {journal} lists every step this apply took"))]
    LockLost {
        why: String,
        done: usize,
        failed: usize,
        not_started: usize,
        total: usize,
        journal: String,
    },

    #[error("the saved plan {path} is stale, so it was not applied: {}", reasons.join("; "))]
    #[diagnostic(help("make a new plan (`govern plan -o {path}`), review it, and apply that"))]
    StalePlan { path: String, reasons: Vec<String> },

    /// A create AWS answered "it exists" (a retry after a lost answer, or someone else's since the
    /// plan), where what exists is not what govern would have created.
    #[error("{on}: AWS says it exists already, but not as govern would have created it: {found}")]
    #[diagnostic(help("it was made outside this apply since the plan: run `govern plan` to see it as it is, then decide (keep it and adapt org.toml, or remove it)"))]
    CreateConflict { on: String, found: String },

    #[error("inconsistent result after apply: {0}")]
    #[diagnostic(help("this is a bug in govern or an eventual-consistency delay in AWS; run `govern plan` again and report it if the changes persist"))]
    Inconsistent(String),

    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an SDK error with the operation and what it was acting on, and a hint where the error
    /// code says what to do.
    pub fn aws<E>(operation: &'static str, on: impl Display, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        let code = err.code().map(str::to_string);
        let action = iam_action::<E>(operation);
        if let Some((message, hint)) = not_an_answer(&err) {
            return Error::Aws {
                action,
                on: on.to_string(),
                code,
                message,
                hint: Some(hint),
            };
        }
        let hint = hint_for(&action, code.as_deref(), &err);
        let message = match (&code, err.message()) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            _ => DisplayErrorContext(&err).to_string(),
        };
        Error::Aws {
            action,
            on: on.to_string(),
            code,
            message,
            hint,
        }
    }

    /// The AWS error code, when this is an AWS error.
    pub fn aws_code(&self) -> Option<&str> {
        match self {
            Error::Aws { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

impl From<crate::aws::AssumeError> for Error {
    fn from(source: crate::aws::AssumeError) -> Self {
        if let Some(sdk) = &source.sdk {
            if let Some(e) = unreachable_or_skewed(&sdk.error, &sdk.endpoint) {
                return e;
            }
        }
        let hint = if is_access_denied(source.code.as_deref()) {
            format!(
                "the caller may not assume {}: it needs sts:AssumeRole on that role, and the role's \
                 trust policy must trust the caller (docs/iam/ has examples)",
                source.arn
            )
        } else {
            "check the role ARN, and that the chain's credentials (AWS_PROFILE, --profile, OIDC) \
             are valid"
                .to_string()
        };
        Error::AssumeRole { source, hint }
    }
}

// ---------------------------------------------------------------------------------------------
// The first minute: what stops a run before anything works, classified by the errors' types.

impl From<SessionError> for Error {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::ProfileFiles(source) => {
                full_error(&source);
                one_line(
                    format!(
                        "the AWS profile files cannot be read: {}",
                        crate::aws::describe(&source)
                    ),
                    "fix that line; `aws configure list-profiles` reads the same files",
                )
            }
            SessionError::NoSuchProfile(chain) => no_such_profile(&chain),
            SessionError::Credentials {
                source,
                setup,
                sts,
                sso,
            } => {
                full_error(&source);
                credentials(&source, &setup, &sts, sso.as_ref())
            }
            SessionError::Assume(a) => a.into(),
        }
    }
}

/// A first-minute error: the cause and the fix.
fn one_line(message: impl Into<String>, hint: impl Into<String>) -> Error {
    Error::Setup {
        message: message.into(),
        hint: hint.into(),
    }
}

/// The SDK's whole error, for -v: the one line govern prints is made from it.
fn full_error(err: &(dyn StdError + 'static)) {
    tracing::info!(error = %DisplayErrorContext(err), "the full error");
}

/// An error and every error under it.
fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |e: &&'a (dyn StdError + 'static)| (*e).source())
}

fn find<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    chain(err).find_map(|e| e.downcast_ref::<T>())
}

fn no_such_profile(setup: &ChainSetup) -> Error {
    let p = &setup.profile;
    let from = match setup.profile_from {
        ProfileFrom::Flag => "--profile",
        ProfileFrom::Env | ProfileFrom::Default => "AWS_PROFILE",
    };
    let (message, hint) = if setup.profiles.is_empty() {
        (
            format!(
                "the AWS profile `{p}` (from {from}) does not exist: {} and {} define no profile",
                setup.config_file, setup.credentials_file
            ),
            match setup.profile_from {
                ProfileFrom::Flag => format!("create it with `aws configure sso --profile {p}`, or leave out --profile to use the default chain"),
                _ => format!("create it with `aws configure sso --profile {p}`, or unset AWS_PROFILE to use the default chain"),
            },
        )
    } else {
        (
            format!(
                "the AWS profile `{p}` (from {from}) does not exist; the profiles are: {}",
                setup.profiles.join(", ")
            ),
            match setup.profile_from {
                ProfileFrom::Flag => format!("pass one of them to --profile, or create `{p}` with `aws configure sso --profile {p}`"),
                _ => format!("set AWS_PROFILE to one of them, or create `{p}` with `aws configure sso --profile {p}`"),
            },
        )
    };
    one_line(message, hint)
}

const NO_CREDENTIALS_HINT: &str = "sign in with `aws sso login --profile NAME` and set AWS_PROFILE=NAME (or pass --profile NAME), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";

const WEB_IDENTITY_FILE_HINT: &str = "in GitHub Actions, give the job `permissions: id-token: write` and get credentials with aws-actions/configure-aws-credentials (docs/ci/); elsewhere, point AWS_WEB_IDENTITY_TOKEN_FILE at the OIDC token";

const WEB_IDENTITY_TRUST_HINT: &str = "the role's trust policy must allow sts:AssumeRoleWithWebIdentity for this token's issuer (an IAM OIDC provider), audience and subject (for GitHub: token.actions.githubusercontent.com, sts.amazonaws.com, repo:OWNER/REPO:…)";

/// The standard chain gave no credentials: why, from the SDK's error types.
fn credentials(
    err: &CredentialsError,
    setup: &ChainSetup,
    sts: &Endpoint,
    sso_portal: Option<&Endpoint>,
) -> Error {
    let err: &(dyn StdError + 'static) = err;
    let p = &setup.profile;

    // Every source said "not here".
    if let Some(tried) = find::<ProviderChainError<CredentialsError>>(err) {
        let sources: Vec<String> = tried
            .attempts()
            .iter()
            .map(|a| source_name(a.name(), a.error(), setup))
            .collect();
        return one_line(
            format!("no AWS credentials found; tried: {}", sources.join(", ")),
            NO_CREDENTIALS_HINT,
        );
    }

    // SSO: the token is missing or expired (the SDK's token provider fails with a TokenError; a
    // profile with its own sso_start_url reads the cache file itself, or asks SSO, which refuses).
    let role_credentials = find::<
        SdkError<
            aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError,
            HttpResponse,
        >,
    >(err);
    if let Some(sso) = &setup.sso {
        let refused = role_credentials
            .and_then(|e| e.as_service_error())
            .is_some_and(|e| e.is_unauthorized_exception());
        let never = sso.token_cache.as_ref().is_some_and(|f| !f.exists());
        if refused || never || find::<TokenError>(err).is_some() {
            let session = sso
                .session
                .as_ref()
                .map(|s| format!(" (sso-session `{s}`)"))
                .unwrap_or_default();
            return if never {
                one_line(
                    format!("profile `{p}` is not signed in to AWS SSO{session}"),
                    format!("sign in: aws sso login --profile {p}"),
                )
            } else {
                one_line(
                    format!("the AWS SSO sign-in of profile `{p}`{session} has expired"),
                    format!("sign in again: aws sso login --profile {p}"),
                )
            };
        }
    }

    // Web identity: the token file is missing, or STS refuses the token for the role.
    if let Some(wi) = &setup.web_identity {
        let not_found =
            find::<std::io::Error>(err).is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound);
        if not_found && !wi.token_file.exists() {
            return one_line(
                format!(
                    "the web identity token file {} does not exist ({})",
                    wi.token_file.display(),
                    wi.setting
                ),
                WEB_IDENTITY_FILE_HINT,
            );
        }
        let refusal = find::<SdkError<aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityError, HttpResponse>>(err);
        if let Some(code) = refusal.and_then(|e| e.code()) {
            let message = refusal.and_then(|e| e.message()).unwrap_or("no message");
            let role = wi.role_arn.as_deref().unwrap_or("(AWS_ROLE_ARN)");
            let hint = match code {
                "ExpiredTokenException" => "the OIDC token has expired: fetch a fresh one right before govern runs (in GitHub Actions, aws-actions/configure-aws-credentials does)",
                "InvalidIdentityToken" => "the token's issuer must be an IAM OIDC identity provider of the role's account (for GitHub: token.actions.githubusercontent.com, audience sts.amazonaws.com)",
                _ => WEB_IDENTITY_TRUST_HINT,
            };
            return one_line(
                format!("the role {role} refused the web identity token: {code}: {message}"),
                hint,
            );
        }
    }

    // A source's own call to AWS (web identity, an assume-role profile, SSO) found no AWS.
    if let Some(reason) = unreachable_reason(err) {
        let endpoint = match (role_credentials, sso_portal) {
            (Some(_), Some(portal)) => portal,
            _ => sts,
        };
        return unreachable(endpoint, &reason);
    }

    one_line(
        format!(
            "the AWS credentials of profile `{p}` could not be loaded: {}",
            crate::aws::describe(err)
        ),
        "run with -v to see what each source of the chain said; check AWS_PROFILE (or --profile) and ~/.aws/config",
    )
}

/// A source of the standard chain, as the error line names it.
fn source_name(name: &str, error: &CredentialsError, setup: &ChainSetup) -> String {
    match name {
        "Environment" => "environment variables".into(),
        "Profile" => {
            // A profile that exists but points nowhere (a missing source_profile) says why.
            let why = error
                .source()
                .map(|s| format!(": {}", crate::aws::describe(s)))
                .unwrap_or_default();
            format!(
                "profile `{}` ({}, {}{why})",
                setup.profile, setup.config_file, setup.credentials_file
            )
        }
        "WebIdentityToken" => "web identity".into(),
        "EcsContainer" => "container credentials".into(),
        "Ec2InstanceMetadata" if setup.imds_disabled => "EC2 instance metadata (disabled)".into(),
        "Ec2InstanceMetadata" => "EC2 instance metadata".into(),
        other => other.to_string(),
    }
}

/// Why a request did not reach AWS (connection refused, no DNS answer, a timeout), if that is why
/// it failed.
fn unreachable_reason(err: &(dyn StdError + 'static)) -> Option<String> {
    let connector = find::<ConnectorError>(err)?;
    if connector.is_timeout() {
        return Some("the connection timed out".into());
    }
    if !connector.is_io() {
        return None;
    }
    let io = find::<std::io::Error>(err);
    Some(match io {
        Some(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused".into()
        }
        Some(io) => {
            let text = io.to_string();
            // "… (os error 111)" says nothing more to people.
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
        None => crate::aws::describe(connector),
    })
}

fn unreachable(endpoint: &Endpoint, reason: &str) -> Error {
    let hint = match endpoint.setting {
        Some(setting) if setting.starts_with("AWS_") => format!(
            "check {setting} (is the emulator or proxy it names running?), or unset it to reach AWS"
        ),
        Some(setting) => format!(
            "check {setting} (is the emulator or proxy it names running?), or remove it to reach AWS"
        ),
        None => "check the network connection, DNS, and any firewall or proxy between this machine and AWS".into(),
    };
    one_line(
        format!("AWS could not be reached at {}: {reason}", endpoint.url),
        hint,
    )
}

/// AWS refused a request's signing time: how far this machine's clock is from AWS's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skew {
    /// AWS's time minus this machine's, in seconds, when AWS's answer said what time it was.
    pub seconds: Option<i64>,
}

/// AWS accepts requests signed within this much of its own time.
const SIGNING_WINDOW_SECS: i64 = 5 * 60;

/// Whether an answer is AWS refusing the signing time: RequestTimeTooSkewed (and EC2's
/// RequestExpired), or a signature refused as expired or not yet current, or a signature refused
/// while AWS's `Date` is more than the signing window away from this machine's clock.
pub fn clock_skew(code: &str, message: &str, aws_date: Option<&str>) -> Option<Skew> {
    let seconds = aws_date.and_then(|d| {
        let aws =
            aws_smithy_types::DateTime::from_str(d, aws_smithy_types::date_time::Format::HttpDate)
                .ok()?;
        let now = aws_smithy_types::DateTime::from(std::time::SystemTime::now());
        Some(aws.secs() - now.secs())
    });
    let refused_signature = matches!(
        code,
        "SignatureDoesNotMatch" | "InvalidSignatureException" | "AuthFailure"
    );
    let skewed = matches!(code, "RequestTimeTooSkewed" | "RequestExpired")
        || (refused_signature
            && (message.starts_with("Signature expired")
                || message.contains("Signature not yet current")
                || seconds.is_some_and(|s| s.abs() > SIGNING_WINDOW_SECS)));
    skewed.then_some(Skew { seconds })
}

/// "20 minutes", "3 hours", "2 days".
fn span(seconds: i64) -> String {
    let minutes = (seconds.abs() + 30) / 60;
    let (n, unit) = if minutes < 120 {
        (minutes, "minute")
    } else if minutes < 48 * 60 {
        ((minutes + 30) / 60, "hour")
    } else {
        ((minutes + 720) / 1440, "day")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn skewed(code: &str, message: &str, skew: Skew) -> Error {
    let how_far = match skew.seconds {
        Some(s) if s.abs() >= 60 && s > 0 => {
            format!("this machine's clock is {} behind AWS's ({code})", span(s))
        }
        Some(s) if s.abs() >= 60 => {
            format!(
                "this machine's clock is {} ahead of AWS's ({code})",
                span(s)
            )
        }
        _ => format!("this machine's clock is off ({code}: {message})"),
    };
    one_line(
        format!("AWS refused the request's signature: {how_far}"),
        "set the clock right and keep it synchronised (`timedatectl set-ntp true` on Linux; \
         \"Set time automatically\" on macOS and Windows): AWS accepts requests signed within 5 \
         minutes of its time",
    )
}

/// AWS could not be reached, or refused the clock: the first-minute error for an SDK error, if it
/// is one of those.
fn unreachable_or_skewed<E>(err: &SdkError<E, HttpResponse>, endpoint: &Endpoint) -> Option<Error>
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    if let SdkError::TimeoutError(_) = err {
        full_error(err);
        return Some(unreachable(endpoint, "no answer in time"));
    }
    if let Some(reason) = unreachable_reason(err) {
        full_error(err);
        return Some(unreachable(endpoint, &reason));
    }
    let code = err.code()?;
    let date = err.raw_response().and_then(|r| r.headers().get("date"));
    let skew = clock_skew(code, err.message().unwrap_or(""), date)?;
    full_error(err);
    Some(skewed(code, err.message().unwrap_or(""), skew))
}

impl Error {
    /// The error of a run's first call to AWS (STS GetCallerIdentity): AWS unreachable at
    /// `endpoint`, or refusing this machine's clock, or credentials that stopped working since
    /// they loaded, each as one line; else as [`Error::aws`].
    pub fn first_call<E>(
        operation: &'static str,
        on: impl Display,
        err: SdkError<E, HttpResponse>,
        endpoint: &Endpoint,
    ) -> Self
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        match unreachable_or_skewed(&err, endpoint) {
            Some(e) => e,
            None => Error::aws(operation, on, err),
        }
    }
}

/// The IAM action of an SDK operation. The service prefix is the SDK crate the operation's error type
/// lives in (`aws_sdk_organizations::…::ListRootsError` → `organizations`): every service govern
/// calls names its crate after its IAM prefix, so call sites only name the operation.
pub fn iam_action<E>(operation: &str) -> String {
    let service = std::any::type_name::<E>()
        .split("::")
        .next()
        .and_then(|krate| krate.strip_prefix("aws_sdk_"))
        .unwrap_or("unknown");
    format!("{service}:{operation}")
}

/// Whether an AWS error code means the caller lacks a permission.
pub fn is_access_denied(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation")
    )
}

/// The help line for a missing permission, naming the IAM action.
pub fn access_denied_hint(action: &str) -> String {
    format!(
        "the caller lacks permission for {action}; docs/iam/ has the policies govern needs \
         (govern-read.json for plan, drift and evidence; govern-apply.json for apply)"
    )
}

/// When what came back is not an AWS answer at all (too large, broken off, HTML or garbage, or
/// nothing in time): one line naming the endpoint, and a help line. Never the SDK's debug dump.
fn not_an_answer<E>(err: &SdkError<E, HttpResponse>) -> Option<(String, String)>
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    use crate::aws::answer::{TooLarge, FROM_HEADER};
    let from = err
        .raw_response()
        .and_then(|r| r.headers().get(FROM_HEADER))
        .unwrap_or("the endpoint")
        .to_string();
    let check = "check AWS_ENDPOINT_URL and any proxy between govern and AWS".to_string();
    if find::<TooLarge>(err).is_some() {
        return Some((
            format!(
                "the answer from {from} is over {} MiB: not an AWS answer",
                crate::aws::answer::MAX_ANSWER / (1024 * 1024)
            ),
            check,
        ));
    }
    match err {
        SdkError::TimeoutError(_) => Some((
            "no answer within --operation-timeout (retries included)".into(),
            "AWS or the endpoint is slow or unreachable: check the network, or raise --operation-timeout".into(),
        )),
        SdkError::DispatchFailure(d) if d.as_connector_error().is_some_and(|c| c.is_timeout()) => Some((
            "the request timed out (--connect-timeout, --read-timeout)".into(),
            "check the network, or raise the timeouts".into(),
        )),
        SdkError::ResponseError(_) => {
            let why = chain(err)
                .last()
                .map(|e| e.to_string())
                .unwrap_or_default();
            Some((format!("the answer from {from} broke off: {why}"), check))
        }
        SdkError::ServiceError(_) if err.code().is_none() && err.message().is_none() => {
            let raw = err.raw_response()?;
            let kind = raw
                .headers()
                .get("content-type")
                .unwrap_or("no content type")
                .to_string();
            Some((
                format!(
                    "not an AWS answer: HTTP {}, {kind}, from {from}",
                    raw.status().as_u16()
                ),
                check,
            ))
        }
        _ => None,
    }
}

fn hint_for<E>(action: &str, code: Option<&str>, err: &SdkError<E, HttpResponse>) -> Option<String>
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    if is_access_denied(code) {
        return Some(access_denied_hint(action));
    }
    match code {
        Some("AWSOrganizationsNotInUseException") => Some(
            "this account is not in an organization: use the management account's credentials".into(),
        ),
        Some("ExpiredTokenException" | "ExpiredToken") => {
            Some("the credentials have expired: refresh them (aws sso login, or your CI's OIDC step)".into())
        }
        Some(code)
            if clock_skew(
                code,
                err.message().unwrap_or(""),
                err.raw_response().and_then(|r| r.headers().get("date")),
            )
            .is_some() =>
        {
            Some("AWS refused this machine's clock: set it right and keep it synchronised (NTP); AWS accepts requests signed within 5 minutes of its time".into())
        }
        _ => match err {
            SdkError::DispatchFailure(_) if find::<CredentialsError>(err).is_some() => Some(
                "the credentials could not be refreshed: sign in again (aws sso login), or rerun your CI's OIDC step".into(),
            ),
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Some(
                "AWS could not be reached: check the network, or AWS_ENDPOINT_URL when using an emulator".into(),
            ),
            SdkError::ConstructionFailure(_) => Some(
                "no usable credentials or region: set AWS_PROFILE or --profile, and --region".into(),
            ),
            _ => None,
        },
    }
}

impl From<govern_core::state::ReadError> for Error {
    fn from(e: govern_core::state::ReadError) -> Self {
        Error::Io {
            context: format!("reading {}", e.path.display()),
            source: e.source,
        }
    }
}

impl Error {
    /// The error for a plan that could not read every account; printed after the plan itself.
    pub fn incomplete(plan: &crate::plan::Plan) -> Option<Error> {
        let errors: Vec<_> = plan
            .findings
            .iter()
            .filter(|f| f.kind == crate::plan::FindingKind::Error)
            .collect();
        // Whole accounts, and parts of accounts (a key, a Region list) read on their own.
        let accounts = errors
            .iter()
            .filter(|f| matches!(f.address, crate::model::Address::Account(_)))
            .count();
        let parts = errors.len() - accounts;
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let mut what = Vec::new();
        if accounts > 0 {
            what.push(format!(
                "{accounts} account{} could not be read",
                plural(accounts)
            ));
        }
        if parts > 0 {
            what.push(format!(
                "{parts} part{} of accounts could not be read",
                plural(parts)
            ));
        }
        (!errors.is_empty()).then(|| Error::Refused {
            message: format!(
                "the plan is incomplete: {} (see the errors under Findings)",
                what.join(", ")
            ),
            hint: Some("everything else was planned; fix access to those and run again".into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::date_time::Format;

    fn http_date(offset_secs: i64) -> String {
        let now = std::time::SystemTime::now();
        let t = if offset_secs >= 0 {
            now + std::time::Duration::from_secs(offset_secs as u64)
        } else {
            now - std::time::Duration::from_secs(offset_secs.unsigned_abs())
        };
        aws_smithy_types::DateTime::from(t)
            .fmt(Format::HttpDate)
            .unwrap()
    }

    #[test]
    fn clock_skew_is_read_from_the_code_the_message_and_aws_time() {
        // S3's and EC2's codes say it.
        assert_eq!(
            clock_skew(
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
                None
            ),
            Some(Skew { seconds: None })
        );
        assert!(clock_skew("RequestExpired", "Request has expired.", None).is_some());
        // STS (SignatureDoesNotMatch) and the JSON services (InvalidSignatureException).
        assert!(clock_skew(
            "SignatureDoesNotMatch",
            "Signature expired: 20260101T000000Z is now earlier than 20260101T001000Z (20260101T001500Z - 5 min.)",
            None
        )
        .is_some());
        assert!(clock_skew(
            "InvalidSignatureException",
            "Signature not yet current: 20260101T003000Z is still later than 20260101T002000Z (20260101T001500Z + 5 min.)",
            None
        )
        .is_some());
        // A refused signature while AWS's Date is an hour ahead.
        let skew = clock_skew(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
            Some(&http_date(3600)),
        )
        .unwrap();
        assert!((3590..=3610).contains(&skew.seconds.unwrap()), "{skew:?}");
        // The same code with the clocks in step is a wrong secret key, not the clock.
        assert_eq!(
            clock_skew(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
                Some(&http_date(0))
            ),
            None
        );
        assert_eq!(clock_skew("AccessDenied", "Signature expired", None), None);
    }

    #[test]
    fn spans_of_time() {
        assert_eq!(span(60), "1 minute");
        assert_eq!(span(20 * 60 + 10), "20 minutes");
        assert_eq!(span(-5 * 3600), "5 hours");
        assert_eq!(span(3 * 86_400), "3 days");
    }

    #[test]
    fn the_clock_line_says_which_way() {
        let message = |e: Error| match e {
            Error::Setup { message, .. } => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            message(skewed(
                "RequestTimeTooSkewed",
                "too large",
                Skew {
                    seconds: Some(-1200)
                }
            )),
            "AWS refused the request's signature: this machine's clock is 20 minutes ahead of AWS's (RequestTimeTooSkewed)"
        );
        assert_eq!(
            message(skewed(
                "RequestTimeTooSkewed",
                "The difference is too large.",
                Skew { seconds: None }
            )),
            "AWS refused the request's signature: this machine's clock is off (RequestTimeTooSkewed: The difference is too large.)"
        );
    }
}
