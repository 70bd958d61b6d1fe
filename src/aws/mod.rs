//! The session layer: SDK configuration from the standard AWS chain, and the clients govern uses.

pub mod answer;
mod assume;
pub mod chain;
mod members;
pub mod throttle;

pub use assume::{assume, AssumeError, RoleSpec, StsError};
pub use chain::{ChainSetup, ProfileFrom};
pub use members::MemberSessions;
pub use throttle::Limits;

use aws_config::meta::region::RegionProviderChain;
use aws_config::{retry::RetryConfig, BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};

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
    /// Deadlines of every request (`--connect-timeout`, `--read-timeout`, `--operation-timeout`).
    pub timeouts: Timeouts,
}

/// Every request has a deadline: an endpoint that accepts and never answers must not hang a nightly
/// drift job. Seconds; the defaults are far above what AWS takes (AWS answers in well under a
/// second; a page of 100 secrets in a few).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To open a connection (TCP and TLS).
    pub connect: u64,
    /// For an answer once the request is sent (and between its parts).
    pub read: u64,
    /// For one operation, all its retries included.
    pub operation: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: 10,
            read: 60,
            operation: 300,
        }
    }
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
            timeouts: Timeouts::default(),
        }
    }
}

/// Attempts per request, throttling included. Organizations throttles hard and publishes no rates,
/// so govern retries with the SDK's standard exponential backoff rather than failing the run.
pub const MAX_ATTEMPTS: u32 = 8;

/// Why a session could not be opened: what [`Session::load`] found before any AWS call of govern's.
#[derive(Debug)]
pub enum SessionError {
    /// The shared config or credentials file does not parse.
    ProfileFiles(aws_config::profile::ProfileFileLoadError),
    /// `--profile` or AWS_PROFILE names a profile neither file defines.
    NoSuchProfile(Box<ChainSetup>),
    /// The standard chain gave no credentials: the SDK's error, what the chain is made of here, and
    /// the STS endpoint its own calls (web identity, assume-role profiles) go to.
    Credentials {
        source: CredentialsError,
        setup: Box<ChainSetup>,
        sts: Endpoint,
        /// The SSO portal, for an SSO profile.
        sso: Option<Endpoint>,
    },
    /// `--assume-role` was refused or could not be asked.
    Assume(AssumeError),
}

impl Session {
    /// The region is `--region`, else the chain's (AWS_REGION, AWS_DEFAULT_REGION, the profile),
    /// else `fallback_region` (org.toml's home_region; import's us-east-1), for the credential
    /// providers' own calls as well. The chain's credentials are loaded here, once, so that a
    /// missing or refused credential is reported before any other call (and named by where it was
    /// looked for); with `assume_role`, the role is assumed here too.
    pub async fn load(&self, fallback_region: &str) -> Result<SdkConfig, SessionError> {
        let setup = ChainSetup::read(self.profile.as_deref())
            .await
            .map_err(SessionError::ProfileFiles)?;
        // `default` need not exist (the chain then looks elsewhere), even when named.
        if !setup.profile_exists
            && setup.profile_from != ProfileFrom::Default
            && setup.profile != "default"
        {
            return Err(SessionError::NoSuchProfile(Box::new(setup)));
        }
        let retry = if self.adaptive {
            RetryConfig::adaptive()
        } else {
            RetryConfig::standard()
        }
        .with_max_attempts(self.max_attempts.max(1))
        .with_initial_backoff(initial_backoff());
        let secs = std::time::Duration::from_secs;
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(secs(self.timeouts.connect))
            .read_timeout(secs(self.timeouts.read))
            .operation_timeout(secs(self.timeouts.operation))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(retry)
            .timeout_config(timeouts);
        if let Some(p) = &self.profile {
            loader = loader.profile_name(p);
        }
        loader = match &self.region {
            Some(r) => loader.region(Region::new(r.clone())),
            None => {
                let mut chain = aws_config::default_provider::region::DefaultRegionChain::builder();
                if let Some(p) = &self.profile {
                    chain = chain.profile_name(p);
                }
                loader.region(
                    RegionProviderChain::first_try(chain.build())
                        .or_else(Region::new(fallback_region.to_string())),
                )
            }
        };
        let config = loader.load().await;
        let chain = config
            .credentials_provider()
            .expect("aws_config::defaults sets the standard credential chain");
        let first = match chain.provide_credentials().await {
            Ok(c) => c,
            Err(source) => {
                let sso = setup.sso.as_ref().map(|sso| {
                    let region = sso.region.as_deref().unwrap_or("us-east-1");
                    endpoint_or(
                        &config,
                        "sso",
                        format!("https://portal.sso.{region}.amazonaws.com"),
                    )
                });
                return Err(SessionError::Credentials {
                    source,
                    sts: endpoint(&config, "sts"),
                    sso,
                    setup: Box::new(setup),
                });
            }
        };
        // The SDK's own HTTPS client (rustls with aws-lc, as its default), behind govern's gates.
        let https = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .build_https();
        let config = config
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(assume::Primed::new(
                first, chain,
            )))
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
                assume(&config, &role).await.map_err(SessionError::Assume)
            }
        }
    }
}

/// Where a service's requests go, for naming it when it cannot be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    /// The setting that chose it (`AWS_ENDPOINT_URL`, …), or none for AWS's own endpoint.
    pub setting: Option<&'static str>,
}

/// The endpoint of `service` (its SDK name, e.g. `sts`) under `config`: AWS_ENDPOINT_URL_<SERVICE>,
/// else AWS_ENDPOINT_URL or the profile's `endpoint_url`, else AWS's regional endpoint.
pub fn endpoint(config: &SdkConfig, service: &str) -> Endpoint {
    let regional = format!(
        "https://{service}.{}.amazonaws.com",
        config.region().map_or("us-east-1", |r| r.as_ref())
    );
    endpoint_or(config, service, regional)
}

/// [`endpoint`] with AWS's own endpoint for the service given.
fn endpoint_or(config: &SdkConfig, service: &str, aws: String) -> Endpoint {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let specific = format!("AWS_ENDPOINT_URL_{}", service.to_ascii_uppercase());
    if let Some(url) = var(&specific) {
        let setting = match service {
            "sts" => "AWS_ENDPOINT_URL_STS",
            "sso" => "AWS_ENDPOINT_URL_SSO",
            _ => "AWS_ENDPOINT_URL_<SERVICE>",
        };
        return Endpoint {
            url,
            setting: Some(setting),
        };
    }
    match config.endpoint_url() {
        Some(url) => Endpoint {
            url: url.to_string(),
            setting: Some(if var("AWS_ENDPOINT_URL").is_some() {
                "AWS_ENDPOINT_URL"
            } else {
                "endpoint_url in the profile"
            }),
        },
        None => Endpoint {
            url: aws,
            setting: None,
        },
    }
}

/// An error and its causes on one line, as people read them: each cause's text once, joined by
/// `: `, up to the first that prints a Rust structure (the SDK's service errors do: their code and
/// message are read from the error itself).
pub fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e
            .to_string()
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        if text.contains('{') {
            break;
        }
        if parts.last() != Some(&text) && !text.is_empty() {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// The first retry waits up to this long (then exponentially more, jittered, at most 20 s): the
/// SDK's 1 s, unless GOVERN_RETRY_BASE_MS sets it, which the fault-campaign test does so that
/// hundreds of injected faults cost milliseconds against an emulator, not minutes.
pub(crate) fn initial_backoff() -> std::time::Duration {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An error with a text and a cause.
    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);
    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|l| l as _)
        }
    }

    #[test]
    fn describe_is_one_line_without_structures() {
        let err = Layer(
            "an error occurred while loading credentials",
            Some(Box::new(Layer(
                "an error occurred while loading credentials",
                Some(Box::new(Layer(
                    "no credentials found in chain. Attempted:\n  Environment: not set",
                    Some(Box::new(Layer("Error { code: \"X\" }", None))),
                ))),
            ))),
        );
        assert_eq!(
            describe(&err),
            "an error occurred while loading credentials: no credentials found in chain. \
             Attempted: Environment: not set"
        );
    }
}
