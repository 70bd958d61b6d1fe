//! One assumed-role session: used for `--assume-role` into the management account and for the
//! member role inside each member account.

use std::sync::Arc;

use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::Endpoint;

/// Why a role could not be assumed, with AWS's own code and message when it gave one.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot assume {arn}: {reason}")]
pub struct AssumeError {
    pub arn: String,
    pub code: Option<String>,
    pub reason: String,
    /// The SDK's error, when STS was asked and did not give the role.
    pub sdk: Option<Arc<StsError>>,
}

/// An AssumeRole request that failed: whether STS could be reached, what its answer said.
#[derive(Debug)]
pub struct StsError {
    pub error: SdkError<AssumeRoleError, HttpResponse>,
    /// Where STS was asked.
    pub endpoint: Endpoint,
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
        sdk: None,
    };
    let mut request = aws_sdk_sts::Client::new(base)
        .assume_role()
        .role_arn(arn)
        .role_session_name(role.session_name);
    if let Some(x) = role.external_id {
        request = request.external_id(x);
    }
    let out = request.send().await.map_err(|e| {
        let mut error = match e.code() {
            Some(code) => fail(
                Some(code.to_string()),
                format!("{code}: {}", e.message().unwrap_or("no message")),
            ),
            None => fail(None, super::describe(&e)),
        };
        error.sdk = Some(Arc::new(StsError {
            error: e,
            endpoint: super::endpoint(base, "sts"),
        }));
        error
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
    let provider = Primed::new(
        first,
        LazyAssume {
            base: base.clone(),
            arn: arn.to_string(),
            session_name: role.session_name.to_string(),
            external_id: role.external_id.map(str::to_string),
            provider: tokio::sync::OnceCell::new(),
        },
    );
    Ok(base
        .clone()
        .into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build())
}

/// The SDK's assume-role provider, built the first time the session needs refreshing. Building it
/// makes an STS client (runtime plugins, endpoint resolver, its own configuration): tens of
/// kilobytes every member session held from the moment it was opened, for a refresh a plan almost
/// never needs (a session lasts an hour). At 10,000 accounts those providers were most of govern's
/// peak memory (bench/README.md, "RSS").
#[derive(Debug)]
struct LazyAssume {
    base: SdkConfig,
    arn: String,
    session_name: String,
    external_id: Option<String>,
    provider: tokio::sync::OnceCell<AssumeRoleProvider>,
}

impl ProvideCredentials for LazyAssume {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let provider = self
                .provider
                .get_or_init(|| async {
                    let mut builder = AssumeRoleProvider::builder(self.arn.as_str())
                        .session_name(self.session_name.as_str())
                        .configure(&self.base);
                    if let Some(x) = &self.external_id {
                        builder = builder.external_id(x.as_str());
                    }
                    builder.build().await
                })
                .await;
            provider.provide_credentials().await
        })
    }
}

/// Hands out the credentials fetched when the session was opened until they near expiry, then
/// refreshes through `refresh` (the SDK's assume-role provider, or the standard chain). Every client
/// made from the configuration (the Account API, KMS and Secrets Manager in each region) asks its
/// own identity cache, so the credentials are kept here: one AssumeRole (or SSO, or web identity
/// exchange) per session per hour, not one per client.
#[derive(Debug)]
pub(super) struct Primed<P> {
    current: std::sync::Mutex<Credentials>,
    refresh: P,
}

impl<P> Primed<P> {
    pub(super) fn new(first: Credentials, refresh: P) -> Self {
        Primed {
            current: std::sync::Mutex::new(first),
            refresh,
        }
    }
}

/// Refresh this long before expiry, so no request goes out with credentials about to lapse.
const REFRESH_MARGIN: std::time::Duration = std::time::Duration::from_secs(5 * 60);

impl<P: ProvideCredentials> ProvideCredentials for Primed<P> {
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
