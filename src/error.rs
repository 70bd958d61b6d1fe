//! Errors as one enum with context; rendered for people once, at the edge (main.rs), with `help:` lines.

use std::fmt::Display;

use aws_sdk_organizations::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;

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
    pub fn aws<E, R>(operation: &'static str, on: impl Display, err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let code = err.code().map(str::to_string);
        let action = iam_action::<E>(operation);
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

fn hint_for<E, R>(action: &str, code: Option<&str>, err: &SdkError<E, R>) -> Option<String> {
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
        _ => match err {
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
}
