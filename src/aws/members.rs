//! Sessions inside member accounts: one assumed-role session per account, created on first use and
//! cached; the SDK's credentials cache refreshes it before it expires. Reading and writing each
//! account's contacts, keys and secrets from inside its own session spreads the per-account API
//! quotas (GetAlternateContact 10/s, PutAlternateContact 5/s are per calling account) across the
//! organization instead of queuing everything on the management account.

use std::collections::HashMap;

use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use tokio::sync::Mutex;

use crate::model::AccountId;

pub struct MemberSessions {
    base: SdkConfig,
    management: AccountId,
    partition: String,
    role: String,
    session_name: String,
    external_id: Option<String>,
    cache: Mutex<HashMap<AccountId, SdkConfig>>,
}

impl MemberSessions {
    /// `caller_arn` gives the partition (aws, aws-us-gov, aws-cn); `command` goes into the session
    /// name so CloudTrail shows which govern command acted.
    pub fn new(
        base: SdkConfig,
        management: AccountId,
        caller_arn: &str,
        role: &str,
        external_id: Option<String>,
        command: &str,
    ) -> Self {
        let partition = caller_arn.split(':').nth(1).unwrap_or("aws").to_string();
        Self {
            base,
            management,
            partition,
            role: role.to_string(),
            session_name: format!("govern-{command}"),
            external_id,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The management account's own configuration (the caller's).
    pub fn management(&self) -> &SdkConfig {
        &self.base
    }

    /// Whether `account` is the management account, which acts as itself and must omit
    /// `AccountId` in Account API calls.
    pub fn is_management(&self, account: &AccountId) -> bool {
        *account == self.management
    }

    pub fn role_arn(&self, account: &AccountId) -> String {
        format!("arn:{}:iam::{account}:role/{}", self.partition, self.role)
    }

    /// The configuration to act inside `account`: the caller's own for the management account, an
    /// assumed role for every other. The error says which role could not be assumed and why.
    pub async fn config(&self, account: &AccountId) -> Result<SdkConfig, String> {
        if *account == self.management {
            return Ok(self.base.clone());
        }
        if let Some(c) = self.cache.lock().await.get(account) {
            return Ok(c.clone());
        }
        let arn = self.role_arn(account);
        // Assume once now with STS directly, so an unassumable role is reported for this account
        // with AWS's own code and message; the SDK's provider takes over only to refresh.
        let mut request = aws_sdk_sts::Client::new(&self.base)
            .assume_role()
            .role_arn(&arn)
            .role_session_name(&self.session_name);
        if let Some(x) = &self.external_id {
            request = request.external_id(x);
        }
        let out = request.send().await.map_err(|e| {
            use aws_smithy_types::error::metadata::ProvideErrorMetadata;
            match e.code() {
                Some(code) => format!(
                    "cannot assume {arn}: {code}: {}",
                    e.message().unwrap_or("no message")
                ),
                None => format!(
                    "cannot assume {arn}: {}",
                    aws_smithy_types::error::display::DisplayErrorContext(&e)
                ),
            }
        })?;
        let c = out
            .credentials()
            .ok_or_else(|| format!("cannot assume {arn}: AssumeRole returned no credentials"))?;
        let first = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            std::time::SystemTime::try_from(*c.expiration()).ok(),
            "govern-assume-role",
        );
        let mut builder = AssumeRoleProvider::builder(&arn)
            .session_name(&self.session_name)
            .configure(&self.base);
        if let Some(x) = &self.external_id {
            builder = builder.external_id(x);
        }
        let provider = Primed {
            current: std::sync::Mutex::new(first),
            refresh: builder.build().await,
        };
        let config = self
            .base
            .clone()
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
        self.cache
            .lock()
            .await
            .insert(account.clone(), config.clone());
        Ok(config)
    }
}

/// Hands out the credentials fetched when the session was opened until they near expiry, then
/// refreshes through the SDK's assume-role provider. Every client made for the account (the Account
/// API, KMS and Secrets Manager in each region) asks its own identity cache, so the credentials are
/// kept here: one AssumeRole per account per hour, not one per client.
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
            let current = self
                .current
                .lock()
                .map(|c| c.clone())
                .map_err(|_| CredentialsError::unhandled("member credentials lock poisoned"))?;
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
