//! The session layer: SDK configuration from the standard AWS chain, and the clients govern uses.

mod assume;
mod members;
pub mod throttle;

pub use assume::{assume, AssumeError, RoleSpec};
pub use members::MemberSessions;
pub use throttle::Limits;

use aws_config::{retry::RetryConfig, BehaviorVersion, Region, SdkConfig};

/// Credentials and region as the user chose them; everything else comes from the standard chain
/// (environment, shared config and SSO profiles, web identity, IMDS) and AWS_ENDPOINT_URL.
#[derive(Debug, Clone)]
pub struct Session {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// Client-side pacing per API operation and calling account (`--api-limit`).
    pub limits: Limits,
    /// Attempts per request, the first included (`--max-attempts`).
    pub max_attempts: u32,
    /// The SDK's adaptive retry mode (client-side rate limiting learned from throttles) instead of
    /// standard exponential backoff (`--retry-mode adaptive`).
    pub adaptive: bool,
    /// A role to assume on top of the chain's credentials before anything else (`--assume-role`):
    /// CI usually runs in a tooling account and reaches the management account this way.
    pub assume_role: Option<String>,
    /// The ExternalId that role's trust policy requires (`--external-id`).
    pub external_id: Option<String>,
    /// The command, for the session name `govern-<command>` that CloudTrail shows.
    pub command: &'static str,
}

impl Default for Session {
    fn default() -> Self {
        Self {
            profile: None,
            region: None,
            limits: Limits::default(),
            max_attempts: MAX_ATTEMPTS,
            adaptive: false,
            assume_role: None,
            external_id: None,
            command: "govern",
        }
    }
}

/// Attempts per request, throttling included. Organizations throttles hard and publishes no rates,
/// so govern retries with the SDK's standard exponential backoff rather than failing the run.
pub const MAX_ATTEMPTS: u32 = 8;

impl Session {
    /// `fallback_region` (org.toml's home_region) is used when neither --region nor the chain sets one.
    /// With `assume_role`, the role is assumed here, so a refusal is reported before any other call.
    pub async fn load(&self, fallback_region: &str) -> Result<SdkConfig, AssumeError> {
        let retry = if self.adaptive {
            RetryConfig::adaptive()
        } else {
            RetryConfig::standard()
        }
        .with_max_attempts(self.max_attempts.max(1))
        .with_initial_backoff(initial_backoff());
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry);
        if let Some(p) = &self.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &self.region {
            loader = loader.region(Region::new(r.clone()));
        }
        let config = loader.load().await;
        let has_region = config.region().is_some();
        let mut builder = config.into_builder();
        if !has_region {
            builder.set_region(Some(Region::new(fallback_region.to_string())));
        }
        // The SDK's own HTTPS client (rustls with aws-lc, as its default), behind govern's gates.
        let https = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .build_https();
        let config = builder
            .http_client(throttle::Throttled::new(https, self.limits.clone()))
            .build();
        match &self.assume_role {
            None => Ok(config),
            Some(arn) => {
                let session_name = format!("govern-{}", self.command);
                let role = RoleSpec {
                    arn,
                    session_name: &session_name,
                    external_id: self.external_id.as_deref(),
                };
                tracing::debug!(role = %arn, session = %session_name, "assuming role");
                assume(&config, &role).await
            }
        }
    }
}

/// The first retry waits up to this long (then exponentially more, jittered, at most 20 s): the
/// SDK's 1 s, unless GOVERN_RETRY_BASE_MS sets it, which the fault-campaign test does so that
/// hundreds of injected faults cost milliseconds against an emulator, not minutes.
fn initial_backoff() -> std::time::Duration {
    std::env::var("GOVERN_RETRY_BASE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(std::time::Duration::from_millis)
        .unwrap_or(std::time::Duration::from_secs(1))
}

/// The management-account clients, and sessions into member accounts.
#[derive(Clone)]
pub struct Clients {
    pub org: aws_sdk_organizations::Client,
    pub sts: aws_sdk_sts::Client,
    pub members: std::sync::Arc<MemberSessions>,
}

/// A configuration for `region` (KMS and Secrets Manager are regional).
pub fn in_region(config: &SdkConfig, region: &str) -> SdkConfig {
    config
        .clone()
        .into_builder()
        .region(Region::new(region.to_string()))
        .build()
}
