//! Rails apply checks before it changes anything.

use crate::error::{Error, Result};
use crate::plan::{Action, Plan};

/// The default of `--max-removals`.
pub const DEFAULT_MAX_REMOVALS: usize = 5;

/// Refuses a plan with more removals (deletes) than `max`, unless removals are explicitly allowed.
pub fn check_removals(plan: &Plan, max: usize, allow: bool) -> Result<()> {
    let removals: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.address.to_string())
        .collect();
    if allow || removals.len() <= max {
        return Ok(());
    }
    Err(Error::Refused {
        message: format!(
            "the plan removes {} things, more than --max-removals {max}: {}",
            removals.len(),
            removals.join(", ")
        ),
        hint: Some(
            "check that org.toml is complete; if these removals are intended, pass --allow-removals (or a higher --max-removals)".into(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PolicyKind, PolicyName};
    use crate::plan::{Change, PlannedChange, Target};

    fn detaches(n: usize) -> Plan {
        Plan {
            format_version: 1,
            changes: (0..n)
                .map(|i| {
                    let c = Change::Detach {
                        kind: PolicyKind::ServiceControlPolicy,
                        policy: PolicyName::parse(&format!("p{i}")).unwrap(),
                        target: Target::Root,
                    };
                    PlannedChange {
                        address: c.address(),
                        action: c.action(),
                        depends_on: vec![],
                        change: c,
                    }
                })
                .collect(),
            unmanaged: vec![],
            conflicts: vec![],
            findings: vec![],
            account_names: Default::default(),
        }
    }

    #[test]
    fn more_removals_than_allowed_are_refused_unless_overridden() {
        assert!(check_removals(&detaches(5), 5, false).is_ok());
        let e = check_removals(&detaches(6), 5, false).unwrap_err();
        assert!(e
            .to_string()
            .contains("removes 6 things, more than --max-removals 5"));
        assert!(e.to_string().contains("attach:scp:p0→root"));
        assert!(check_removals(&detaches(6), 5, true).is_ok());
        assert!(check_removals(&detaches(1), 0, false).is_err());
    }
}
