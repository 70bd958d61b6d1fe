//! The session layer: SDK configuration from the standard AWS chain, and the clients govern uses.

mod assume;
mod members;

pub use assume::{assume, AssumeError, RoleSpec};
pub use members::MemberSessions;

use aws_config::{retry::RetryConfig, BehaviorVersion, Region, SdkConfig};

/// Credentials and region as the user chose them; everything else comes from the standard chain
/// (environment, shared config and SSO profiles, web identity, IMDS) and AWS_ENDPOINT_URL.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// A role to assume on top of the chain's credentials before anything else (`--assume-role`):
    /// CI usually runs in a tooling account and reaches the management account this way.
    pub assume_role: Option<String>,
    /// The ExternalId that role's trust policy requires (`--external-id`).
    pub external_id: Option<String>,
    /// The command, for the session name `govern-<command>` that CloudTrail shows.
    pub command: &'static str,
}

/// Attempts per request, throttling included. Organizations throttles hard and publishes no rates,
/// so govern retries with the SDK's standard exponential backoff rather than failing the run.
pub const MAX_ATTEMPTS: u32 = 8;

impl Session {
    /// `fallback_region` (org.toml's home_region) is used when neither --region nor the chain sets one.
    /// With `assume_role`, the role is assumed here, so a refusal is reported before any other call.
    pub async fn load(&self, fallback_region: &str) -> Result<SdkConfig, AssumeError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
        if let Some(p) = &self.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &self.region {
            loader = loader.region(Region::new(r.clone()));
        }
        let mut config = loader.load().await;
        if config.region().is_none() {
            config = config
                .into_builder()
                .region(Region::new(fallback_region.to_string()))
                .build();
        }
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
