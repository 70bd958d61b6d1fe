//! Errors as one enum with context; rendered for people once, at the edge (main.rs), with `help:` lines.

use std::fmt::Display;

use aws_sdk_organizations::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] crate::config::ConfigError),

    #[error("{operation} on {on} failed: {message}")]
    Aws {
        operation: &'static str,
        on: String,
        code: Option<String>,
        message: String,
        #[help]
        hint: Option<String>,
    },

    #[error("the credentials belong to account {caller}, but org.toml declares management account {declared}")]
    #[diagnostic(help(
        "run govern with credentials of the management account {declared} (AWS_PROFILE, --profile, or a role in it)"
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
        let hint = hint_for(operation, code.as_deref(), &err);
        let message = match (&code, err.message()) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            _ => DisplayErrorContext(&err).to_string(),
        };
        Error::Aws {
            operation,
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

fn hint_for<E, R>(operation: &str, code: Option<&str>, err: &SdkError<E, R>) -> Option<String> {
    match code {
        Some("AccessDeniedException" | "AccessDenied") => Some(format!(
            "the caller lacks permission for organizations:{operation}; see docs/iam/ for the policies govern needs"
        )),
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
