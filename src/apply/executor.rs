//! Runs a plan's changes one by one against Organizations.
//!
//! Ids are resolved as apply goes: the plan names OUs by path, policies by name and new accounts by
//! name, and what a create returns is remembered for the changes after it. Every call that can be
//! repeated safely is made idempotent on AWS's answer (an attachment that already exists, a policy
//! type already enabled).
//!
//! A create cannot simply be repeated. When its answer is lost after AWS acted, the SDK retries it
//! and AWS answers that the thing exists (DuplicateOrganizationalUnitException,
//! DuplicatePolicyException; for an account, a request that fails with EMAIL_ALREADY_EXISTS). Apply
//! then asks whether its own write landed: it finds what has that name and adopts it only when it is
//! what govern itself would have created — an OU with govern's managed-by tag (set by the create
//! itself), a policy with the planned document and description, an account with the planned name
//! and email. Anything else is someone else's since the plan: the change stops with
//! [`Error::CreateConflict`] naming what differs, and no twin is made.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use aws_sdk_organizations::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_organizations::types::{PolicyType, Tag};
use aws_sdk_organizations::Client;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::display::DisplayErrorContext;

use crate::aws::Clients;
use crate::error::{Error, Result};
use crate::model::{
    AccountId, AccountRef, Actual, Address, OuPath, Parent, PolicyDocument, PolicyKey, PolicyKind,
    PolicyName, TargetKey,
};
use crate::plan::{
    Change, Plan, PlannedChange, PolicyState, Target, MANAGED_BY_KEY, MANAGED_BY_VALUE,
};

/// What happened to one change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Failed(String),
    /// Not attempted: a change it depends on failed or was skipped.
    Skipped {
        because: String,
    },
    /// Not attempted: apply stopped launching changes (an interrupt, or the journal could not be
    /// written), for the reason given.
    NotStarted {
        why: String,
    },
}

#[derive(Debug, Default)]
pub struct Report {
    pub outcomes: Vec<(Address, Outcome)>,
}

impl Report {
    pub fn count(&self, pred: impl Fn(&Outcome) -> bool) -> usize {
        self.outcomes.iter().filter(|(_, o)| pred(o)).count()
    }
    /// Why apply stopped launching changes, if it did.
    pub fn halted(&self) -> Option<&str> {
        self.outcomes.iter().find_map(|(_, o)| match o {
            Outcome::NotStarted { why } => Some(why.as_str()),
            _ => None,
        })
    }
}

/// How long to wait for CreateAccount before giving up (AWS usually answers within minutes).
const CREATE_ACCOUNT_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Polls of a CreateAccount's status that may go unanswered (each after the SDK's own retries).
const MISSED_POLLS: u32 = 5;

struct Ids {
    root: String,
    ous: BTreeMap<OuPath, String>,
    policies: BTreeMap<PolicyKey, String>,
    new_accounts: BTreeMap<String, AccountId>,
    attachments: BTreeMap<TargetKey, BTreeSet<PolicyKey>>,
    /// Request ids of the change that ran last.
    request_ids: Vec<String>,
    /// Accounts whose member role could not be assumed: their contacts and regions are set from
    /// the management account with `AccountId` (trusted access for account.amazonaws.com).
    via_management: BTreeSet<AccountId>,
}

/// Runs `plan`, computed against `actual`; `progress` is told of each change as it starts and ends.
/// [`apply_with`] with no stop and a progress that never fails.
pub async fn apply(
    clients: &Clients,
    plan: &Plan,
    actual: &Actual,
    mut progress: impl FnMut(&PlannedChange, Option<(&Outcome, Duration)>),
) -> Report {
    apply_with(
        clients,
        plan,
        actual,
        || false,
        &mut Open,
        |c, d| {
            progress(c, d.map(|(o, t, _)| (o, t)));
            Ok(())
        },
    )
    .await
}

/// Asked before each change is launched, after the interrupt: an error (why) stops apply from
/// launching that change and any after it. Apply's transaction keeps the organization's lock
/// here ([`crate::apply::lock::Lock::keep`]).
pub trait Gate {
    fn before_launch(&mut self) -> impl std::future::Future<Output = Result<(), String>>;
}

/// A gate that is always open.
pub struct Open;

impl Gate for Open {
    async fn before_launch(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// Runs `plan`, computed against `actual`, one change at a time.
///
/// `progress` is told of each change as it starts (`None`) and ends (`Some`); changes not attempted
/// are told once, with their outcome. When it answers an error for a start, that change is not run;
/// for an end, no further change is. `stop` is asked before each launch: once it says yes, the
/// remaining changes are not started (the one in flight is always waited for); so is `gate`, whose
/// error stops them the same way, for its reason.
pub async fn apply_with(
    clients: &Clients,
    plan: &Plan,
    actual: &Actual,
    stop: impl Fn() -> bool,
    gate: &mut impl Gate,
    mut progress: impl FnMut(
        &PlannedChange,
        Option<(&Outcome, Duration, &[String])>,
    ) -> Result<(), String>,
) -> Report {
    let mut ids = Ids {
        root: actual.root_id.clone(),
        ous: actual
            .ous
            .iter()
            .map(|(p, o)| (p.clone(), o.id.clone()))
            .collect(),
        policies: actual
            .policies
            .iter()
            .map(|(n, p)| (n.clone(), p.id.clone()))
            .collect(),
        new_accounts: BTreeMap::new(),
        attachments: actual.attachments.clone(),
        request_ids: Vec::new(),
        via_management: actual
            .members
            .iter()
            .filter(|(_, m)| m.via_management())
            .map(|(id, _)| id.clone())
            .collect(),
    };
    let mut report = Report::default();
    let mut not_done: BTreeSet<Address> = BTreeSet::new();
    let mut halted: Option<String> = None;

    for planned in &plan.changes {
        if halted.is_none() && stop() {
            halted = Some("interrupted".into());
        }
        let blocked = planned
            .depends_on
            .iter()
            .find(|d| not_done.contains(*d))
            .cloned();
        let outcome = if let Some(why) = &halted {
            Outcome::NotStarted { why: why.clone() }
        } else if let Some(dep) = blocked {
            Outcome::Skipped {
                because: dep.to_string(),
            }
        } else if let Err(why) = gate.before_launch().await {
            halted = Some(why.clone());
            Outcome::NotStarted { why }
        } else if let Err(why) = progress(planned, None) {
            halted = Some(why.clone());
            Outcome::NotStarted { why }
        } else {
            let started = Instant::now();
            let outcome = match run(clients, &mut ids, &planned.change).await {
                Ok(()) => Outcome::Done,
                Err(e) => Outcome::Failed(render_error(&e)),
            };
            let rids = std::mem::take(&mut ids.request_ids);
            let took_ms = started.elapsed().as_millis() as u64;
            match &outcome {
                Outcome::Failed(why) => {
                    tracing::warn!(address = %planned.address, took_ms, error = %why, "change failed")
                }
                _ => tracing::info!(
                    address = %planned.address,
                    action = %planned.action.symbol(),
                    took_ms,
                    request_ids = ?rids,
                    "change made"
                ),
            }
            if let Err(why) = progress(planned, Some((&outcome, started.elapsed(), &rids))) {
                halted = Some(why);
            }
            report
                .outcomes
                .push((planned.address.clone(), outcome.clone()));
            if outcome != Outcome::Done {
                not_done.insert(planned.address.clone());
            }
            continue;
        };
        // Not attempted: told once; a failure to record it changes nothing more.
        let _ = progress(planned, Some((&outcome, Duration::ZERO, &[])));
        not_done.insert(planned.address.clone());
        report.outcomes.push((planned.address.clone(), outcome));
    }
    report
}

fn render_error(e: &Error) -> String {
    use miette::Diagnostic;
    match e.help() {
        Some(h) => format!("{e} (hint: {h})"),
        None => e.to_string(),
    }
}

fn managed_tag() -> Tag {
    Tag::builder()
        .key(MANAGED_BY_KEY)
        .value(MANAGED_BY_VALUE)
        .build()
        .expect("key and value are set")
}

fn parent_id(ids: &Ids, parent: &Parent) -> Result<String> {
    match parent {
        Parent::Root => Ok(ids.root.clone()),
        Parent::Ou(p) => ids
            .ous
            .get(p)
            .cloned()
            .ok_or_else(|| Error::Discovery(format!("OU {p} does not exist"))),
    }
}

fn target_key(ids: &Ids, target: &Target) -> Result<TargetKey> {
    match target {
        Target::Root => Ok(TargetKey::Root),
        Target::Ou { path } => Ok(TargetKey::Ou(path.clone())),
        Target::Account { id: Some(id), .. } => Ok(TargetKey::Account(id.clone())),
        Target::Account { name, id: None } => ids
            .new_accounts
            .get(name)
            .cloned()
            .map(TargetKey::Account)
            .ok_or_else(|| Error::Discovery(format!("account {name} was not created"))),
    }
}

fn target_id(ids: &Ids, key: &TargetKey) -> Result<String> {
    match key {
        TargetKey::Root => Ok(ids.root.clone()),
        TargetKey::Ou(p) => parent_id(ids, &Parent::Ou(p.clone())),
        TargetKey::Account(a) => Ok(a.to_string()),
    }
}

fn policy_id(ids: &Ids, key: &PolicyKey) -> Result<String> {
    ids.policies
        .get(key)
        .cloned()
        .ok_or_else(|| Error::Discovery(format!("{} {} does not exist", key.kind.noun(), key.name)))
}

async fn run(clients: &Clients, ids: &mut Ids, change: &Change) -> Result<()> {
    let on = change.address().to_string();
    // AWS request ids of the calls this change makes, for the journal.
    let mut rids: Vec<String> = Vec::new();
    let result = run_change(clients, ids, change, &on, &mut rids).await;
    ids.request_ids = rids;
    result
}

async fn run_change(
    clients: &Clients,
    ids: &mut Ids,
    change: &Change,
    on: &str,
    rids: &mut Vec<String>,
) -> Result<()> {
    let on = on.to_string();
    let org = &clients.org;
    match change {
        Change::EnablePolicyType { kind } => {
            let r = org
                .enable_policy_type()
                .root_id(&ids.root)
                .policy_type(PolicyType::from(kind.api_name()))
                .send()
                .await
                .inspect(|o| note(rids, o));
            match r {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_policy_type_already_enabled_exception()) => {}
                Err(e) => return Err(Error::aws("EnablePolicyType", on, e)),
            }
            wait_for_policy_type(org, &ids.root, *kind, &on).await?;
            // AWS attaches the kind's full-access policy (FullAWSAccess, RCPFullAWSAccess)
            // everywhere when the kind is enabled.
            if let Some(full) = PolicyKey::full_access(*kind) {
                ids.attachments
                    .entry(TargetKey::Root)
                    .or_default()
                    .insert(full.clone());
                for p in ids.ous.keys() {
                    ids.attachments
                        .entry(TargetKey::Ou(p.clone()))
                        .or_default()
                        .insert(full.clone());
                }
            }
        }
        Change::CreateOu { path, tags } => {
            let parent = parent_id(ids, &path.parent())?;
            let r = org
                .create_organizational_unit()
                .parent_id(&parent)
                .name(path.name())
                .set_tags(Some(tag_list(tags)))
                .tags(managed_tag())
                .send()
                .await
                .inspect(|o| note(rids, o));
            let id = match r {
                Ok(out) => out
                    .organizational_unit()
                    .and_then(|o| o.id())
                    .map(str::to_string)
                    .ok_or_else(|| {
                        Error::Discovery(format!("{on}: CreateOrganizationalUnit returned no id"))
                    })?,
                // A retried request whose first answer was lost, or an OU created since the plan:
                // adopt only govern's own, never make a twin. (moto allows twins; AWS answers this,
                // and the test proxy models it.)
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_duplicate_organizational_unit_exception()) =>
                {
                    let id = find_ou(org, &parent, path.name()).await?.ok_or_else(|| {
                        Error::Discovery(format!("{on}: AWS says it exists but it cannot be found"))
                    })?;
                    let tags = resource_tags(org, &id, &on).await?;
                    if tags.get(MANAGED_BY_KEY).map(String::as_str) != Some(MANAGED_BY_VALUE) {
                        return Err(Error::CreateConflict {
                            on,
                            found: format!(
                                "OU {id} of that name under {parent} lacks govern's tag \
                                 {MANAGED_BY_KEY} = {MANAGED_BY_VALUE}, so govern did not create it"
                            ),
                        });
                    }
                    tracing::info!(address = %on, ou_id = %id, "adopted the OU this apply created");
                    id
                }
                Err(e) => return Err(Error::aws("CreateOrganizationalUnit", on, e)),
            };
            ids.ous.insert(path.clone(), id);
            ids.attachments
                .entry(TargetKey::Ou(path.clone()))
                .or_default()
                .insert(PolicyKey::full_aws_access());
        }
        Change::RenameOu { from, path, id } => {
            org.update_organizational_unit()
                .organizational_unit_id(id)
                .name(path.name())
                .send()
                .await
                .inspect(|o| note(rids, o))
                .map_err(|e| Error::aws("UpdateOrganizationalUnit", &on, e))?;
            // The OU and everything below it go by the new path from here on.
            let re = |p: &OuPath| p.renamed(from, path).unwrap_or_else(|| p.clone());
            ids.ous = std::mem::take(&mut ids.ous)
                .into_iter()
                .map(|(p, i)| (re(&p), i))
                .collect();
            ids.attachments = std::mem::take(&mut ids.attachments)
                .into_iter()
                .map(|(k, v)| match k {
                    TargetKey::Ou(p) => (TargetKey::Ou(re(&p)), v),
                    other => (other, v),
                })
                .collect();
        }
        Change::CreatePolicy { kind, name, after } => {
            let r = org
                .create_policy()
                .name(name.as_str())
                .description(&after.description)
                .content(after.document.minified())
                .r#type(PolicyType::from(kind.api_name()))
                .set_tags(Some(tags(after)))
                .send()
                .await
                .inspect(|o| note(rids, o));
            let id = match r {
                Ok(out) => out
                    .policy()
                    .and_then(|p| p.policy_summary())
                    .and_then(|s| s.id())
                    .map(str::to_string)
                    .ok_or_else(|| {
                        Error::Discovery(format!("{on}: CreatePolicy returned no id"))
                    })?,
                // A retry after a lost answer, or created since the plan: adopt only a policy
                // with what govern sent.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_duplicate_policy_exception()) =>
                {
                    let found = find_policy(org, *kind, name).await?.ok_or_else(|| {
                        Error::Discovery(format!("{on}: AWS says it exists but it cannot be found"))
                    })?;
                    let differs = policy_differs(org, &found, after, &on).await?;
                    if !differs.is_empty() {
                        return Err(Error::CreateConflict {
                            on,
                            found: format!("policy {} has {}", found.id, differs.join(" and ")),
                        });
                    }
                    tracing::info!(address = %on, policy_id = %found.id, "adopted the policy this apply created");
                    found.id
                }
                Err(e) => return Err(Error::aws("CreatePolicy", on, e)),
            };
            ids.policies.insert(PolicyKey::new(*kind, name.clone()), id);
        }
        Change::UpdatePolicy {
            kind,
            name,
            from,
            id,
            before,
            after,
        } => {
            if before.document != after.document
                || before.description != after.description
                || from.is_some()
            {
                // A `[[moved]]` rename sets the name too (idempotent: a retry sets it again).
                org.update_policy()
                    .policy_id(id)
                    .set_name(from.as_ref().map(|_| name.as_str().to_string()))
                    .description(&after.description)
                    .content(after.document.minified())
                    .send()
                    .await
                    .inspect(|o| note(rids, o))
                    .map_err(|e| Error::aws("UpdatePolicy", &on, e))?;
            }
            if let Some(from) = from {
                let old = PolicyKey::new(*kind, from.clone());
                let new = PolicyKey::new(*kind, name.clone());
                if let Some(pid) = ids.policies.remove(&old) {
                    ids.policies.insert(new.clone(), pid);
                }
                for set in ids.attachments.values_mut() {
                    if set.remove(&old) {
                        set.insert(new.clone());
                    }
                }
            }
            let added: Vec<Tag> = tags(after)
                .into_iter()
                .filter(|t| before.tags.get(t.key()).map(String::as_str) != Some(t.value()))
                .collect();
            if !added.is_empty() {
                org.tag_resource()
                    .resource_id(id)
                    .set_tags(Some(added))
                    .send()
                    .await
                    .inspect(|o| note(rids, o))
                    .map_err(|e| Error::aws("TagResource", &on, e))?;
            }
            // Keys a declared `tags` table no longer has (never managed-by: `after` keeps it).
            let removed: Vec<String> = before
                .tags
                .keys()
                .filter(|k| !after.tags.contains_key(*k))
                .cloned()
                .collect();
            untag(org, id, removed, &on, rids).await?;
        }
        Change::SetTags {
            target,
            before,
            after,
        } => {
            let id = target_id(ids, &target_key(ids, target)?)?;
            let added: BTreeMap<String, String> = after
                .iter()
                .filter(|(k, v)| before.get(*k) != Some(*v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !added.is_empty() {
                org.tag_resource()
                    .resource_id(&id)
                    .set_tags(Some(tag_list(&added)))
                    .send()
                    .await
                    .inspect(|o| note(rids, o))
                    .map_err(|e| Error::aws("TagResource", &on, e))?;
            }
            let removed: Vec<String> = before
                .keys()
                .filter(|k| !after.contains_key(*k))
                .cloned()
                .collect();
            untag(org, &id, removed, &on, rids).await?;
        }
        Change::DeletePolicy { kind, name, id, .. } => {
            let r = org
                .delete_policy()
                .policy_id(id)
                .send()
                .await
                .inspect(|o| note(rids, o));
            match r {
                Ok(_) => {}
                // Deleted already: a retry after a lost answer.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_policy_not_found_exception()) => {}
                Err(e) => return Err(Error::aws("DeletePolicy", on, e)),
            }
            ids.policies.remove(&PolicyKey::new(*kind, name.clone()));
        }
        Change::CreateAccount {
            name,
            account_name,
            email,
            parent,
            tags,
        } => {
            let role = clients.members.role();
            let aws_name = account_name.as_deref().unwrap_or(name);
            let id =
                create_account(org, &ids.root, &on, aws_name, email.as_str(), role, tags).await?;
            if let Parent::Ou(_) = parent {
                let dest = parent_id(ids, parent)?;
                // The account exists now: left in the root by one unlucky answer, it would be
                // somewhere org.toml never said. So the move gets more tries than the SDK's.
                let mut tries = 0;
                loop {
                    let r = org
                        .move_account()
                        .account_id(id.as_str())
                        .source_parent_id(&ids.root)
                        .destination_parent_id(&dest)
                        .send()
                        .await
                        .inspect(|o| note(rids, o));
                    match r {
                        Ok(_) => break,
                        // Moved already: the SDK's retry after the first answer was lost.
                        Err(e)
                            if e.as_service_error()
                                .is_some_and(|s| s.is_duplicate_account_exception()) =>
                        {
                            break
                        }
                        Err(e) if tries < MISSED_POLLS && transient(&e) => {
                            tracing::info!(address = %on, tries, error = %DisplayErrorContext(&e), "moving the new account: trying again");
                            tokio::time::sleep(poll_delay(tries)).await;
                            tries += 1;
                        }
                        Err(e) => return Err(Error::aws("MoveAccount", on, e)),
                    }
                }
            }
            ids.attachments
                .entry(TargetKey::Account(id.clone()))
                .or_default()
                .insert(PolicyKey::full_aws_access());
            ids.new_accounts.insert(name.clone(), id.clone());
            // Before its contacts and before verification: the new account's role can be assumed
            // only minutes after SUCCEEDED.
            wait_for_role(clients, &id, &on).await?;
        }
        Change::MoveAccount {
            id, before, after, ..
        } => {
            let r = org
                .move_account()
                .account_id(id.as_str())
                .source_parent_id(parent_id(ids, before)?)
                .destination_parent_id(parent_id(ids, after)?)
                .send()
                .await
                .inspect(|o| note(rids, o));
            match r {
                Ok(_) => {}
                // Moved already (a re-run after a lost answer).
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_duplicate_account_exception()) => {}
                Err(e) => return Err(Error::aws("MoveAccount", on, e)),
            }
        }
        Change::Attach {
            kind,
            policy,
            target,
        } => {
            let key = target_key(ids, target)?;
            let policy = PolicyKey::new(*kind, policy.clone());
            let r = org
                .attach_policy()
                .policy_id(policy_id(ids, &policy)?)
                .target_id(target_id(ids, &key)?)
                .send()
                .await
                .inspect(|o| note(rids, o));
            match r {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_duplicate_policy_attachment_exception()) => {}
                Err(e) => return Err(Error::aws("AttachPolicy", on, e)),
            }
            ids.attachments.entry(key).or_default().insert(policy);
        }
        Change::EnableServiceAccess { service } => {
            org.enable_aws_service_access()
                .service_principal(service)
                .send()
                .await
                .inspect(|o| note(rids, o))
                .map_err(|e| Error::aws("EnableAWSServiceAccess", &on, e))?;
        }
        Change::RootAccess(r) => crate::root_access::write(clients, r, &on).await?,
        Change::RenameAccount(r) => {
            let at = crate::baselines::At {
                clients,
                account: &r.id,
                via_management: false,
            };
            crate::account_name::write(r, &at, &on, rids).await?;
        }
        Change::SecurityAdmin(s) => {
            let id = match &s.account {
                Some(id) => id.clone(),
                None => ids
                    .new_accounts
                    .get(&s.account_name)
                    .cloned()
                    .ok_or_else(|| {
                        Error::Discovery(format!("account {} was not created", s.account_name))
                    })?,
            };
            crate::security::write(clients, s, &id, &on).await?;
        }
        Change::Trail(t) => {
            let id = match &t.account {
                Some(id) => id.clone(),
                None => ids
                    .new_accounts
                    .get(&t.account_name)
                    .cloned()
                    .ok_or_else(|| {
                        Error::Discovery(format!("account {} was not created", t.account_name))
                    })?,
            };
            crate::trail::write(clients, t, &id, &on).await?
        }
        Change::RegisterDelegatedAdmin {
            service,
            account_name,
            account,
        } => {
            let id = match account {
                Some(id) => id.clone(),
                None => ids.new_accounts.get(account_name).cloned().ok_or_else(|| {
                    Error::Discovery(format!("account {account_name} was not created"))
                })?,
            };
            let r = org
                .register_delegated_administrator()
                .account_id(id.as_str())
                .service_principal(service)
                .send()
                .await
                .inspect(|o| note(rids, o));
            match r {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_account_already_registered_exception()) => {}
                Err(e) => return Err(Error::aws("RegisterDelegatedAdministrator", on, e)),
            }
        }
        Change::Member(m) => {
            let id = match m.get().account() {
                AccountRef::Id(id) => id,
                AccountRef::Name(name) => {
                    ids.new_accounts.get(&name).cloned().ok_or_else(|| {
                        Error::Discovery(format!("account {name} was not created"))
                    })?
                }
            };
            let at = crate::baselines::At {
                clients,
                account: &id,
                via_management: ids.via_management.contains(&id),
            };
            crate::baselines::write(m, &at, &on, rids).await?;
        }
        Change::Detach {
            kind,
            policy,
            target,
        } => {
            let key = target_key(ids, target)?;
            let policy = PolicyKey::new(*kind, policy.clone());
            let attached = ids.attachments.get(&key).cloned().unwrap_or_default();
            // The rail: never detach the last SCP, whatever the plan says (AWS refuses it too, the
            // emulator does not). Other kinds may be left with none.
            if kind.needs_one_attached()
                && attached
                    .iter()
                    .filter(|p| p.kind == *kind)
                    .all(|p| *p == policy)
            {
                return Err(Error::Refused {
                    message: format!(
                        "{on}: refusing to detach the last {} from {target}",
                        kind.noun()
                    ),
                    hint: Some(format!(
                        "declare at least one other {} for this target in org.toml",
                        kind.noun()
                    )),
                });
            }
            let r = org
                .detach_policy()
                .policy_id(policy_id(ids, &policy)?)
                .target_id(target_id(ids, &key)?)
                .send()
                .await
                .inspect(|o| note(rids, o));
            match r {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_policy_not_attached_exception()) => {}
                Err(e) => return Err(Error::aws("DetachPolicy", on, e)),
            }
            if let Some(s) = ids.attachments.get_mut(&key) {
                s.remove(&policy);
            }
        }
    }
    Ok(())
}

fn tags(state: &PolicyState) -> Vec<Tag> {
    tag_list(&state.tags)
}

/// `tags` as the SDK's tag list.
fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .expect("key and value are set")
        })
        .collect()
}

async fn find_ou(org: &Client, parent_id: &str, name: &str) -> Result<Option<String>> {
    let ous: Vec<_> = org
        .list_organizational_units_for_parent()
        .parent_id(parent_id)
        .max_results(crate::discover::PAGE_SIZE)
        .into_paginator()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(|e| Error::aws("ListOrganizationalUnitsForParent", parent_id, e))?;
    Ok(ous
        .into_iter()
        .flat_map(|page| page.organizational_units.unwrap_or_default())
        .find(|o| o.name() == Some(name))
        .and_then(|o| o.id().map(str::to_string)))
}

/// A policy found by name: its id and description (ListPolicies gives both).
struct FoundPolicy {
    id: String,
    description: String,
}

async fn find_policy(
    org: &Client,
    kind: PolicyKind,
    name: &PolicyName,
) -> Result<Option<FoundPolicy>> {
    let all: Vec<_> = org
        .list_policies()
        .filter(PolicyType::from(kind.api_name()))
        .max_results(crate::discover::PAGE_SIZE)
        .into_paginator()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(|e| Error::aws("ListPolicies", format!("scp:{name}"), e))?;
    Ok(all
        .into_iter()
        .flat_map(|page| page.policies.unwrap_or_default())
        .find(|p| p.name() == Some(name.as_str()))
        .and_then(|p| {
            Some(FoundPolicy {
                id: p.id()?.to_string(),
                description: p.description().unwrap_or_default().to_string(),
            })
        }))
}

/// How `found` differs from the policy govern would have created (`planned`): its document
/// (compared as JSON, as the planner does) and description; empty when it is govern's own.
async fn policy_differs(
    org: &Client,
    found: &FoundPolicy,
    planned: &PolicyState,
    on: &str,
) -> Result<Vec<String>> {
    let described = org
        .describe_policy()
        .policy_id(&found.id)
        .send()
        .await
        .map_err(|e| Error::aws("DescribePolicy", on, e))?;
    let content = described
        .policy()
        .and_then(|p| p.content())
        .unwrap_or_default();
    let mut differs = Vec::new();
    if PolicyDocument::parse(content).ok().as_ref() != Some(&planned.document) {
        differs.push("another document".to_string());
    }
    if found.description != planned.description {
        differs.push(format!("the description {:?}", found.description));
    }
    Ok(differs)
}

/// UntagResource of `keys` on `id`, when there are any.
async fn untag(
    org: &Client,
    id: &str,
    keys: Vec<String>,
    on: &str,
    rids: &mut Vec<String>,
) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    org.untag_resource()
        .resource_id(id)
        .set_tag_keys(Some(keys))
        .send()
        .await
        .inspect(|o| note(rids, o))
        .map_err(|e| Error::aws("UntagResource", on, e))?;
    Ok(())
}

/// The tags of an Organizations resource (OU, policy, account).
async fn resource_tags(org: &Client, id: &str, on: &str) -> Result<BTreeMap<String, String>> {
    Ok(org
        .list_tags_for_resource()
        .resource_id(id)
        .into_paginator()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(|e| Error::aws("ListTagsForResource", on, e))?
        .into_iter()
        .flat_map(|page| page.tags.unwrap_or_default())
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

/// CreateAccount is asynchronous: start it, then poll DescribeCreateAccountStatus.
async fn create_account(
    org: &Client,
    root_id: &str,
    on: &str,
    name: &str,
    email: &str,
    role: &str,
    tags: &BTreeMap<String, String>,
) -> Result<AccountId> {
    // RoleName: AWS creates this role (trusting the management account) in the new account;
    // without it, OrganizationAccountAccessRole, and a different member_role would never exist.
    let started = org
        .create_account()
        .account_name(name)
        .email(email)
        .role_name(role)
        .set_tags(Some(tag_list(tags)))
        .tags(managed_tag())
        .send()
        .await
        .map_err(|e| Error::aws("CreateAccount", on, e))?;
    let request_id = started
        .create_account_status()
        .and_then(|s| s.id())
        .ok_or_else(|| Error::Discovery(format!("{on}: CreateAccount returned no request id")))?
        .to_string();
    let deadline = Instant::now() + CREATE_ACCOUNT_TIMEOUT;
    // 200 ms at the default 1 s retry base; the fault campaign's 5 ms base makes the polls of its
    // strict layer's IN_PROGRESS answers cost milliseconds, not seconds, per created account.
    let mut wait = crate::aws::initial_backoff() / 5;
    let mut missed = 0;
    loop {
        let r = org
            .describe_create_account_status()
            .create_account_request_id(&request_id)
            .send()
            .await;
        let status = match r {
            Ok(status) => status,
            // The account is being made whatever one poll says. Giving up on a poll AWS did not
            // answer (after the SDK's retries) would leave the account in the root, unmoved: it
            // is a poll missed. The first polls may also answer
            // CreateAccountStatusNotFoundException (eventual consistency; terraform-provider-aws
            // treats it as pending).
            Err(e)
                if missed < MISSED_POLLS
                    && Instant::now() < deadline
                    && (transient(&e)
                        || e.code() == Some("CreateAccountStatusNotFoundException")) =>
            {
                missed += 1;
                tracing::debug!(address = %on, missed, error = %DisplayErrorContext(&e), "CreateAccount status poll missed");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
                continue;
            }
            Err(e) => return Err(Error::aws("DescribeCreateAccountStatus", on, e)),
        };
        let s = status
            .create_account_status()
            .ok_or_else(|| Error::Discovery(format!("{on}: no account status")))?;
        use aws_sdk_organizations::types::CreateAccountFailureReason as Why;
        use aws_sdk_organizations::types::CreateAccountState as S;
        match s.state() {
            // A CreateAccount retried after its answer was lost: the first request made the
            // account, and AWS fails the retry's request on the email. (moto makes a second
            // account; the test proxy models AWS.)
            Some(S::Failed) if s.failure_reason() == Some(&Why::EmailAlreadyExists) => {
                if let Some(id) = adopt_account(org, root_id, on, name, email).await? {
                    return Ok(id);
                }
                return Err(Error::Refused {
                    message: format!("{on}: CreateAccount failed: EMAIL_ALREADY_EXISTS"),
                    hint: Some("the email belongs to another AWS account: declare that account's id, or use another email".into()),
                });
            }
            Some(S::Succeeded) => {
                return AccountId::parse(s.account_id().unwrap_or_default())
                    .map_err(|e| Error::Discovery(format!("{on}: {e}")));
            }
            Some(S::Failed) => {
                let reason = s.failure_reason();
                return Err(Error::Refused {
                    message: format!(
                        "{on}: CreateAccount failed: {}",
                        reason.map(|r| r.as_str()).unwrap_or("no reason given")
                    ),
                    hint: reason.map(failure_hint),
                })
            }
            _ if Instant::now() > deadline => {
                return Err(Error::Refused {
                    message: format!("{on}: CreateAccount request {request_id} still in progress after {} minutes", CREATE_ACCOUNT_TIMEOUT.as_secs() / 60),
                    hint: Some("run govern apply again later: the account will be matched by its email once it exists".into()),
                })
            }
            _ => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// What to do about a CreateAccount FAILED reason (CreateAccountStatus.FailureReason in the
/// Organizations API reference).
fn failure_hint(reason: &aws_sdk_organizations::types::CreateAccountFailureReason) -> String {
    use aws_sdk_organizations::types::CreateAccountFailureReason as Why;
    match reason {
        Why::EmailAlreadyExists => "the email belongs to another AWS account: declare that account's id, or use another email".into(),
        Why::AccountLimitExceeded => "the organization has as many accounts as its quota allows: ask for a higher quota in Service Quotas, or close accounts".into(),
        Why::ConcurrentAccountModification => "another request was changing the organization's accounts at the same time: run govern apply again".into(),
        Why::InvalidEmail => "AWS does not accept the email address: declare another".into(),
        Why::InvalidAddress => "the management account's address is not valid: correct it in the Billing console".into(),
        Why::GovcloudAccountAlreadyExists => "a GovCloud account already exists for this email: use another email".into(),
        Why::InternalFailure => "AWS failed internally: run govern apply again later".into(),
        Why::InvalidPaymentInstrument | Why::MissingPaymentInstrument => "the management account needs a valid payment method: add one in the Billing console".into(),
        Why::FailedBusinessValidation
        | Why::InvalidIdentityForBusinessValidation
        | Why::MissingBusinessValidation
        | Why::PendingBusinessValidatioNv
        | Why::UnknownBusinessValidation => "AWS has not validated the management account's business details: see the Billing console or AWS Support".into(),
        Why::UpdateExistingResourcePolicyWithTagsNotSupported => "tags could not be set on the new account: create it without tags".into(),
        other => format!("AWS's reason {}: see CreateAccountStatus in the Organizations API reference", other.as_str()),
    }
}

/// How many times a new account's role is tried before apply gives up on it (with the delays of
/// [`poll_delay`], about four minutes on AWS).
const ROLE_ATTEMPTS: u32 = 12;

/// The delay before poll `n` (0-based): the session's first retry delay (1 s;
/// GOVERN_RETRY_BASE_MS in tests), doubling, at most 30 s.
pub(crate) fn poll_delay(n: u32) -> Duration {
    (crate::aws::initial_backoff() * 2u32.saturating_pow(n.min(16))).min(Duration::from_secs(30))
}

/// Waits until the member role of the account CreateAccount just made can be assumed: AWS says it
/// may take several minutes after SUCCEEDED. Bounded; each refusal is printed.
async fn wait_for_role(clients: &Clients, id: &AccountId, on: &str) -> Result<()> {
    if clients.members.is_management(id) {
        return Ok(());
    }
    let role = clients.members.role();
    let mut last = String::new();
    for attempt in 0..ROLE_ATTEMPTS {
        match clients.members.config(id).await {
            Ok(_) => return Ok(()),
            Err(why) => {
                eprintln!(
                    "      waiting for role {role} in the new account {id} ({}/{ROLE_ATTEMPTS}): {why}",
                    attempt + 1
                );
                tracing::info!(address = %on, account = %id, attempt, error = %why, "new account's role not assumable yet");
                last = why;
                tokio::time::sleep(poll_delay(attempt)).await;
            }
        }
    }
    Err(Error::Refused {
        message: format!(
            "{on}: account {id} was created, but its role {role} could not be assumed after {ROLE_ATTEMPTS} attempts: {last}"
        ),
        hint: Some(format!(
            "check that role {role} exists in {id} and trusts the management account, then run govern apply again"
        )),
    })
}

/// Polls ListRoots until `kind` reads ENABLED on the root: EnablePolicyType answers while the type
/// is still PENDING_ENABLE, and AttachPolicy is refused until it is enabled. Bounded.
async fn wait_for_policy_type(org: &Client, root: &str, kind: PolicyKind, on: &str) -> Result<()> {
    use aws_sdk_organizations::types::PolicyTypeStatus;
    const POLLS: u32 = 10;
    let mut status = String::from("unknown");
    for n in 0..POLLS {
        let roots = org
            .list_roots()
            .send()
            .await
            .map_err(|e| Error::aws("ListRoots", on, e))?;
        let found = roots
            .roots()
            .iter()
            .filter(|r| r.id() == Some(root))
            .flat_map(|r| r.policy_types())
            .find(|t| t.r#type().map(|t| t.as_str()) == Some(kind.api_name()))
            .and_then(|t| t.status().cloned());
        match found {
            Some(PolicyTypeStatus::Enabled) => return Ok(()),
            other => {
                status = other.map_or("not listed".into(), |s| s.as_str().to_string());
                tracing::info!(address = %on, status = %status, poll = n, "policy type not enabled yet");
                tokio::time::sleep(poll_delay(n)).await;
            }
        }
    }
    Err(Error::Refused {
        message: format!("{on}: the policy type is still {status} after {POLLS} reads of the root"),
        hint: Some("run govern apply again in a few minutes".into()),
    })
}

/// The account govern asked CreateAccount for, when it exists: in the root (where CreateAccount
/// puts it) with this email and name. Another account with the email in the root is a conflict;
/// None when there is none (the email is another AWS account's).
async fn adopt_account(
    org: &Client,
    root_id: &str,
    on: &str,
    name: &str,
    email: &str,
) -> Result<Option<AccountId>> {
    let pages: Vec<_> = org
        .list_accounts_for_parent()
        .parent_id(root_id)
        .max_results(crate::discover::PAGE_SIZE)
        .into_paginator()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(|e| Error::aws("ListAccountsForParent", on, e))?;
    let Some(found) = pages
        .into_iter()
        .flat_map(|page| page.accounts.unwrap_or_default())
        .find(|a| a.email().is_some_and(|e| e.eq_ignore_ascii_case(email)))
    else {
        return Ok(None);
    };
    let id = found.id().unwrap_or_default();
    if found.name() != Some(name) {
        return Err(Error::CreateConflict {
            on: on.to_string(),
            found: format!(
                "account {id} has that email but is named {:?}",
                found.name().unwrap_or_default()
            ),
        });
    }
    tracing::info!(address = %on, account_id = %id, "adopted the account this apply created");
    AccountId::parse(id)
        .map(Some)
        .map_err(|e| Error::Discovery(format!("{on}: {e}")))
}

/// Whether AWS may answer the same request otherwise a moment later: no answer at all (a dropped
/// connection, a timeout), a 5xx, throttling, or one of Organizations' transient errors.
fn transient<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    match e {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(ctx) => {
            ctx.raw().status().is_server_error()
                || matches!(
                    ctx.err().code(),
                    Some("TooManyRequestsException" | "ThrottlingException" | "Throttling")
                )
                || ctx
                    .err()
                    .code()
                    .is_some_and(|c| crate::aws::throttle::ORGANIZATIONS_TRANSIENT.contains(&c))
        }
        _ => false,
    }
}

/// Remembers an AWS answer's request id.
fn note(rids: &mut Vec<String>, out: &impl aws_sdk_organizations::operation::RequestId) {
    if let Some(id) = out.request_id() {
        rids.push(id.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_organizations::types::CreateAccountFailureReason as Why;

    /// Each FAILED reason gets its own hint (before issue 13 every reason got the hint of
    /// EMAIL_ALREADY_EXISTS).
    #[test]
    fn each_create_account_failure_is_named_for_what_it_is() {
        let hint = |w: Why| failure_hint(&w);
        assert!(hint(Why::EmailAlreadyExists).contains("email belongs to another AWS account"));
        assert!(hint(Why::AccountLimitExceeded).contains("quota"));
        assert!(hint(Why::ConcurrentAccountModification).contains("run govern apply again"));
        assert!(hint(Why::MissingPaymentInstrument).contains("payment method"));
        assert!(hint(Why::PendingBusinessValidatioNv).contains("business details"));
        for w in Why::values().iter().map(|v| Why::from(*v)) {
            if w != Why::EmailAlreadyExists {
                assert!(!hint(w.clone()).contains("email belongs"), "{w:?}");
            }
        }
        assert!(hint(Why::from("SOMETHING_NEW")).contains("SOMETHING_NEW"));
    }
}
