//! The control catalogue: each control states in one sentence what it checks, and is evaluated over
//! Desired × Actual into one row per control × resource. Pure: no I/O, no clock (the evaluation time
//! is passed in), rows in a stable order.
//!
//! Framework references come from public mappings (see ../shared/controls-mapping.md): Prowler's
//! compliance files (`prowler/compliance/aws/*.json`), Turbot's aws_compliance mod and the AWS
//! Security Hub control reference. SOC 2 / ISO rows are Prowler's crosswalks, not official ones.
//! Where no public anchor checks what a control checks (which targets an SCP is attached to), the
//! control cites none rather than a guess.

use std::collections::{BTreeMap, BTreeSet};

pub use crate::control::{account_file, Control, Eval, On, Row, Status, ORGANIZATION_FILE};
use crate::model::{
    AccountId, AccountRef, Actual, Address, Desired, Parent, PolicyKey, PolicyKind, PolicyName,
    TargetKey,
};

/// `controls.json`'s `format_version`.
pub const FORMAT_VERSION: u32 = 1;

// No public anchor checks SCP targets (controls-mapping.md: "no anchor checks which targets an SCP is
// attached to"), so this control cites no framework.
pub const SCP_ATTACHED: Control = Control {
    id: "GOV.SCP.1",
    title: "SCPs attached as declared",
    checks: "Every root, OU and account that org.toml gives a `policies` list has exactly those SCPs attached, and the SCP policy type is enabled.",
    frameworks: &[],
};

// Prowler organizations_scp_check_deny_regions reads only the policy content, not its attachments;
// this control checks both.
pub const DENY_REGIONS: Control = Control {
    id: "GOV.SCP.2",
    title: "Region-deny SCP in force for every member account",
    checks: "Every active member account has the deny-regions template SCP, with the document generated from allowed_regions, attached at the root, an ancestor OU or the account itself.",
    frameworks: &["Prowler organizations_scp_check_deny_regions"],
};

// No public anchor compares an SCP's document in AWS with the file it was declared from (Prowler's
// organizations_scp_check_deny_regions reads the content of region-deny SCPs only): none cited.
pub const SCP_CONTENT: Control = Control {
    id: "GOV.SCP.3",
    title: "SCP documents as declared",
    checks: "Every SCP org.toml declares exists in AWS with the document of its file or template (compared as JSON: whitespace and key order aside).",
    frameworks: &[],
};

// CIS AWS Foundations 1.2 (v1.5, v2.0, v3.0, v4.0.1, v5.0); Security Hub Account.1; Prowler
// account_security_contact_information_is_registered (MANUAL in Prowler); ISO/IEC 27001:2022 A.5.5;
// PCI DSS 4.0 A1.2.3.1. CIS 1.1 / Prowler account_maintain_current_contact_details for "matching".
pub const CONTACT_SECURITY: Control = Control {
    id: "GOV.CONTACT.1",
    title: "Security contact registered and matching",
    checks: "Every account has a security alternate contact registered, equal to the one org.toml declares for it.",
    frameworks: &[
        "CIS AWS Foundations 1.2",
        "CIS AWS Foundations 1.1",
        "AWS Security Hub Account.1",
        "ISO/IEC 27001:2022 A.5.5",
        "PCI DSS 4.0 A1.2.3.1",
    ],
};

// CIS AWS Foundations 1.1 (all versions); Prowler account_maintain_current_contact_details.
pub const CONTACT_OPERATIONS: Control = Control {
    id: "GOV.CONTACT.2",
    title: "Operations contact registered and matching",
    checks: "Every account has an operations alternate contact registered, equal to the one org.toml declares for it.",
    frameworks: &["CIS AWS Foundations 1.1"],
};

// CIS AWS Foundations 1.1 (all versions); Prowler account_maintain_current_contact_details.
pub const CONTACT_BILLING: Control = Control {
    id: "GOV.CONTACT.3",
    title: "Billing contact registered and matching",
    checks: "Every account has a billing alternate contact registered, equal to the one org.toml declares for it.",
    frameworks: &["CIS AWS Foundations 1.1"],
};

// The logging account is what CIS 3.1 / Security Hub CloudTrail.1 / SOC 2 CC7.2 (multi-region trail)
// and CIS 3.5/3.3 / Security Hub Config.1 (Config everywhere) are delivered to; this control checks the
// organization side (account, trusted access, delegated administration), not the trails themselves.
pub const LOGGING: Control = Control {
    id: "GOV.LOG.1",
    title: "Logging account in place",
    checks: "The declared logging account exists in its OU, each declared service has trusted access, and the logging account is delegated administrator for each declared service.",
    frameworks: &[
        "CIS AWS Foundations 3.1 (supports)",
        "AWS Security Hub CloudTrail.1 (supports)",
        "AWS Security Hub Config.1 (supports)",
        "SOC 2 CC7.2 (supports)",
    ],
};

// No public anchor places accounts in an OU tree.
pub const DECLARED_TREE: Control = Control {
    id: "GOV.ORG.1",
    title: "Accounts inside the declared OU tree",
    checks: "Every account sits where org.toml declares it, or, if undeclared, under the root or an OU that org.toml declares.",
    frameworks: &[],
};

// Security Hub Account.2 / Prowler organizations_account_part_of_organizations check that an account
// belongs to an organization; this control checks that each one is also declared (managed).
pub const UNMANAGED: Control = Control {
    id: "GOV.ORG.2",
    title: "No unmanaged accounts",
    checks: "Every account of the organization is either its management account or declared in org.toml.",
    frameworks: &["AWS Security Hub Account.2 (related)"],
};

/// The catalogue, in the order rows are written: the organization's SCP controls, each baseline's
/// (in registry order), then the organization's logging and tree controls.
pub fn catalogue() -> Vec<Control> {
    let mut all = vec![SCP_ATTACHED, DENY_REGIONS, SCP_CONTENT];
    for b in crate::baselines::REGISTRY {
        all.extend(b.controls().iter().map(|c| **c));
    }
    all.extend([
        LOGGING,
        crate::root_access::ROOT_ACCESS,
        crate::security::SECURITY_ADMIN,
        crate::trail::TRAIL_ON,
        crate::trail::TRAIL_VALIDATION,
        crate::trail::TRAIL_ENCRYPTION,
        crate::trail::TRAIL_BUCKET,
        DECLARED_TREE,
        UNMANAGED,
    ]);
    all
}

/// Rows for every control, in catalogue order, then by account, region and resource.
pub fn evaluate(desired: &Desired, actual: &Actual, evaluated_at: &str) -> Vec<Row> {
    let mut e = Eval::new(desired, actual, evaluated_at);
    e.scp_attached();
    e.deny_regions();
    e.scp_content();
    for b in crate::baselines::REGISTRY {
        b.evaluate(&mut e);
    }
    e.logging();
    crate::root_access::evaluate(&mut e);
    crate::security::evaluate(&mut e);
    crate::trail::evaluate(&mut e);
    e.tree();
    e.unmanaged();
    let mut rows = e.into_rows();
    sort(&mut rows);
    rows
}

/// The order rows are written in: catalogue order, then by account, region and resource. Stable, so
/// merged shard rows land where one unsharded evaluation puts them.
pub fn sort(rows: &mut [Row]) {
    let catalogue = catalogue();
    let order: BTreeMap<&str, usize> = catalogue
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    rows.sort_by(|a, b| {
        (
            order.get(a.control_id.as_str()),
            &a.account_id,
            &a.region,
            &a.resource,
        )
            .cmp(&(
                order.get(b.control_id.as_str()),
                &b.account_id,
                &b.region,
                &b.resource,
            ))
    });
}

/// Whether `row` belongs to `shard`'s partial bundle (`govern evidence --shard I/N`).
///
/// Per control:
/// - GOV.CONTACT.1–3, GOV.KMS.1, GOV.SECRETS.1 are evaluated on what was read inside an account,
///   which only the shard owning the account reads: their rows must follow the account.
/// - GOV.SCP.2, GOV.ORG.1, GOV.ORG.2 give one row per account from the organization's structure,
///   which every shard reads; their rows follow the account too, so that the work (and the report)
///   splits evenly and each partial bundle holds the state file of every row it has.
/// - GOV.REGION.1 reads the account's Regions: one row per account, following it.
/// - GOV.SCP.3 is about the organization's SCPs (no account): shard 1.
/// - GOV.SCP.1 and GOV.LOG.1 are about the organization (the policy type, the root's and OUs'
///   attachments, trusted access, delegated administrators): those rows carry no account and go to
///   shard 1, which carries the organization-wide work as it does in plans. The few rows of theirs
///   that are about one account (an SCP attached to it, the logging account's placement) follow
///   that account, for the same reason as above.
///
/// So the rule is one for every control: a row about an account belongs to the shard owning the
/// account; a row about no account (including a control's single NOT_APPLICABLE "not declared"
/// row) to shard 1. Every row of an unsharded evaluation is in exactly one shard.
pub fn in_shard(row: &Row, shard: &crate::plan::Shard) -> bool {
    match AccountId::parse(&row.account_id) {
        Ok(id) => shard.owns(&id),
        Err(_) => shard.is_first(),
    }
}

/// Counts per status.
pub fn counts<'a>(rows: impl IntoIterator<Item = &'a Row>) -> BTreeMap<Status, usize> {
    let mut out: BTreeMap<Status, usize> = Status::ALL.iter().map(|s| (*s, 0)).collect();
    for r in rows {
        *out.entry(r.status).or_default() += 1;
    }
    out
}

impl Eval<'_> {
    fn scp_attached(&mut self) {
        let mut targets: Vec<(TargetKey, bool, &BTreeSet<PolicyName>)> = Vec::new();
        if let Some(want) = &self.desired.root_policies {
            targets.push((TargetKey::Root, true, want));
        }
        for (path, ou) in &self.desired.ous {
            if let Some(want) = &ou.policies {
                let exists = self.actual.ous.contains_key(path);
                targets.push((TargetKey::Ou(path.clone()), exists, want));
            }
        }
        let mut missing_accounts = Vec::new();
        for (name, a) in &self.desired.accounts {
            let Some(want) = &a.policies else { continue };
            match self.declared.get(name) {
                Some(id) => targets.push((TargetKey::Account(id.clone()), true, want)),
                None => missing_accounts.push((name.clone(), want)),
            }
        }
        if targets.is_empty() && missing_accounts.is_empty() {
            self.push(
                &SCP_ATTACHED,
                On::org(Address::Root, self.target_arn(&TargetKey::Root)),
                Status::NotApplicable,
                "",
                "org.toml declares no SCP attachments",
            );
            return;
        }
        let on = On::org(
            Address::PolicyType(PolicyKind::ServiceControlPolicy),
            self.target_arn(&TargetKey::Root),
        );
        let (status, observed) = if self.actual.enabled(PolicyKind::ServiceControlPolicy) {
            (Status::Pass, "enabled")
        } else {
            (Status::Fail, "not enabled: no SCP is in force")
        };
        self.push(&SCP_ATTACHED, on, status, "enabled", observed);

        // Every kind the file manages (SCPs, and each kind it declares a policy of), each an exact
        // set; RCPFullAWSAccess, which cannot be detached, is left out of both sides.
        let kinds = self.desired.managed_kinds();
        let fixed = |k: &PolicyKey| k.kind.full_access_is_fixed() && k.is_full_access();
        for (target, exists, want) in targets {
            let want: BTreeSet<PolicyKey> = want
                .iter()
                .map(|n| PolicyKey::new(self.desired.kind_of(n).unwrap_or_default(), n.clone()))
                .filter(|k| !fixed(k))
                .collect();
            let have: BTreeSet<PolicyKey> = self
                .actual
                .attached_all(&target)
                .into_iter()
                .filter(|k| kinds.contains(&k.kind) && !fixed(k))
                .collect();
            let account = match &target {
                TargetKey::Account(id) => Some(id.clone()),
                _ => None,
            };
            for policy in want.union(&have) {
                let wanted = want.contains(policy);
                let attached = have.contains(policy);
                let expected = if wanted { "attached" } else { "not attached" };
                let observed = if !exists {
                    format!("{target} does not exist")
                } else if attached {
                    "attached".into()
                } else {
                    "not attached".into()
                };
                let status = if exists && wanted == attached {
                    Status::Pass
                } else {
                    Status::Fail
                };
                let on = On {
                    account: account.clone(),
                    region: None,
                    resource: Address::Attachment {
                        kind: policy.kind,
                        policy: policy.name.clone(),
                        target: Box::new(target.address()),
                    },
                    arn: self.target_arn(&target),
                };
                self.push(&SCP_ATTACHED, on, status, expected, observed);
            }
        }
        for (name, want) in missing_accounts {
            for policy in want {
                let on = On::org(
                    Address::Attachment {
                        kind: self.desired.kind_of(policy).unwrap_or_default(),
                        policy: policy.clone(),
                        target: Box::new(Address::Account(AccountRef::Name(name.clone()))),
                    },
                    String::new(),
                );
                self.push(
                    &SCP_ATTACHED,
                    on,
                    Status::Fail,
                    "attached",
                    format!("account `{name}` is not in the organization"),
                );
            }
        }
    }

    fn deny_regions(&mut self) {
        let templates: Vec<(&PolicyName, &crate::model::DesiredPolicy)> = self
            .desired
            .policies
            .iter()
            .filter(|(_, p)| p.source == "template deny-regions")
            .collect();
        if templates.is_empty() {
            self.push(
                &DENY_REGIONS,
                On::org(Address::Capability("org"), String::new()),
                Status::NotApplicable,
                "",
                "org.toml declares no policy from the deny-regions template",
            );
            return;
        }
        let names: Vec<String> = templates.iter().map(|(n, _)| n.to_string()).collect();
        let expected = format!(
            "{} attached at the root, an ancestor OU or the account",
            names.join(" or ")
        );
        for (id, account) in &self.actual.accounts {
            let on = On::account(
                id,
                Address::InForce {
                    account: id.clone(),
                    kind: PolicyKind::ServiceControlPolicy,
                    policy: PolicyName::parse("region-deny").expect("a valid name"),
                },
                self.account_arn(id),
            );
            if *id == self.actual.management_account {
                self.push(
                    &DENY_REGIONS,
                    on,
                    Status::NotApplicable,
                    &expected,
                    "management account: SCPs never apply to it",
                );
                continue;
            }
            if account.status != "ACTIVE" {
                self.push(
                    &DENY_REGIONS,
                    on,
                    Status::NotApplicable,
                    &expected,
                    format!("account is {}", account.status),
                );
                continue;
            }
            let mut path = vec![TargetKey::Root];
            if let Parent::Ou(p) = &account.parent {
                path.extend(p.ancestors_and_self().into_iter().map(TargetKey::Ou));
            }
            path.push(TargetKey::Account(id.clone()));
            let mut in_force = Vec::new();
            let mut stale = Vec::new();
            for target in &path {
                let have = self.actual.attached_scps(target);
                for (name, want) in &templates {
                    if !have.contains(*name) {
                        continue;
                    }
                    let current = self
                        .actual
                        .policy(PolicyKind::ServiceControlPolicy, name)
                        .is_some_and(|p| p.document == want.document);
                    if current {
                        in_force.push(format!("{name} at {target}"));
                    } else {
                        stale.push(format!("{name} at {target}"));
                    }
                }
            }
            let (status, observed) = if !self.actual.enabled(PolicyKind::ServiceControlPolicy) {
                (
                    Status::Fail,
                    "the SCP policy type is not enabled: no SCP is in force".to_string(),
                )
            } else if !in_force.is_empty() {
                (Status::Pass, format!("attached: {}", in_force.join(", ")))
            } else if !stale.is_empty() {
                (
                    Status::Fail,
                    format!(
                        "attached with a document that differs from the template for allowed_regions: {}",
                        stale.join(", ")
                    ),
                )
            } else {
                let searched: Vec<String> = path.iter().map(|t| t.to_string()).collect();
                (
                    Status::Fail,
                    format!("not attached at {}", searched.join(", ")),
                )
            };
            self.push(&DENY_REGIONS, on, status, &expected, observed);
        }
    }

    /// One row per declared SCP: its document in AWS against the file's (or template's). A policy
    /// missing from AWS, or an AWS-managed one of that name, is a FAIL naming it; the document is
    /// never assumed (discovery refuses a policy whose content AWS did not return).
    fn scp_content(&mut self) {
        if self.desired.policies.is_empty() {
            self.push(
                &SCP_CONTENT,
                On::org(Address::Capability("org"), String::new()),
                Status::NotApplicable,
                "",
                "org.toml declares no SCP",
            );
            return;
        }
        let declared: Vec<(PolicyName, crate::model::DesiredPolicy)> = self
            .desired
            .policies
            .iter()
            .map(|(n, p)| (n.clone(), p.clone()))
            .collect();
        for (name, want) in declared {
            let expected = format!("document of {}", want.source);
            let key = crate::model::PolicyKey::new(want.kind, name.clone());
            let (status, observed, arn) = match self.actual.policies.get(&key) {
                None => (
                    Status::Fail,
                    format!("`{name}` does not exist in the organization"),
                    String::new(),
                ),
                Some(have) => {
                    let arn = self.policy_arn(&have.id);
                    if have.aws_managed {
                        (
                            Status::Fail,
                            format!("`{name}` is an AWS-managed policy, not the declared one"),
                            arn,
                        )
                    } else if have.document == want.document {
                        (Status::Pass, format!("`{name}`: the same document"), arn)
                    } else {
                        (
                            Status::Fail,
                            format!(
                                "`{name}`: the document in AWS differs from {} (AWS's is in {ORGANIZATION_FILE})",
                                want.source
                            ),
                            arn,
                        )
                    }
                }
            };
            let on = On::org(
                Address::Policy {
                    kind: want.kind,
                    name: name.clone(),
                },
                arn,
            );
            self.push(&SCP_CONTENT, on, status, expected, observed);
        }
    }

    fn policy_arn(&self, id: &str) -> String {
        format!(
            "arn:aws:organizations::{}:policy/{}/service_control_policy/{id}",
            self.actual.management_account, self.actual.organization_id
        )
    }

    fn logging(&mut self) {
        let Some(logging) = self.desired.baselines.logging.clone() else {
            self.push(
                &LOGGING,
                On::org(Address::Capability("logging"), String::new()),
                Status::NotApplicable,
                "",
                "org.toml has no [logging]",
            );
            return;
        };
        let name = &logging.account;
        let want_parent = self.desired.accounts.get(name).map(|a| a.parent.clone());
        let id = self.declared.get(name).cloned();
        let expected = match &want_parent {
            Some(p) => format!("account `{name}` exists in {p}"),
            None => format!("account `{name}` exists"),
        };
        match &id {
            Some(id) => {
                let have = &self.actual.accounts[id].parent;
                let (status, observed) = match &want_parent {
                    Some(p) if p != have => (Status::Fail, format!("{id} in {have}")),
                    _ => (Status::Pass, format!("{id} in {have}")),
                };
                let on = On::account(id, Address::account(id), self.account_arn(id));
                self.push(&LOGGING, on, status, expected, observed);
            }
            None => self.push(
                &LOGGING,
                On::org(
                    Address::Account(AccountRef::Name(name.clone())),
                    String::new(),
                ),
                Status::Fail,
                expected,
                "not in the organization",
            ),
        }
        for service in &logging.trusted_services {
            let on = On::org(Address::ServiceAccess(service.clone()), String::new());
            let (status, observed) = if self.actual.service_access.contains(service) {
                (Status::Pass, "enabled")
            } else {
                (Status::Fail, "not enabled")
            };
            self.push(&LOGGING, on, status, "trusted access enabled", observed);
        }
        for service in &logging.delegated_admin_for {
            let on = On::org(Address::DelegatedAdmin(service.clone()), String::new());
            let expected = format!("`{name}` is delegated administrator");
            let admins: Vec<String> = self
                .actual
                .delegated_admins
                .iter()
                .filter(|(_, s)| s.contains(service))
                .map(|(a, _)| a.to_string())
                .collect();
            let registered = id
                .as_ref()
                .is_some_and(|id| admins.iter().any(|a| a == id.as_str()));
            let observed = if admins.is_empty() {
                "no delegated administrator".to_string()
            } else {
                format!("delegated administrator: {}", admins.join(", "))
            };
            let status = if registered {
                Status::Pass
            } else {
                Status::Fail
            };
            self.push(&LOGGING, on, status, expected, observed);
        }
    }

    fn tree(&mut self) {
        let by_id: BTreeMap<&AccountId, &String> =
            self.declared.iter().map(|(n, id)| (id, n)).collect();
        let mut rows = Vec::new();
        for (id, account) in &self.actual.accounts {
            let on = On::account(id, Address::AccountParent(id.clone()), self.account_arn(id));
            let have = &account.parent;
            let (status, expected) = match by_id.get(id) {
                Some(name) => {
                    let want = &self.desired.accounts[*name].parent;
                    (
                        if want == have {
                            Status::Pass
                        } else {
                            Status::Fail
                        },
                        want.to_string(),
                    )
                }
                None => {
                    let inside = match have {
                        Parent::Root => true,
                        Parent::Ou(p) => self.desired.ous.contains_key(p),
                    };
                    (
                        if inside { Status::Pass } else { Status::Fail },
                        "root or an OU declared in org.toml".to_string(),
                    )
                }
            };
            let mut observed = have.to_string();
            if let Parent::Ou(p) = have {
                if !self.desired.ous.contains_key(p) {
                    observed.push_str(" (not declared in org.toml)");
                }
            }
            rows.push((on, status, expected, observed));
        }
        for (on, status, expected, observed) in rows {
            self.push(&DECLARED_TREE, on, status, expected, observed);
        }
    }

    fn unmanaged(&mut self) {
        let by_id: BTreeMap<AccountId, String> = self
            .declared
            .iter()
            .map(|(n, id)| (id.clone(), n.clone()))
            .collect();
        let ids: Vec<AccountId> = self.actual.accounts.keys().cloned().collect();
        for id in ids {
            let on = On::account(&id, Address::account(&id), self.account_arn(&id));
            let expected = "declared in org.toml";
            if id == self.actual.management_account {
                self.push(
                    &UNMANAGED,
                    on,
                    Status::Pass,
                    expected,
                    "management account ([organization] management_account)",
                );
            } else if let Some(name) = by_id.get(&id) {
                self.push(
                    &UNMANAGED,
                    on,
                    Status::Pass,
                    expected,
                    format!("declared as [accounts.{name}]"),
                );
            } else {
                self.push(
                    &UNMANAGED,
                    on,
                    Status::Fail,
                    expected,
                    "not declared in org.toml",
                );
            }
        }
    }
}
