//! Alternate contacts as org.toml can say them: the most common value of each type becomes the
//! org-wide one, an account with another gets its own, and an account the file cannot describe
//! (it has no contact of a managed type, or one PutAlternateContact would refuse) is exempt, so
//! the next plan puts no contact anywhere.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{AccountId, Contact, ContactType, MemberState};

#[derive(Debug, Default)]
pub(crate) struct Contacts {
    /// `[contacts.<type>]`.
    pub defaults: BTreeMap<ContactType, Contact>,
    /// `[accounts.<name>.contacts.<type>]`: where an account differs from the default.
    pub overrides: BTreeMap<AccountId, BTreeMap<ContactType, Contact>>,
    /// `[exemptions."<id>"] contacts`, with the reason.
    pub exempt: BTreeMap<AccountId, String>,
}

/// `read`: the member state of every account that was read; `declared`: accounts the file
/// declares (only those can carry their own contacts).
pub(crate) fn contacts(
    read: &BTreeMap<AccountId, &MemberState>,
    declared: &BTreeSet<AccountId>,
) -> Contacts {
    let mut out = Contacts::default();
    // A type is managed when at least half the accounts have it: the others are then exempt. A
    // type most accounts lack stays unmanaged rather than exempting most of the organization.
    for t in ContactType::ALL {
        let values: Vec<&Contact> = read
            .values()
            .filter_map(|m| m.contacts.get(&t))
            .filter(|c| declarable(c).is_ok())
            .collect();
        if !values.is_empty() && values.len() * 2 >= read.len() {
            out.defaults.insert(t, most_common(&values).clone());
        }
    }
    for (id, member) in read {
        let mut missing = Vec::new();
        let mut why = Vec::new();
        let mut own = BTreeMap::new();
        for (t, default) in &out.defaults {
            match member.contacts.get(t) {
                None => missing.push(t.key()),
                Some(c) => match declarable(c) {
                    Err(e) => why.push(format!("its {t} contact cannot be declared ({e})")),
                    Ok(()) if c == default => {}
                    Ok(()) if declared.contains(id) => {
                        own.insert(*t, c.clone());
                    }
                    Ok(()) => why.push(format!(
                        "its {t} contact differs and the account is not declared"
                    )),
                },
            }
        }
        if !missing.is_empty() {
            why.insert(0, format!("no {} contact", missing.join(", ")));
        }
        if !why.is_empty() {
            out.exempt.insert(
                id.clone(),
                format!(
                    "imported: {}; remove this to have govern set the contacts",
                    why.join("; ")
                ),
            );
        } else if !own.is_empty() {
            out.overrides.insert(id.clone(), own);
        }
    }
    out
}

/// The value most accounts have; among equals the first in (name, title, email, phone) order, so a
/// re-import picks the same one.
fn most_common<'a>(values: &[&'a Contact]) -> &'a Contact {
    let key = |c: &Contact| {
        (
            c.name.clone(),
            c.title.clone(),
            c.email.clone(),
            c.phone.clone(),
        )
    };
    let mut counts: BTreeMap<(String, String, String, String), (usize, &Contact)> = BTreeMap::new();
    for c in values {
        counts.entry(key(c)).or_insert((0, c)).0 += 1;
    }
    let best = counts.values().map(|(n, _)| *n).max().unwrap_or(0);
    counts
        .values()
        .find(|(n, _)| *n == best)
        .map(|(_, c)| *c)
        .expect("at least one value")
}

/// Whether org.toml can hold this contact: the rules `govern validate` applies, which are
/// PutAlternateContact's (lengths in characters; phone digits, spaces and `( ) + -`).
fn declarable(c: &Contact) -> Result<(), String> {
    for (field, value, max) in [
        ("name", &c.name, 64),
        ("title", &c.title, 50),
        ("email", &c.email, 254),
        ("phone", &c.phone, 25),
    ] {
        let n = value.chars().count();
        if !(1..=max).contains(&n) {
            return Err(format!("{field} is {n} characters, not 1 to {max}"));
        }
    }
    if !c
        .phone
        .chars()
        .all(|ch| ch.is_ascii_digit() || " ()+-".contains(ch))
    {
        return Err(format!(
            "phone `{}` is not digits, spaces and ( ) + -",
            c.phone
        ));
    }
    let plain = c.email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
    });
    if !plain
        || c.email
            .chars()
            .any(|ch| ch.is_whitespace() || ch.is_control())
    {
        return Err(format!("email `{}` is not a plain address", c.email));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> AccountId {
        AccountId::parse(&format!("{n:012}")).unwrap()
    }
    fn contact(name: &str) -> Contact {
        Contact {
            name: name.into(),
            title: "lead".into(),
            email: format!("{}@example.com", name.to_lowercase()),
            phone: "+1 555 0100".into(),
        }
    }
    fn member(contacts: &[(ContactType, Contact)]) -> MemberState {
        MemberState {
            contacts: contacts.iter().cloned().collect(),
            ..MemberState::default()
        }
    }

    #[test]
    fn most_common_is_the_default_others_override_or_are_exempt() {
        use ContactType::*;
        let sec = contact("Sec");
        let other = contact("Other");
        let mut bad_phone = contact("Bad");
        bad_phone.phone = "555 0100 ext. 7".into();
        let members = [
            member(&[(Security, sec.clone()), (Billing, contact("Bill"))]),
            member(&[(Security, sec.clone())]),
            member(&[(Security, other.clone())]),
            member(&[(Security, bad_phone)]),
            member(&[]),
            member(&[(Security, other.clone())]),
        ];
        let read: BTreeMap<AccountId, &MemberState> = members
            .iter()
            .enumerate()
            .map(|(i, m)| (id(i as u64 + 1), m))
            .collect();
        let declared: BTreeSet<AccountId> = (1..=5).map(id).collect();
        let c = contacts(&read, &declared);
        // Two "Other", two "Sec": the tie goes to the first in order, "Other".
        assert_eq!(c.defaults.keys().collect::<Vec<_>>(), [&Security]);
        assert_eq!(c.defaults[&Security], other);
        assert_eq!(
            c.overrides,
            [
                (id(1), [(Security, sec.clone())].into()),
                (id(2), [(Security, sec)].into())
            ]
            .into()
        );
        assert_eq!(c.exempt.keys().collect::<Vec<_>>(), [&id(4), &id(5)]);
        assert!(c.exempt[&id(4)].contains("security contact cannot be declared (phone"));
        assert!(c.exempt[&id(5)].starts_with("imported: no security contact;"));
    }

    #[test]
    fn an_undeclared_account_that_differs_is_exempt() {
        let a = member(&[(ContactType::Security, contact("A"))]);
        let b = member(&[(ContactType::Security, contact("B"))]);
        let read = [(id(1), &a), (id(2), &b)].into();
        let c = contacts(&read, &[id(1)].into());
        assert_eq!(c.defaults[&ContactType::Security], contact("A"));
        assert!(c.exempt[&id(2)].contains("not declared"));
    }
}
