//! Sessions inside member accounts: one assumed-role session per account, created on first use and
//! cached; the SDK's credentials cache refreshes it before it expires. Reading and writing each
//! account's contacts, keys and secrets from inside its own session spreads the per-account API
//! quotas (GetAlternateContact 10/s, PutAlternateContact 5/s are per calling account) across the
//! organization instead of queuing everything on the management account.

use std::collections::HashMap;

use aws_config::SdkConfig;
use tokio::sync::Mutex;

use crate::model::AccountId;

pub struct MemberSessions {
    base: SdkConfig,
    management: AccountId,
    partition: String,
    /// The caller's own ARN (GetCallerIdentity's, read once when connecting).
    caller_arn: String,
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
            caller_arn: caller_arn.to_string(),
            role: role.to_string(),
            session_name: format!("govern-{command}"),
            external_id,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The caller's ARN, as GetCallerIdentity answered when govern connected.
    pub fn caller_arn(&self) -> &str {
        &self.caller_arn
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

    /// The member role's name (`[organization] member_role`).
    pub fn role(&self) -> &str {
        &self.role
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
        let role = super::assume::RoleSpec {
            arn: &arn,
            session_name: &self.session_name,
            external_id: self.external_id.as_deref(),
        };
        let config = super::assume::assume(&self.base, &role)
            .await
            .map_err(|e| e.to_string())?;
        self.cache
            .lock()
            .await
            .insert(account.clone(), config.clone());
        Ok(config)
    }
}
