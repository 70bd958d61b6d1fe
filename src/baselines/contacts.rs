//! Alternate contacts through the Account API (`govern_core::baselines::contacts` for the rule).
//! GetAlternateContact is 10/s and PutAlternateContact 5/s per calling account (aws::throttle paces
//! both); from inside each account those are the account's own quotas.

use std::collections::BTreeSet;

use super::{note, why, At};
use crate::error::{Error, Result};
use crate::model::{
    AccountId, AccountRef, Address, BaselineKind, Contact, ContactType, MemberState, Unread,
};
use govern_core::baselines::contacts::PutContact;

/// The declared contact types of the account, from inside it (`on` = None) or from the management
/// account for `on` (needs trusted access for account.amazonaws.com, and spends the management
/// account's quotas). A type that is not set is absent; one AWS refuses is unread, on its own.
pub async fn read(
    account: &aws_sdk_account::Client,
    on: Option<&str>,
    id: &AccountId,
    types: &BTreeSet<ContactType>,
    state: &mut MemberState,
) {
    for t in types {
        match account
            .get_alternate_contact()
            .set_account_id(on.map(str::to_string))
            .alternate_contact_type(t.api_name().into())
            .send()
            .await
        {
            Ok(out) => {
                if let Some(c) = out.alternate_contact() {
                    state.contacts.insert(
                        *t,
                        Contact {
                            name: c.name().unwrap_or_default().to_string(),
                            title: c.title().unwrap_or_default().to_string(),
                            email: c.email_address().unwrap_or_default().to_string(),
                            phone: c.phone_number().unwrap_or_default().to_string(),
                        },
                    );
                }
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) => {}
            Err(e) => state.unread.push(Unread {
                address: Address::Contact {
                    account: AccountRef::Id(id.clone()),
                    contact_type: *t,
                },
                baselines: [BaselineKind::Contacts].into(),
                reason: why("GetAlternateContact", e),
                refused: true,
            }),
        }
    }
}

/// PutAlternateContact from inside the account's own session, so no AccountId (which would need
/// trusted access and spend the management account's quota), unless its role is unassumable.
pub async fn write(c: &PutContact, at: &At<'_>, on: &str, rids: &mut Vec<String>) -> Result<()> {
    let (config, on_account) = at.account_api().await?;
    let after = &c.after;
    aws_sdk_account::Client::new(&config)
        .put_alternate_contact()
        .set_account_id(on_account)
        .alternate_contact_type(c.contact_type.api_name().into())
        .name(&after.name)
        .title(&after.title)
        .email_address(&after.email)
        .phone_number(&after.phone)
        .send()
        .await
        .inspect(|o| note(rids, o))
        .map_err(|e| Error::aws("PutAlternateContact", on, e))?;
    Ok(())
}
