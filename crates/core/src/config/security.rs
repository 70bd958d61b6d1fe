//! `[security]` validated (issue 16 part 3): the administrator is a declared member account, and
//! every service is one of `crate::model::SERVICES`.

use super::problems::{key_path, Problems, Source};
use super::raw::{did_you_mean, Entry, RawFile, RawSecurity};
use crate::model::{Security, SecurityService};

pub(crate) fn security(
    src: &Source,
    entry: &Entry<RawSecurity>,
    raw: &RawFile,
    problems: &mut Problems,
) -> Option<Security> {
    let before = problems.len();
    let r = &entry.body;
    if let Some(v) = &r.administrator {
        let declared = raw.accounts.iter().find(|a| a.name == v.value);
        let management = raw
            .organization
            .as_ref()
            .and_then(|o| o.body.management_account.as_ref());
        match declared {
            None => {
                let names: Vec<&str> = raw.accounts.iter().map(|a| a.name.as_str()).collect();
                let listed = if names.is_empty() {
                    "no accounts are declared".to_string()
                } else {
                    format!("declared accounts: {}", names.join(", "))
                };
                problems.push(
                    src.problem(
                        &v.span,
                        "security.administrator",
                        format!(
                            "no account named `{}` is declared under [accounts]",
                            v.value
                        ),
                    )
                    .with_help(format!(
                        "{}{listed}; the administrator is declared like any other account, as [accounts.<name>]",
                        did_you_mean(&v.value, names.iter().copied())
                    )),
                );
            }
            // GuardDuty, Security Hub, Macie, Detective and Organizations all refuse the
            // management account as a delegated administrator.
            Some(a)
                if a.body
                    .id
                    .as_ref()
                    .zip(management)
                    .is_some_and(|(id, m)| id.value == m.value) =>
            {
                problems.push(
                    src.problem(
                        &v.span,
                        "security.administrator",
                        format!(
                            "`{}` is the management account ({}); AWS refuses the management account as a security services' delegated administrator",
                            v.value,
                            management.map_or("", |m| m.value.as_str())
                        ),
                    )
                    .with_help(
                        "name a member account, e.g. [accounts.audit], as the administrator",
                    ),
                );
            }
            Some(_) => {}
        }
    }
    let path = key_path(&["security", "services"]);
    let mut services: Vec<SecurityService> = Vec::new();
    if let Some(list) = &r.services {
        if list.value.is_empty() {
            problems.push(
                src.problem(&list.span, &path, "[security] lists no services")
                    .with_help(format!("list one or more of: {}", known())),
            );
        }
        for s in &list.value {
            match SecurityService::from_key(&s.value) {
                None => problems.push(
                    src.problem(
                        &s.span,
                        &path,
                        format!("`{}` is not a security service govern knows", s.value),
                    )
                    .with_help(format!(
                        "{}services: {}",
                        did_you_mean(&s.value, SecurityService::keys()),
                        known()
                    )),
                ),
                Some(service) if services.contains(&service) => problems.push(
                    src.problem(&s.span, &path, format!("`{}` is listed twice", s.value))
                        .with_help("list each service once"),
                ),
                // `[logging] delegated_admin_for` registers its account for the same principal:
                // the two tables would each remove the other's administrator, plan after plan.
                Some(service) if delegated_by_logging(raw).contains(&service.spec().principal) => {
                    problems.push(
                        src.problem(
                            &s.span,
                            &path,
                            format!(
                                "`{}` ({}) is also in [logging] delegated_admin_for: one table must own its delegated administrator",
                                s.value,
                                service.spec().principal
                            ),
                        )
                        .with_help(format!(
                            "remove \"{}\" from logging.delegated_admin_for, or `{}` from security.services",
                            service.spec().principal,
                            s.value
                        )),
                    );
                }
                Some(service) => services.push(service),
            }
        }
    }
    if problems.len() > before {
        return None;
    }
    Some(Security {
        administrator: r.administrator.as_ref()?.value.clone(),
        services,
    })
}

fn known() -> String {
    SecurityService::keys().join(", ")
}

/// The principals `[logging] delegated_admin_for` lists.
fn delegated_by_logging(raw: &RawFile) -> Vec<&str> {
    raw.logging
        .as_ref()
        .and_then(|l| l.body.delegated_admin_for.as_ref())
        .map(|list| list.value.iter().map(|s| s.value.as_str()).collect())
        .unwrap_or_default()
}
