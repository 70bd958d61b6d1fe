//! The organization as the management account sees it: root, OU tree, accounts and their parents,
//! SCPs with documents, tags and targets.
//!
//! Request mix (P = parents = OUs + 1, K = policy kinds listed, S = custom policies, M = the
//! AWS-managed ones, pages of 20):
//! DescribeOrganization 1 + ListRoots 1 + ListOrganizationalUnitsForParent ≥P + ListAccountsForParent ≥P
//! plus ListPolicies ≥K + ListTargetsForPolicy ≥S+M + DescribePolicy S+M + ListTagsForResource S.
//!
//! The kinds listed are SCPs (always: the apply lock is one) and every other kind enabled on the
//! root: a kind that is not enabled can have no attachment, and listing all fourteen would cost a
//! request each on every run. A policy type the root lists that the SDK's enum does not know is
//! kept by name (`Actual::unknown_policy_types`) and never read further.
//!
//! Tags of OUs and accounts are read apart, only where org.toml declares them (`tags.rs`).
//!
//! Accounts come per parent (not ListAccounts + ListParents per account), and attachments per policy
//! (not ListPoliciesForTarget per target): both are the fewer calls.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_organizations::types::{PolicyTypeStatus, TargetType};
use aws_sdk_organizations::Client;
use futures::{StreamExt, TryStreamExt};

use crate::error::{Error, Result};
use crate::model::{
    AccountId, Actual, ActualAccount, ActualOu, ActualPolicy, Address, OuPath, Parent,
    PolicyDocument, PolicyKey, PolicyKind, PolicyName, TargetKey,
};

use super::{ORG_CONCURRENCY, PAGE_SIZE};

pub async fn organization(org: &Client) -> Result<Actual> {
    let described = org
        .describe_organization()
        .send()
        .await
        .map_err(|e| Error::aws("DescribeOrganization", "the organization", e))?;
    let o = described
        .organization()
        .ok_or_else(|| Error::Discovery("DescribeOrganization returned no organization".into()))?;
    let organization_id = o.id().unwrap_or_default().to_string();
    let management_account = AccountId::parse(o.master_account_id().unwrap_or_default())
        .map_err(|e| Error::Discovery(format!("management account id: {e}")))?;

    let roots = org
        .list_roots()
        .send()
        .await
        .map_err(|e| Error::aws("ListRoots", "the organization", e))?;
    let root = roots
        .roots()
        .first()
        .ok_or_else(|| Error::Discovery("the organization has no root".into()))?;
    let root_id = root.id().unwrap_or_default().to_string();
    // The kinds ENABLED on the root (PENDING_ENABLE is not yet: attachments still fail).
    let enabled: Vec<&str> = root
        .policy_types()
        .iter()
        .filter(|t| t.status() == Some(&PolicyTypeStatus::Enabled))
        .filter_map(|t| Some(t.r#type()?.as_str()))
        .collect();
    let policy_types: BTreeSet<PolicyKind> = enabled
        .iter()
        .filter_map(|t| PolicyKind::from_api_name(t))
        .collect();
    let unknown_policy_types: BTreeSet<String> = enabled
        .iter()
        .filter(|t| PolicyKind::from_api_name(t).is_none())
        .map(|t| t.to_string())
        .collect();

    // The tree and the policies are read at once: they are independent until attachments are
    // matched to OUs below. The policies' reads hold the organization read's one long chain
    // (ListTargetsForPolicy of FullAWSAccess, attached to the root, every OU and every account:
    // ⌈(1 + OUs + accounts) / 20⌉ pages, each needing the last one's NextToken, 2,601 at 50,000
    // accounts), so the read takes the longer of the two instead of their sum (issue 18).
    let mut kinds = policy_types.clone();
    kinds.insert(PolicyKind::ServiceControlPolicy);
    let mut tree_unaddressable = BTreeMap::new();
    let mut policy_unaddressable = BTreeMap::new();
    let tree_read = tree(org, &root_id, &mut tree_unaddressable);
    let policies_read = async {
        let mut policies = BTreeMap::new();
        let mut targets = Vec::new();
        for kind in kinds {
            let (p, t) = policies_of(org, kind, &mut policy_unaddressable).await?;
            policies.extend(p);
            targets.extend(t);
        }
        Ok::<_, Error>((policies, targets))
    };
    let (tree_read, policies_read) = futures::join!(tree_read, policies_read);
    let (ous, accounts) = tree_read?;
    let (policies, targets) = policies_read?;
    let mut unaddressable = tree_unaddressable;
    unaddressable.extend(policy_unaddressable);
    let ou_by_id: BTreeMap<&str, &OuPath> = ous.iter().map(|(p, o)| (o.id.as_str(), p)).collect();

    let mut attachments: BTreeMap<TargetKey, BTreeSet<PolicyKey>> = BTreeMap::new();
    for (name, policy_targets) in targets {
        for (kind, id) in policy_targets {
            let key = match kind {
                TargetType::Root => TargetKey::Root,
                TargetType::OrganizationalUnit => match ou_by_id.get(id.as_str()) {
                    Some(p) => TargetKey::Ou((*p).clone()),
                    None => continue, // created since the tree was read
                },
                TargetType::Account => match AccountId::parse(&id) {
                    Ok(a) => TargetKey::Account(a),
                    Err(_) => continue,
                },
                _ => continue,
            };
            attachments.entry(key).or_default().insert(name.clone());
        }
    }

    Ok(Actual {
        organization_id,
        management_account,
        root_id,
        policy_types,
        unknown_policy_types,
        ous,
        accounts,
        policies,
        attachments,
        members: BTreeMap::new(),
        service_access: BTreeSet::new(),
        service_access_read: false,
        delegated_admins: BTreeMap::new(),
        unaddressable,
        root_features: None,
        security_admins: None,
        trail: None,
        // Read after, where needed (`discover::tags`).
        tags: BTreeMap::new(),
    })
}

type Tree = (
    BTreeMap<OuPath, ActualOu>,
    BTreeMap<AccountId, ActualAccount>,
);

/// Why an OU named `name` under `parent` cannot be addressed by path, if it cannot: a `/` in its
/// name would read as a path separator (`Slash/Child` as `Child` inside `Slash`), and a control
/// character, a name too long or a path too deep cannot be declared. AWS allows all of them
/// (CreateOrganizationalUnit's Name is any text of 1 to 128 characters).
fn unaddressable_ou(parent: &Parent, name: &str) -> Option<String> {
    if name.contains('/') {
        return Some(
            "its name has a `/`, which govern reads as the separator of OU paths".to_string(),
        );
    }
    OuPath::child(parent, name).err().map(|e| e.to_string())
}

/// Walks the OU tree level by level, reading each parent's OUs and accounts concurrently.
///
/// An OU whose name govern cannot address ([`unaddressable_ou`]), and every OU inside it, is kept
/// under its [`OuPath::by_id`] and noted in `unaddressable`: its accounts are still found where
/// they are (a declared account there is moved out, never created twice), and the run goes on.
async fn tree(
    org: &Client,
    root_id: &str,
    unaddressable: &mut BTreeMap<Address, String>,
) -> Result<Tree> {
    let mut ous = BTreeMap::new();
    let mut accounts = BTreeMap::new();
    let mut level: Vec<(String, Parent)> = vec![(root_id.to_string(), Parent::Root)];
    while !level.is_empty() {
        let read: Vec<_> =
            futures::stream::iter(level.into_iter().map(|(id, parent)| async move {
                let children = children_of(org, &id, &parent).await?;
                Ok::<_, Error>((parent, children))
            }))
            .buffer_unordered(ORG_CONCURRENCY)
            .try_collect()
            .await?;
        let mut next = Vec::new();
        for (parent, (child_ous, child_accounts)) in read {
            for (id, name) in child_ous {
                let shown = crate::model::escape(&name);
                let why = match &parent {
                    Parent::Ou(p) if p.id_only().is_some() => Some(format!(
                        "it is inside OU {p}, whose name govern cannot address"
                    )),
                    _ => unaddressable_ou(&parent, &name),
                };
                let path = match why {
                    None => OuPath::child(&parent, &name).expect("checked just above"),
                    Some(why) => {
                        let path = OuPath::by_id(&id);
                        unaddressable.insert(
                            Address::Ou(path.clone()),
                            format!(
                                "OU named `{shown}` under {parent}, left alone: {why}; rename it in \
                                 AWS to manage it"
                            ),
                        );
                        path
                    }
                };
                if ous
                    .insert(path.clone(), ActualOu { id: id.clone() })
                    .is_some()
                {
                    return Err(Error::Discovery(format!(
                        "two OUs named `{shown}` under {parent}: govern addresses OUs by path and cannot tell them apart; rename one"
                    )));
                }
                next.push((id, Parent::Ou(path)));
            }
            for (id, account) in child_accounts {
                accounts.insert(
                    id,
                    ActualAccount {
                        parent: parent.clone(),
                        ..account
                    },
                );
            }
        }
        level = next;
    }
    Ok((ous, accounts))
}

type Children = (Vec<(String, String)>, Vec<(AccountId, ActualAccount)>);

async fn children_of(org: &Client, parent_id: &str, parent: &Parent) -> Result<Children> {
    let ous: Vec<_> = org
        .list_organizational_units_for_parent()
        .parent_id(parent_id)
        .max_results(PAGE_SIZE)
        .into_paginator()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(|e| Error::aws("ListOrganizationalUnitsForParent", parent, e))?;
    let ous = ous
        .into_iter()
        .flat_map(|page| page.organizational_units.unwrap_or_default())
        .map(|o| {
            (
                o.id().unwrap_or_default().to_string(),
                o.name().unwrap_or_default().to_string(),
            )
        })
        .collect();

    let listed: Vec<_> = org
        .list_accounts_for_parent()
        .parent_id(parent_id)
        .max_results(PAGE_SIZE)
        .into_paginator()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(|e| Error::aws("ListAccountsForParent", parent, e))?;
    let mut accounts = Vec::new();
    for a in listed
        .into_iter()
        .flat_map(|page| page.accounts.unwrap_or_default())
    {
        let id = AccountId::parse(a.id().unwrap_or_default())
            .map_err(|e| Error::Discovery(format!("account under {parent}: {e}")))?;
        // `State` replaces the deprecated `Status`; read whichever the endpoint returns.
        let status = a
            .state()
            .map(|s| s.as_str().to_string())
            .or_else(|| {
                #[allow(deprecated)]
                a.status().map(|s| s.as_str().to_string())
            })
            .unwrap_or_else(|| "UNKNOWN".into());
        accounts.push((
            id,
            ActualAccount {
                name: a.name().unwrap_or_default().to_string(),
                email: a.email().unwrap_or_default().to_string(),
                status,
                parent: parent.clone(),
            },
        ));
    }
    Ok((ous, accounts))
}

type PolicyTargets = Vec<(PolicyKey, Vec<(TargetType, String)>)>;

/// The policies of one kind, with their documents, tags and targets.
async fn policies_of(
    org: &Client,
    kind: PolicyKind,
    unaddressable: &mut BTreeMap<Address, String>,
) -> Result<(BTreeMap<PolicyKey, ActualPolicy>, PolicyTargets)> {
    let summaries: Vec<_> = org
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::from(
            kind.api_name(),
        ))
        .max_results(PAGE_SIZE)
        .into_paginator()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(|e| Error::aws("ListPolicies", format!("{}s", kind.noun()), e))?
        .into_iter()
        .flat_map(|page| page.policies.unwrap_or_default())
        .collect();

    // The apply lock (an unattached SCP) is govern's own bookkeeping, not part of the organization.
    // The apply lock (an unattached SCP) is govern's own bookkeeping, not part of the organization.
    // A policy whose name govern cannot address (a control character: AWS allows any text) is left
    // out, noted with why, and never touched; the run goes on.
    let summaries: Vec<_> = summaries
        .into_iter()
        .filter(|s| {
            kind != PolicyKind::ServiceControlPolicy || s.name() != Some(crate::model::LOCK_POLICY)
        })
        .filter(|s| match PolicyName::parse(s.name().unwrap_or_default()) {
            Ok(_) => true,
            Err(e) => {
                let id = s.id().unwrap_or_default();
                unaddressable.insert(
                    Address::Policy {
                        kind,
                        name: PolicyName::by_id(id),
                    },
                    format!(
                        "{} {id}, left alone: {e}; rename it in AWS to manage it",
                        kind.noun()
                    ),
                );
                false
            }
        })
        .collect();
    let summaries = summaries.into_iter();
    let read: Vec<_> = futures::stream::iter(summaries.map(|s| async move {
        let id = s.id().unwrap_or_default().to_string();
        let name = PolicyName::parse(s.name().unwrap_or_default())
            .map_err(|e| Error::Discovery(format!("policy {id}: {e}")))?;
        let aws_managed = s.aws_managed();
        let on = format!("{}:{name}", kind.prefix());

        let described = org
            .describe_policy()
            .policy_id(&id)
            .send()
            .await
            .map_err(|e| Error::aws("DescribePolicy", &on, e))?;
        let content = described
            .policy()
            .and_then(|p| p.content())
            .unwrap_or_default();
        let document = PolicyDocument::parse(content).map_err(|e| {
            Error::Discovery(format!("{on}: AWS holds a document that is not JSON: {e}"))
        })?;

        let tags = if aws_managed {
            BTreeMap::new()
        } else {
            org.list_tags_for_resource()
                .resource_id(&id)
                .into_paginator()
                .send()
                .collect::<std::result::Result<Vec<_>, _>>()
                .await
                .map_err(|e| Error::aws("ListTagsForResource", &on, e))?
                .into_iter()
                .flat_map(|page| page.tags.unwrap_or_default())
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect()
        };

        let targets = org
            .list_targets_for_policy()
            .policy_id(&id)
            .max_results(PAGE_SIZE)
            .into_paginator()
            .send()
            .collect::<std::result::Result<Vec<_>, _>>()
            .await
            .map_err(|e| Error::aws("ListTargetsForPolicy", &on, e))?
            .into_iter()
            .flat_map(|page| page.targets.unwrap_or_default())
            .filter_map(|t| {
                Some((
                    t.r#type()?.clone(),
                    t.target_id().unwrap_or_default().to_string(),
                ))
            })
            .collect();

        Ok::<_, Error>((
            PolicyKey::new(kind, name),
            ActualPolicy {
                kind,
                id,
                description: s.description().unwrap_or_default().to_string(),
                document,
                aws_managed,
                tags,
            },
            targets,
        ))
    }))
    .buffer_unordered(ORG_CONCURRENCY)
    .try_collect()
    .await?;

    let mut policies = BTreeMap::new();
    let mut targets = Vec::new();
    for (name, policy, t) in read {
        targets.push((name.clone(), t));
        policies.insert(name, policy);
    }
    Ok((policies, targets))
}
