//! Account renames (`accounts.<key>.name`), one capability in one module: what a valid account
//! name is, the change that renames an account, its place in the plan, and what import writes.
//! The AWS side (Account Management PutAccountName) is `govern::account_name`.
//!
//! Accounts are keyed `[accounts.<key>]` and matched to AWS by id, else email; the key is not the
//! name (import's keys are AWS names only when they can be keys and are unique). So a name is
//! managed only where `name` is declared: a file without it never renames an account, whatever its
//! keys are.

use serde::{Deserialize, Serialize};

use crate::model::{escape, AccountId, Action, Actual, Address, DesiredAccount};

/// AccountName of PutAccountName: "Length Constraints: Minimum length of 1. Maximum length of 50.
/// Pattern: `[ -;=?-~]+`" (AWS Account Management API Reference, PutAccountName, read 2026-12-05):
/// printable ASCII, space to `~`, without `<` and `>`.
pub const MAX_CHARS: usize = 50;

/// What AWS allows, for `help` and messages.
pub const ALLOWED: &str = "printable ASCII (space to `~`) except `<` and `>`";

/// Whether PutAccountName takes `name`; the message says what is wrong and what is allowed.
pub fn check(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!(
            "the account name is empty: AWS allows 1 to {MAX_CHARS} characters"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(' '..='~').contains(c) || *c == '<' || *c == '>')
    {
        return Err(format!(
            "the account name `{}` has `{}`: AWS allows {ALLOWED}",
            escape(name),
            escape(&c.to_string())
        ));
    }
    let n = name.chars().count();
    if n > MAX_CHARS {
        return Err(format!(
            "the account name `{name}` is {n} characters: AWS allows 1 to {MAX_CHARS}"
        ));
    }
    Ok(())
}

/// PutAccountName: an existing account gets the name org.toml declares for it. Its id, parent,
/// policies, tags and everything inside it stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenameAccount {
    /// The account's key in org.toml (`[accounts.<key>]`).
    pub account_name: String,
    pub id: AccountId,
    /// The name AWS has (escaped wherever it is shown: it is AWS's data).
    pub before: String,
    pub after: String,
}

/// Renames need nothing before them: the account exists, and nothing else reads its name.
pub const RANK: u8 = 5;

impl RenameAccount {
    /// `account:<id>`.
    pub fn address(&self) -> Address {
        Address::account(&self.id)
    }

    pub fn action(&self) -> Action {
        Action::Update
    }

    /// The line under the change in text and Markdown plans.
    pub fn details(&self) -> Vec<String> {
        vec![format!(
            "name: \"{}\" → \"{}\"",
            escape(&self.before),
            escape(&self.after)
        )]
    }

    /// The part of AWS this change was planned against, for a saved plan's fingerprint.
    pub fn fingerprint(&self, actual: &Actual) -> serde_json::Value {
        serde_json::json!(actual.accounts.get(&self.id).map(|a| &a.name))
    }

    /// The simulation: what AWS holds after this change.
    pub fn simulate(&self, actual: &mut Actual) {
        if let Some(a) = actual.accounts.get_mut(&self.id) {
            a.name = self.after.clone();
        }
    }
}

/// The rename an existing account needs: only when `name` is declared and AWS has another.
pub fn change(
    key: &str,
    want: &DesiredAccount,
    id: &AccountId,
    actual: &Actual,
) -> Option<RenameAccount> {
    let after = want.aws_name.as_ref()?;
    let before = &actual.accounts.get(id)?.name;
    (before != after).then(|| RenameAccount {
        account_name: key.to_string(),
        id: id.clone(),
        before: before.clone(),
        after: after.clone(),
    })
}

/// The name CreateAccount gives a new account: the declared one, else its key (as before `name`).
pub fn create_name<'a>(key: &'a str, want: &'a DesiredAccount) -> &'a str {
    want.aws_name.as_deref().unwrap_or(key)
}

/// What `govern import` writes as `name`: the AWS name where the key differs from it and
/// PutAccountName would take it (a name it would refuse cannot be declared; the key's comment
/// says what AWS has instead).
pub fn import(key: &str, aws_name: &str) -> Option<String> {
    (key != aws_name && check(aws_name).is_ok()).then(|| aws_name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_putaccountnames_pattern() {
        assert!(check("Production App (EU) #1 ~ ;=?").is_ok());
        assert!(check(&"n".repeat(50)).is_ok());
        assert!(check("").is_err());
        assert!(check(&"n".repeat(51)).is_err());
        for bad in ["a<b", "a>b", "tab\there", "é", "\u{7f}"] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn import_names_only_what_the_key_does_not_say() {
        assert_eq!(import("prod", "prod"), None);
        assert_eq!(import("prod (111122223333)", "prod"), Some("prod".into()));
        assert_eq!(import("account-111122223333", "bad\u{7}name"), None);
    }
}
