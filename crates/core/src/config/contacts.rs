//! Alternate contacts, org-wide (`[contacts.<type>]`) and per account
//! (`[accounts.<name>.contacts.<type>]`), checked as PutAlternateContact would check them.

use std::collections::BTreeMap;

use super::problems::{key_path, Problems, Source};
use super::raw::{Entry, RawContact, Sp};
use crate::model::{Contact, ContactType};

/// PutAlternateContact's length limits, in characters.
const MAX_NAME: usize = 64;
const MAX_TITLE: usize = 50;
const MAX_EMAIL: usize = 254;
const MAX_PHONE: usize = 25;

/// The valid contacts of `raw`, declared under `path` (empty for the top level); every problem is
/// reported.
pub(crate) fn contacts(
    src: &Source,
    raw: &[Entry<RawContact>],
    path: &[&str],
    problems: &mut Problems,
) -> BTreeMap<ContactType, Contact> {
    let mut out = BTreeMap::new();
    for entry in raw {
        let mut base = path.to_vec();
        base.extend(["contacts", entry.name.as_str()]);
        if let Some(contact) = contact(src, &entry.body, &base, problems) {
            out.insert(entry.body.kind, contact);
        }
    }
    out
}

fn contact(
    src: &Source,
    c: &RawContact,
    base: &[&str],
    problems: &mut Problems,
) -> Option<Contact> {
    let before = problems.len();
    let mut field = |v: &Option<Sp<String>>, key: &str, max: usize, help: &str| {
        let v = v.as_ref()?;
        let n = v.value.chars().count();
        if (1..=max).contains(&n) {
            return Some(v.clone());
        }
        problems.push(
            src.problem(
                &v.span,
                &field_key(base, key),
                format!("{key} is {n} characters: AWS allows 1 to {max}"),
            )
            .with_help(help),
        );
        None
    };
    let name = field(
        &c.name,
        "name",
        MAX_NAME,
        "the contact's name, like \"Security Operations\"",
    );
    let title = field(
        &c.title,
        "title",
        MAX_TITLE,
        "the contact's title, like \"Security lead\"",
    );
    let email = field(
        &c.email,
        "email",
        MAX_EMAIL,
        "an address like security@example.com",
    );
    let phone = field(
        &c.phone,
        "phone",
        MAX_PHONE,
        "a number like \"+1 555 0100\"",
    );
    if let Some(v) = &email {
        if let Err(why) = email_syntax(&v.value) {
            problems.push(
                src.problem(
                    &v.span,
                    &field_key(base, "email"),
                    format!("`{}` is not a valid email address: {why}", v.value),
                )
                .with_help("an address like security@example.com"),
            );
        }
    }
    if let Some(v) = &phone {
        if !v
            .value
            .chars()
            .all(|c| c.is_ascii_digit() || " ()+-".contains(c))
        {
            problems.push(
                src.problem(
                    &v.span,
                    &field_key(base, "phone"),
                    format!(
                        "`{}` is not a phone number: only digits, spaces and ( ) + - are allowed",
                        v.value
                    ),
                )
                .with_help("a number like \"+1 555 0100\"; write extensions and notes in `title`"),
            );
        }
    }
    if problems.len() > before {
        return None;
    }
    Some(Contact {
        name: name?.value,
        title: title?.value,
        email: email?.value,
        phone: phone?.value,
    })
}

fn field_key(base: &[&str], key: &str) -> String {
    let mut path = base.to_vec();
    path.push(key);
    key_path(&path)
}

/// [`Email`](crate::model::Email)'s syntax check without its length rule (contacts allow 1 to 254
/// characters, root emails 6 to 64).
fn email_syntax(s: &str) -> Result<(), &'static str> {
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains white space");
    }
    let Some((local, domain)) = s.split_once('@') else {
        return Err("it has no `@`");
    };
    if local.is_empty() || domain.contains('@') {
        return Err("expected exactly one `@` with a name before it");
    }
    if !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err("the domain after `@` must look like example.com");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_emails_have_no_length_rule_of_their_own() {
        assert_eq!(email_syntax("a@b.io"), Ok(()));
        assert_eq!(email_syntax("a@b.c"), Ok(()));
        assert_eq!(
            email_syntax("a b@example.com"),
            Err("it contains white space")
        );
        assert_eq!(email_syntax("example.com"), Err("it has no `@`"));
        assert!(email_syntax("a@localhost").is_err());
    }
}
