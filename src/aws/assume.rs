//! One assumed-role session: used for `--assume-role` into the management account and for the
//! member role inside each member account.

use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Why a role could not be assumed, with AWS's own code and message when it gave one.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot assume {arn}: {reason}")]
pub struct AssumeError {
    pub arn: String,
    pub code: Option<String>,
    pub reason: String,
}

/// The role to assume, and how.
#[derive(Debug, Clone)]
pub struct RoleSpec<'a> {
    pub arn: &'a str,
    /// Goes to CloudTrail as the session name, e.g. `govern-plan`.
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
}

/// `base` with its credentials replaced by the role's. The role is assumed once now with STS
/// directly, so an unassumable role is reported with AWS's own code and message; the SDK's provider
/// takes over only to refresh.
pub async fn assume(base: &SdkConfig, role: &RoleSpec<'_>) -> Result<SdkConfig, AssumeError> {
    let arn = role.arn;
    let fail = |code: Option<String>, reason: String| AssumeError {
        arn: arn.to_string(),
        code,
        reason,
    };
    let mut request = aws_sdk_sts::Client::new(base)
        .assume_role()
        .role_arn(arn)
        .role_session_name(role.session_name);
    if let Some(x) = role.external_id {
        request = request.external_id(x);
    }
    let out = request.send().await.map_err(|e| match e.code() {
        Some(code) => fail(
            Some(code.to_string()),
            format!("{code}: {}", e.message().unwrap_or("no message")),
        ),
        None => fail(
            None,
            aws_smithy_types::error::display::DisplayErrorContext(&e).to_string(),
        ),
    })?;
    let c = out
        .credentials()
        .ok_or_else(|| fail(None, "AssumeRole returned no credentials".into()))?;
    let first = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        std::time::SystemTime::try_from(*c.expiration()).ok(),
        "govern-assume-role",
    );
    let mut builder = AssumeRoleProvider::builder(arn)
        .session_name(role.session_name)
        .configure(base);
    if let Some(x) = role.external_id {
        builder = builder.external_id(x);
    }
    let provider = Primed {
        current: std::sync::Mutex::new(first),
        refresh: builder.build().await,
    };
    Ok(base
        .clone()
        .into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build())
}

/// Hands out the credentials fetched when the session was opened until they near expiry, then
/// refreshes through the SDK's assume-role provider. Every client made from the configuration (the
/// Account API, KMS and Secrets Manager in each region) asks its own identity cache, so the
/// credentials are kept here: one AssumeRole per session per hour, not one per client.
#[derive(Debug)]
struct Primed {
    current: std::sync::Mutex<Credentials>,
    refresh: AssumeRoleProvider,
}

/// Refresh this long before expiry, so no request goes out with credentials about to lapse.
const REFRESH_MARGIN: std::time::Duration = std::time::Duration::from_secs(5 * 60);

impl ProvideCredentials for Primed {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let current =
                self.current.lock().map(|c| c.clone()).map_err(|_| {
                    CredentialsError::unhandled("assumed credentials lock poisoned")
                })?;
            let fresh_enough = current
                .expiry()
                .is_none_or(|e| e > std::time::SystemTime::now() + REFRESH_MARGIN);
            if fresh_enough {
                return Ok(current);
            }
            let renewed = self.refresh.provide_credentials().await?;
            if let Ok(mut c) = self.current.lock() {
                *c = renewed.clone();
            }
            Ok(renewed)
        })
    }
}
