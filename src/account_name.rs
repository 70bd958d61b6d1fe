//! Account renames: Account Management PutAccountName (`govern_core::account_name` for the rest).

use crate::baselines::At;
use crate::error::{Error, Result};
use govern_core::account_name::RenameAccount;

/// PutAccountName from inside the account's own session (the member role; the management
/// account's own credentials for itself), so without AccountId: naming the account would need
/// trusted access for account.amazonaws.com, and the management account may not name itself at
/// all (PutAccountName: "The management account can't specify its own AccountId").
pub async fn write(r: &RenameAccount, at: &At<'_>, on: &str, rids: &mut Vec<String>) -> Result<()> {
    let config = at.inside().await?;
    aws_sdk_account::Client::new(&config)
        .put_account_name()
        .account_name(&r.after)
        .send()
        .await
        .inspect(|o| crate::baselines::note(rids, o))
        .map_err(|e| Error::aws("PutAccountName", on, e))?;
    Ok(())
}
