//! The organization as the management account sees it: root, OU tree, accounts and their parents,
//! SCPs with documents, tags and targets.
//!
//! Request mix (P = parents = OUs + 1, S = custom SCPs, pages of 20):
//! DescribeOrganization 1 + ListRoots 1 + ListOrganizationalUnitsForParent ≥P + ListAccountsForParent ≥P
//! plus ListPolicies ≥1 + ListTargetsForPolicy ≥S+1 + DescribePolicy S+1 + ListTagsForResource S.
//!
//! Accounts come per parent (not ListAccounts + ListParents per account), and attachments per policy
//! (not ListPoliciesForTarget per target): both are the fewer calls.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_organizations::types::{PolicyTypeStatus, TargetType};
use aws_sdk_organizations::Client;
use futures::{StreamExt, TryStreamExt};

use crate::error::{Error, Result};
use crate::model::{
    AccountId, Actual, ActualAccount, ActualOu, ActualPolicy, OuPath, Parent, PolicyDocument,
    PolicyKind, PolicyName, TargetKey,
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
    let policy_types = root
        .policy_types()
        .iter()
        .filter(|t| t.status() == Some(&PolicyTypeStatus::Enabled))
        .filter_map(|t| PolicyKind::from_api_name(t.r#type()?.as_str()))
        .collect();

    let (ous, accounts) = tree(org, &root_id).await?;
    let ou_by_id: BTreeMap<&str, &OuPath> = ous.iter().map(|(p, o)| (o.id.as_str(), p)).collect();
    let (policies, targets) = policies(org).await?;

    let mut attachments: BTreeMap<TargetKey, BTreeSet<PolicyName>> = BTreeMap::new();
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
        ous,
        accounts,
        policies,
        attachments,
        members: BTreeMap::new(),
        service_access: BTreeSet::new(),
        service_access_read: false,
        delegated_admins: BTreeMap::new(),
        root_features: None,
    })
}

type Tree = (
    BTreeMap<OuPath, ActualOu>,
    BTreeMap<AccountId, ActualAccount>,
);

/// Walks the OU tree level by level, reading each parent's OUs and accounts concurrently.
async fn tree(org: &Client, root_id: &str) -> Result<Tree> {
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
                let path = OuPath::child(&parent, &name).map_err(|e| {
                    Error::Discovery(format!("OU {id} under {parent} cannot be addressed: {e}"))
                })?;
                if ous
                    .insert(path.clone(), ActualOu { id: id.clone() })
                    .is_some()
                {
                    return Err(Error::Discovery(format!(
                        "two OUs named `{name}` under {parent}: govern addresses OUs by path and cannot tell them apart; rename one"
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

type PolicyTargets = Vec<(PolicyName, Vec<(TargetType, String)>)>;

async fn policies(org: &Client) -> Result<(BTreeMap<PolicyName, ActualPolicy>, PolicyTargets)> {
    // The one kind wired up so far; another kind is another listing (and its own namespace).
    let kind = PolicyKind::ServiceControlPolicy;
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
        .map_err(|e| Error::aws("ListPolicies", "service control policies", e))?
        .into_iter()
        .flat_map(|page| page.policies.unwrap_or_default())
        .collect();

    // The apply lock (an unattached SCP) is govern's own bookkeeping, not part of the organization.
    let summaries = summaries
        .into_iter()
        .filter(|s| s.name() != Some(crate::model::LOCK_POLICY));
    let read: Vec<_> = futures::stream::iter(summaries.map(|s| async move {
        let id = s.id().unwrap_or_default().to_string();
        let name = PolicyName::parse(s.name().unwrap_or_default())
            .map_err(|e| Error::Discovery(format!("policy {id}: {e}")))?;
        let aws_managed = s.aws_managed();
        let on = format!("scp:{name}");

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
            name,
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
