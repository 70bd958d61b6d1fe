//! `[logging]`, written only when the organization says it exactly: trusted access for services,
//! and one account registered as delegated administrator (that is the log archive account the table
//! names). Anything else becomes a commented hint: guessing the account would declare something the
//! organization never decided.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{AccountId, Actual};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LoggingImport {
    /// Neither trusted access nor delegated administrators.
    Nothing,
    Exact {
        account: AccountId,
        trusted_services: BTreeSet<String>,
        delegated_admin_for: BTreeSet<String>,
    },
    /// Why it is not written, and what is there.
    Hint(String),
}

pub(crate) fn logging(actual: &Actual, declared: &BTreeMap<AccountId, String>) -> LoggingImport {
    let admins: Vec<(&AccountId, &BTreeSet<String>)> = actual
        .delegated_admins
        .iter()
        .filter(|(_, services)| !services.is_empty())
        .collect();
    if admins.is_empty() && actual.service_access.is_empty() {
        return LoggingImport::Nothing;
    }
    let today = format!(
        "trusted access: {}; delegated administrators: {}",
        list(actual.service_access.iter()),
        if admins.is_empty() {
            "none".to_string()
        } else {
            admins
                .iter()
                .map(|(id, s)| format!("{id} ({})", list(s.iter())))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let all_valid = actual
        .service_access
        .iter()
        .chain(admins.iter().flat_map(|(_, s)| s.iter()))
        .all(|s| service_principal(s));
    // What validate requires of [logging] (crate::config::delegated): delegated services have
    // trusted access and support a delegated administrator.
    let consistent = |services: &BTreeSet<String>| {
        services
            .iter()
            .all(|s| actual.service_access.contains(s) && crate::config::delegated::supported(s))
    };
    let why = match admins.as_slice() {
        [] => "no account is a delegated administrator, so none is recognisably the log archive",
        [(id, _)] if !declared.contains_key(*id) => "the delegated administrator is not declared",
        [(_, services)] if all_valid && !consistent(services) => {
            "a delegated administrator's service lacks trusted access or does not support one"
        }
        [(id, services)] if all_valid => {
            return LoggingImport::Exact {
                account: (*id).clone(),
                trusted_services: actual.service_access.clone(),
                delegated_admin_for: (*services).clone(),
            }
        }
        [_] => "a service principal is not one org.toml accepts",
        _ => {
            "several accounts are delegated administrators, so none is recognisably the log archive"
        }
    };
    LoggingImport::Hint(format!("[logging] is not written: {why}. Today {today}."))
}

fn list<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = items.map(String::as_str).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// What `[logging]` accepts: lowercase letters, digits, `-` and `.` before `.amazonaws.com`.
fn service_principal(s: &str) -> bool {
    s.strip_suffix(".amazonaws.com").is_some_and(|n| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c))
    })
}
