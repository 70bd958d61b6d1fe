//! The AWS side of each member-account baseline: what it reads inside an account (`read`) and how
//! it makes a change (`write`). Everything else about a baseline (its rule, plan, changes,
//! evidence) is pure and lives in `govern_core::baselines`, one module each with the same name.
//!
//! `read` runs inside the account's own session, or (for what the Account API serves) from the
//! management account with `AccountId` when the member role is refused; `write` runs only in apply
//! (tests/it/iam.rs keeps docs/iam/ in step with that split: calls inside a function named `write`
//! need the apply policy).

pub mod contacts;
pub mod kms;
pub mod regions;
pub mod secrets;

use aws_config::SdkConfig;

use crate::aws::Clients;
use crate::error::{Error, Result};
use crate::model::AccountId;
use govern_core::baselines::MemberChange;

/// Where a change is made: the account's own session, or the management account calling the
/// Account API with `AccountId` (when the member role could not be assumed; trusted access for
/// account.amazonaws.com makes that possible).
pub struct At<'a> {
    pub clients: &'a Clients,
    pub account: &'a AccountId,
    /// The account's role could not be assumed when the plan was made.
    pub via_management: bool,
}

impl At<'_> {
    /// The session for the Account API, and the `AccountId` to pass (None from inside).
    pub async fn account_api(&self) -> Result<(SdkConfig, Option<String>)> {
        if self.via_management && !self.clients.members.is_management(self.account) {
            return Ok((
                self.clients.members.management().clone(),
                Some(self.account.to_string()),
            ));
        }
        Ok((self.inside().await?, None))
    }

    /// The account's own session (the member role; the management account's own credentials).
    pub async fn inside(&self) -> Result<SdkConfig> {
        let account = self.account;
        self.clients
            .members
            .config(account)
            .await
            .map_err(|reason| Error::Refused {
                message: reason,
                hint: Some(format!(
                    "does the member role exist in {account} and trust the management account?"
                )),
            })
    }
}

/// Makes one baseline change; `on` names it in errors, `rids` collects AWS request ids.
pub async fn write(
    change: &MemberChange,
    at: &At<'_>,
    on: &str,
    rids: &mut Vec<String>,
) -> Result<()> {
    match change {
        MemberChange::PutContact(c) => contacts::write(c, at, on, rids).await,
        MemberChange::DisableRegion(c) => regions::write(c, at, on, rids).await,
        MemberChange::EnableKeyRotation(c) => kms::write(c, at, on, rids).await,
        MemberChange::SetSecretRotation(c) => secrets::write(c, at, on, rids).await,
    }
}

/// Remembers an AWS answer's request id.
pub(crate) fn note(rids: &mut Vec<String>, out: &impl aws_sdk_organizations::operation::RequestId) {
    if let Some(id) = out.request_id() {
        rids.push(id.to_string());
    }
}

/// A one-line reason naming the IAM action: the AWS error code and message when there is one, else
/// the HTTP status, else the SDK's own account of what went wrong.
pub(crate) fn why<E, R>(
    op: &str,
    e: aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> String
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HttpStatus,
{
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    let op = crate::error::iam_action::<E>(op);
    if let Some(code) = e.code() {
        let message = e.message().unwrap_or("no message");
        if crate::error::is_access_denied(Some(code)) {
            return format!(
                "{op}: {code}: {message} ({})",
                crate::error::access_denied_hint(&op)
            );
        }
        return format!("{op}: {code}: {message}");
    }
    if let Some(status) = e.raw_response().map(HttpStatus::status) {
        return format!("{op}: HTTP {status} with no AWS error in the body (does this endpoint implement {op}?)");
    }
    format!(
        "{op}: {}",
        aws_smithy_types::error::display::DisplayErrorContext(e)
    )
}

/// A read AWS refused: its error code (when it sent one) and [`why`]'s one-line reason.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub code: Option<String>,
    pub reason: String,
}

impl Refusal {
    pub(crate) fn of<E, R>(
        op: &str,
        e: aws_smithy_runtime_api::client::result::SdkError<E, R>,
    ) -> Refusal
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + HttpStatus,
    {
        use aws_smithy_types::error::metadata::ProvideErrorMetadata;
        Refusal {
            code: e.code().map(str::to_string),
            reason: why(op, e),
        }
    }

    /// A regional service that does not know the account's credentials in this Region: an
    /// opt-in Region the account has not enabled answers UnrecognizedClientException (KMS,
    /// Secrets Manager) or InvalidClientTokenId.
    pub fn region_not_enabled(&self) -> bool {
        matches!(
            self.code.as_deref(),
            Some("UnrecognizedClientException" | "InvalidClientTokenId")
        )
    }
}

pub(crate) trait HttpStatus {
    fn status(&self) -> u16;
}
impl HttpStatus for aws_smithy_runtime_api::http::Response {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}
