//! The region deny: an SCP that is exactly the `deny-regions` template for some set of regions (and
//! the member role being imported with) becomes `allowed_regions` plus `template = "deny-regions"`.
//! Anything less than exact stays a file: a near miss rewritten as the template would change the
//! policy on the next apply.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::templates::deny_regions;
use crate::model::{
    AccountId, ActualPolicy, MemberState, PolicyDocument, PolicyKey, PolicyKind, PolicyName, Region,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionDeny {
    /// Sorted, each once.
    pub allowed: Vec<Region>,
    /// The SCPs that are the template for exactly these regions.
    pub policies: BTreeSet<PolicyName>,
}

/// The region set of the template SCPs. When SCPs are the template for different sets, the set
/// most of them share wins (then the one of the first name); the others stay files.
pub fn recover(
    policies: &BTreeMap<PolicyKey, ActualPolicy>,
    member_role: &str,
) -> Option<RegionDeny> {
    let mut by_set: BTreeMap<Vec<Region>, BTreeSet<PolicyName>> = BTreeMap::new();
    for (key, p) in policies {
        // The template is an SCP.
        if p.aws_managed || key.kind != PolicyKind::ServiceControlPolicy {
            continue;
        }
        if let Some(regions) = template_regions(&p.document, member_role) {
            by_set.entry(regions).or_default().insert(key.name.clone());
        }
    }
    by_set
        .into_iter()
        .max_by(|(_, a), (_, b)| {
            a.len()
                .cmp(&b.len())
                .then_with(|| b.first().cmp(&a.first()))
        })
        .map(|(allowed, policies)| RegionDeny { allowed, policies })
}

/// The allowed regions when `doc` is exactly what the template makes of them, else None.
fn template_regions(doc: &PolicyDocument, member_role: &str) -> Option<Vec<Region>> {
    let listed = doc.value()["Statement"]
        .get(0)?
        .get("Condition")?
        .get("StringNotEquals")?
        .get("aws:RequestedRegion")?
        .as_array()?;
    let mut regions = listed
        .iter()
        .map(|r| Region::parse(r.as_str()?).ok())
        .collect::<Option<Vec<Region>>>()?;
    regions.sort();
    regions.dedup();
    if regions.is_empty() {
        return None;
    }
    (deny_regions(&regions, &[member_role.to_string()]) == *doc).then_some(regions)
}

/// Accounts with an opt-in region enabled outside `allowed`, with the reason for their exemption:
/// with `allowed_regions` set, the plan would otherwise disable those regions (DisableRegion), and
/// an import must not plan anything.
pub(crate) fn outside(
    read: &BTreeMap<AccountId, &MemberState>,
    allowed: &[Region],
) -> BTreeMap<AccountId, String> {
    let mut out = BTreeMap::new();
    for (id, member) in read {
        // The planner's own rule: only opted-in regions can be disabled.
        let enabled: Vec<&str> = member
            .regions
            .iter()
            .filter(|(_, status)| *status == "ENABLED" || *status == "ENABLING")
            .map(|(r, _)| r.as_str())
            .filter(|r| !allowed.iter().any(|a| a.as_str() == *r))
            .collect();
        if !enabled.is_empty() {
            out.insert(
                id.clone(),
                format!(
                    "imported: {} opted in, outside allowed_regions; remove this to have govern disable {}",
                    enabled.join(", "),
                    if enabled.len() == 1 { "it" } else { "them" }
                ),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions(names: &[&str]) -> Vec<Region> {
        names.iter().map(|r| Region::parse(r).unwrap()).collect()
    }
    fn policy(document: PolicyDocument) -> ActualPolicy {
        ActualPolicy {
            kind: PolicyKind::ServiceControlPolicy,
            id: "p-1".into(),
            description: String::new(),
            document,
            aws_managed: false,
            tags: BTreeMap::new(),
        }
    }
    fn pn(s: &str) -> PolicyName {
        PolicyName::parse(s).unwrap()
    }
    fn pk(s: &str) -> PolicyKey {
        PolicyKey::scp(pn(s))
    }
    const ROLE: &str = "OrganizationAccountAccessRole";

    #[test]
    fn the_exact_template_is_recognised_and_a_near_miss_is_not() {
        let role = [ROLE.to_string()];
        let exact = deny_regions(&regions(&["us-east-1", "eu-west-1"]), &role);
        let mut near = exact.value().clone();
        near["Statement"][0]["NotAction"]
            .as_array_mut()
            .unwrap()
            .pop();
        let other_role = deny_regions(&regions(&["us-east-1"]), &["Admin".to_string()]);
        let policies = [
            (pk("region-deny"), policy(exact)),
            (pk("almost"), policy(PolicyDocument::from_value(near))),
            (pk("admin-exempt"), policy(other_role)),
        ]
        .into();
        let got = recover(&policies, ROLE).unwrap();
        assert_eq!(got.allowed, regions(&["eu-west-1", "us-east-1"]));
        assert_eq!(got.policies, [pn("region-deny")].into());
        assert_eq!(
            recover(&policies, "Admin").unwrap().policies,
            [pn("admin-exempt")].into()
        );
    }

    #[test]
    fn the_set_most_policies_share_wins() {
        let role = [ROLE.to_string()];
        let a = deny_regions(&regions(&["us-east-1"]), &role);
        let b = deny_regions(&regions(&["eu-west-1", "us-east-1"]), &role);
        let policies = [
            (pk("a"), policy(a)),
            (pk("b1"), policy(b.clone())),
            (pk("b2"), policy(b)),
        ]
        .into();
        let got = recover(&policies, ROLE).unwrap();
        assert_eq!(got.policies, [pn("b1"), pn("b2")].into());
    }

    #[test]
    fn opted_in_regions_outside_the_list_exempt_their_account() {
        let id = AccountId::parse("111122223333").unwrap();
        let m = MemberState {
            regions: [
                ("af-south-1".to_string(), "ENABLED".to_string()),
                ("eu-west-1".to_string(), "ENABLED_BY_DEFAULT".to_string()),
                ("me-south-1".to_string(), "ENABLING".to_string()),
                ("eu-south-1".to_string(), "ENABLED".to_string()),
            ]
            .into(),
            ..MemberState::default()
        };
        let read = [(id.clone(), &m)].into();
        let out = outside(&read, &regions(&["us-east-1", "eu-south-1"]));
        assert_eq!(
            out[&id],
            "imported: af-south-1, me-south-1 opted in, outside allowed_regions; remove this to have govern disable them"
        );
        assert!(outside(&read, &regions(&["af-south-1", "me-south-1", "eu-south-1"])).is_empty());
    }
}
