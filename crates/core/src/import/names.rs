//! Names the generated files use: the `[accounts.<key>]` key of each account and the file name of
//! each SCP. Both must be unique, valid where they go, and the same on every re-import.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::MAX_ACCOUNT_NAME;
use crate::model::{AccountId, PolicyName};

/// Longest file stem written; leaves room for `-NN.json` and any directory under common path limits.
const MAX_STEM: usize = 80;

/// Device names Windows reserves whatever the extension: a checkout there could not hold them.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// `<stem>.json` for every policy. Stems are lowercase ASCII letters, digits, `-`, `_` and `.`:
/// policy names may hold spaces, `/` and any Unicode, and a file system may fold case (macOS,
/// Windows) or normalize Unicode, so two names that differ only there would be one file. A clash
/// gets `-2`, `-3`… in name order, so re-imports keep the same file for the same policy.
pub(crate) fn scp_files<'a>(
    names: impl IntoIterator<Item = &'a PolicyName>,
) -> BTreeMap<PolicyName, String> {
    let mut taken = BTreeSet::new();
    let mut out = BTreeMap::new();
    let mut names: Vec<&PolicyName> = names.into_iter().collect();
    names.sort();
    for name in names {
        let base = stem(name.as_str());
        let mut candidate = base.clone();
        let mut n = 2;
        while !taken.insert(candidate.clone()) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        out.insert(name.clone(), format!("{candidate}.json"));
    }
    out
}

fn stem(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let s: String = s
        .trim_matches(|c| c == '-' || c == '.')
        .chars()
        .take(MAX_STEM)
        .collect();
    let s = s.trim_end_matches(['-', '.']).to_string();
    if s.is_empty() {
        "policy".into()
    } else if RESERVED.contains(&s.split('.').next().unwrap_or_default()) {
        format!("{s}-scp")
    } else {
        s
    }
}

/// The `[accounts.<key>]` key of every account: its name in AWS when org.toml can take it (1 to
/// 50 characters, no control characters) and no other account has it; otherwise the name with the
/// id (`prod (111122223333)`), or `account-<id>` when the name cannot be a key at all. Among
/// accounts sharing a name, the lowest id keeps it plain.
pub(crate) fn account_keys<'a>(
    accounts: impl IntoIterator<Item = (&'a AccountId, &'a str)>,
) -> BTreeMap<AccountId, String> {
    let accounts: Vec<(&AccountId, &str)> = accounts.into_iter().collect();
    let mut by_name: BTreeMap<&str, Vec<&AccountId>> = BTreeMap::new();
    for (id, name) in &accounts {
        by_name.entry(name).or_default().push(id);
    }
    let plain: BTreeSet<&str> = by_name.keys().copied().collect();
    let mut used = BTreeSet::new();
    let mut out = BTreeMap::new();
    for (name, mut ids) in by_name {
        ids.sort();
        for (i, id) in ids.into_iter().enumerate() {
            let key = if usable(name) && i == 0 {
                name.to_string()
            } else if usable(name) {
                let room = MAX_ACCOUNT_NAME - " ()".len() - id.as_str().len();
                let short: String = name.chars().take(room).collect();
                format!("{} ({id})", short.trim_end())
            } else {
                format!("account-{id}")
            };
            // A made-up key could equal another account's real name; the id makes it unique.
            let key = if (key != name && plain.contains(key.as_str())) || used.contains(&key) {
                format!("account-{id}")
            } else {
                key
            };
            used.insert(key.clone());
            out.insert(id.clone(), key);
        }
    }
    out
}

fn usable(name: &str) -> bool {
    let n = name.chars().count();
    (1..=MAX_ACCOUNT_NAME).contains(&n) && !name.chars().any(crate::model::unsafe_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pn(s: &str) -> PolicyName {
        PolicyName::parse(s).unwrap()
    }

    #[test]
    fn scp_file_names_are_safe_and_unique() {
        let names = [
            pn("Deny S3 deletes"),
            pn("deny-s3-deletes"),
            pn("Zugriff für Prüfer"),
            pn("a/b\\c:d"),
            pn("CON"),
            pn("..."),
            pn("日本"),
            pn(&"x".repeat(128)),
        ];
        let files = scp_files(&names);
        let got: Vec<&str> = names.iter().map(|n| files[n].as_str()).collect();
        assert_eq!(
            got,
            [
                "deny-s3-deletes.json",
                "deny-s3-deletes-2.json",
                "zugriff-f-r-pr-fer.json",
                "a-b-c-d.json",
                "con-scp.json",
                "policy.json",
                "policy-2.json",
                format!("{}.json", "x".repeat(80)).as_str(),
            ]
        );
    }

    #[test]
    fn account_keys_are_names_unless_they_cannot_be() {
        let id = |n: u64| AccountId::parse(&format!("{n:012}")).unwrap();
        let long = "n".repeat(51);
        let accounts = [
            (id(3), "prod"),
            (id(2), "prod"),
            (id(4), "Shared services"),
            (id(5), ""),
            (id(6), long.as_str()),
            (id(7), "prod (000000000003)"),
        ];
        let keys = account_keys(accounts.iter().map(|(i, n)| (i, *n)));
        assert_eq!(keys[&id(2)], "prod");
        assert_eq!(keys[&id(3)], "account-000000000003");
        assert_eq!(keys[&id(4)], "Shared services");
        assert_eq!(keys[&id(5)], "account-000000000005");
        assert_eq!(keys[&id(6)], "account-000000000006");
        assert_eq!(keys[&id(7)], "prod (000000000003)");
    }
}
