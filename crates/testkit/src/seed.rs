//! Builds organizations in the emulator through the SDK. Test helpers: every SDK error panics with
//! the operation and the error's full context.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_organizations::types::{CreateAccountState, OrganizationFeatureSet, PolicyType};
use aws_sdk_organizations::Client;

use crate::sdk_error;

/// An organization under construction: the management account's client and the root's id.
#[derive(Debug, Clone)]
pub struct Seeder {
    pub org: Client,
    pub root_id: String,
}

impl Seeder {
    /// CreateOrganization (all features), then ListRoots.
    pub async fn new(cfg: &SdkConfig) -> Seeder {
        let org = Client::new(cfg);
        org.create_organization()
            .feature_set(OrganizationFeatureSet::All)
            .send()
            .await
            .unwrap_or_else(|e| panic!("seed: CreateOrganization failed: {}", sdk_error(&e)));
        let roots = org
            .list_roots()
            .send()
            .await
            .unwrap_or_else(|e| panic!("seed: ListRoots failed: {}", sdk_error(&e)));
        let root_id = roots
            .roots()
            .first()
            .and_then(|r| r.id())
            .unwrap_or_else(|| panic!("seed: ListRoots returned no root: {roots:?}"))
            .to_string();
        Seeder { org, root_id }
    }

    /// Creates every missing segment of `"A/B/C"` under the root and returns the leaf OU's id. An
    /// existing OU of the same name under the same parent is reused.
    pub async fn ou(&self, path: &str) -> String {
        let mut parent = self.root_id.clone();
        for name in path.split('/') {
            assert!(!name.is_empty(), "seed: empty segment in OU path {path:?}");
            parent = match self.child_ou(&parent, name).await {
                Some(id) => id,
                None => self
                    .org
                    .create_organizational_unit()
                    .parent_id(&parent)
                    .name(name)
                    .send()
                    .await
                    .unwrap_or_else(|e| {
                        panic!(
                            "seed: CreateOrganizationalUnit {name:?} under {parent} failed: {}",
                            sdk_error(&e)
                        )
                    })
                    .organizational_unit()
                    .and_then(|ou| ou.id())
                    .unwrap_or_else(|| {
                        panic!("seed: CreateOrganizationalUnit {name:?} returned no id")
                    })
                    .to_string(),
            };
        }
        parent
    }

    async fn child_ou(&self, parent: &str, name: &str) -> Option<String> {
        let mut pages = self
            .org
            .list_organizational_units_for_parent()
            .parent_id(parent)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.unwrap_or_else(|e| {
                panic!(
                    "seed: ListOrganizationalUnitsForParent {parent} failed: {}",
                    sdk_error(&e)
                )
            });
            if let Some(ou) = page
                .organizational_units()
                .iter()
                .find(|ou| ou.name() == Some(name))
            {
                return ou.id().map(str::to_string);
            }
        }
        None
    }

    /// CreateAccount, polled until SUCCEEDED, then moved into `ou_path` (created if missing) when
    /// given. Returns the account id.
    pub async fn account(&self, name: &str, email: &str, ou_path: Option<&str>) -> String {
        let created = self
            .org
            .create_account()
            .account_name(name)
            .email(email)
            .send()
            .await
            .unwrap_or_else(|e| panic!("seed: CreateAccount {name:?} failed: {}", sdk_error(&e)));
        let request_id = created
            .create_account_status()
            .and_then(|s| s.id())
            .unwrap_or_else(|| panic!("seed: CreateAccount {name:?} returned no request id"))
            .to_string();
        let account_id = self.wait_created(name, &request_id).await;
        if let Some(path) = ou_path {
            let destination = self.ou(path).await;
            let source = self.parent_of(&account_id).await;
            if source != destination {
                self.org
                    .move_account()
                    .account_id(&account_id)
                    .source_parent_id(&source)
                    .destination_parent_id(&destination)
                    .send()
                    .await
                    .unwrap_or_else(|e| {
                        panic!(
                            "seed: MoveAccount {name:?} ({account_id}) {source} -> {destination} failed: {}",
                            sdk_error(&e)
                        )
                    });
            }
        }
        account_id
    }

    async fn wait_created(&self, name: &str, request_id: &str) -> String {
        for _ in 0..300 {
            let out = self
                .org
                .describe_create_account_status()
                .create_account_request_id(request_id)
                .send()
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "seed: DescribeCreateAccountStatus {request_id} ({name:?}) failed: {}",
                        sdk_error(&e)
                    )
                });
            let status = out
                .create_account_status()
                .unwrap_or_else(|| panic!("seed: DescribeCreateAccountStatus returned no status"));
            match status.state() {
                Some(CreateAccountState::Succeeded) => {
                    return status
                        .account_id()
                        .unwrap_or_else(|| panic!("seed: account {name:?} SUCCEEDED without an id"))
                        .to_string()
                }
                Some(CreateAccountState::Failed) => panic!(
                    "seed: CreateAccount {name:?} FAILED: {:?}",
                    status.failure_reason()
                ),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        panic!("seed: CreateAccount {name:?} did not succeed within 30 s")
    }

    async fn parent_of(&self, child_id: &str) -> String {
        let out = self
            .org
            .list_parents()
            .child_id(child_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("seed: ListParents {child_id} failed: {}", sdk_error(&e)));
        out.parents()
            .first()
            .and_then(|p| p.id())
            .unwrap_or_else(|| panic!("seed: ListParents {child_id} returned no parent"))
            .to_string()
    }

    /// CreatePolicy (SERVICE_CONTROL_POLICY); the document is sent exactly as given. Returns its id.
    pub async fn policy(&self, name: &str, document: &str, description: &str) -> String {
        self.org
            .create_policy()
            .name(name)
            .content(document)
            .description(description)
            .r#type(PolicyType::ServiceControlPolicy)
            .send()
            .await
            .unwrap_or_else(|e| panic!("seed: CreatePolicy {name:?} failed: {}", sdk_error(&e)))
            .policy()
            .and_then(|p| p.policy_summary())
            .and_then(|s| s.id())
            .unwrap_or_else(|| panic!("seed: CreatePolicy {name:?} returned no id"))
            .to_string()
    }

    pub async fn attach(&self, policy_id: &str, target_id: &str) {
        self.org
            .attach_policy()
            .policy_id(policy_id)
            .target_id(target_id)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "seed: AttachPolicy {policy_id} -> {target_id} failed: {}",
                    sdk_error(&e)
                )
            });
    }

    pub async fn detach(&self, policy_id: &str, target_id: &str) {
        self.org
            .detach_policy()
            .policy_id(policy_id)
            .target_id(target_id)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "seed: DetachPolicy {policy_id} from {target_id} failed: {}",
                    sdk_error(&e)
                )
            });
    }
}

// ---------------------------------------------------------------------------------------------
// Bulk seeding (the benchmark's large organizations)

impl Seeder {
    /// Creates every OU in `paths` (`"A"`, `"A/B"`, …; a parent must be listed before or be the
    /// root) with no lookups, one tree level at a time and up to `concurrency` requests at once.
    /// Returns `(path, id)` in the order given.
    pub async fn ous_bulk(&self, paths: &[String], concurrency: usize) -> Vec<(String, String)> {
        let mut ids: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        let depth = |p: &String| p.matches('/').count();
        let max_depth = paths.iter().map(depth).max().unwrap_or(0);
        for level in 0..=max_depth {
            let todo: Vec<(String, String, String)> = paths
                .iter()
                .filter(|p| depth(p) == level)
                .map(|p| {
                    let (parent, name) = match p.rsplit_once('/') {
                        Some((parent, name)) => (
                            ids.get(parent).cloned().unwrap_or_else(|| {
                                panic!("seed: OU {p:?} is listed before its parent")
                            }),
                            name.to_string(),
                        ),
                        None => (self.root_id.clone(), p.clone()),
                    };
                    (p.clone(), parent, name)
                })
                .collect();
            let made = bounded(todo, concurrency, |(path, parent, name)| {
                let org = self.org.clone();
                async move {
                    let id = org
                        .create_organizational_unit()
                        .parent_id(&parent)
                        .name(&name)
                        .send()
                        .await
                        .unwrap_or_else(|e| {
                            panic!(
                                "seed: CreateOrganizationalUnit {path:?} failed: {}",
                                sdk_error(&e)
                            )
                        })
                        .organizational_unit()
                        .and_then(|ou| ou.id())
                        .unwrap_or_else(|| {
                            panic!("seed: CreateOrganizationalUnit {path:?} returned no id")
                        })
                        .to_string();
                    (path, id)
                }
            })
            .await;
            ids.extend(made);
        }
        paths.iter().map(|p| (p.clone(), ids[p].clone())).collect()
    }

    /// CreateAccount for each `(name, email, parent id)`, polled until SUCCEEDED, then MoveAccount
    /// from the root to the parent when that is not the root; no lookups, up to `concurrency`
    /// accounts at once. Returns the account ids in the order given.
    pub async fn accounts_bulk(
        &self,
        specs: &[(String, String, String)],
        concurrency: usize,
    ) -> Vec<String> {
        bounded(specs.to_vec(), concurrency, |(name, email, parent)| {
            let seeder = self.clone();
            async move {
                let created = seeder
                    .org
                    .create_account()
                    .account_name(&name)
                    .email(&email)
                    .send()
                    .await
                    .unwrap_or_else(|e| {
                        panic!("seed: CreateAccount {name:?} failed: {}", sdk_error(&e))
                    });
                let request_id = created
                    .create_account_status()
                    .and_then(|s| s.id())
                    .unwrap_or_else(|| {
                        panic!("seed: CreateAccount {name:?} returned no request id")
                    })
                    .to_string();
                let id = seeder.wait_created(&name, &request_id).await;
                if parent != seeder.root_id {
                    seeder
                        .org
                        .move_account()
                        .account_id(&id)
                        .source_parent_id(&seeder.root_id)
                        .destination_parent_id(&parent)
                        .send()
                        .await
                        .unwrap_or_else(|e| {
                            panic!(
                                "seed: MoveAccount {name:?} ({id}) -> {parent} failed: {}",
                                sdk_error(&e)
                            )
                        });
                }
                id
            }
        })
        .await
    }
}

/// Runs `work` on every item with at most `concurrency` in flight (each on the runtime, so a
/// multi-threaded runtime spreads them); results in the order of `items`. A panic in one is
/// raised again here.
pub async fn bounded<T, R, F, Fut>(items: Vec<T>, concurrency: usize, work: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = R> + Send + 'static,
{
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut handles = Vec::with_capacity(items.len());
    for item in items {
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let fut = work(item);
        handles.push(tokio::spawn(async move {
            let out = fut.await;
            drop(permit);
            out
        }));
    }
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        match handle.await {
            Ok(r) => out.push(r),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("seed: a task was cancelled: {e}"),
        }
    }
    out
}

/// The brownfield organization the demo (and a test) start from. Against the sample `org.toml` at
/// the repository root it differs in exactly these ways:
///
/// - OUs `Security` and `Workloads` exist; `Workloads/Prod` and `Workloads/Dev` are missing; an extra
///   OU `Sandbox` (not in the file).
/// - `log-archive` (aws+log-archive@example.com) sits directly under the root (the file says
///   `Security`); `prod-app` (aws+prod-app@example.com) sits in `Workloads` (the file says
///   `Workloads/Prod`); `audit` and `dev-app` do not exist; an extra account `legacy-tools`
///   (aws+legacy-tools@example.com) sits in `Sandbox`.
/// - SCP `deny-leave-org` exists, attached nowhere; its document denies
///   `organizations:LeaveOrganization` *and* `account:CloseAccount` and its description is `old`.
///   The file's other SCPs (`deny-root-user`, `protect-logging`, `region-deny`) and their attachments
///   do not exist.
/// - A custom SCP `legacy-deny-s3` (not in the file) is attached to `Security` besides `FullAWSAccess`.
/// - The SERVICE_CONTROL_POLICY type is not enabled on the root (moto starts that way and does not
///   enforce it for attachments).
///
/// `FullAWSAccess` stays attached wherever AWS (and moto) attach it: root, every OU and account.
pub async fn demo_brownfield(cfg: &SdkConfig) -> Seeder {
    let seeder = Seeder::new(cfg).await;
    let security = seeder.ou("Security").await;
    seeder.ou("Workloads").await;
    seeder.ou("Sandbox").await;

    seeder
        .account("log-archive", "aws+log-archive@example.com", None)
        .await;
    seeder
        .account("prod-app", "aws+prod-app@example.com", Some("Workloads"))
        .await;
    seeder
        .account(
            "legacy-tools",
            "aws+legacy-tools@example.com",
            Some("Sandbox"),
        )
        .await;

    seeder
        .policy("deny-leave-org", DEMO_DENY_LEAVE_ORG_DRIFTED, "old")
        .await;

    let legacy = seeder
        .policy(
            "legacy-deny-s3",
            DEMO_LEGACY_DENY_S3,
            "Deny deleting S3 buckets (left over from the old landing zone)",
        )
        .await;
    seeder.attach(&legacy, &security).await;
    seeder
}

/// The drifted `deny-leave-org` document of [`demo_brownfield`].
pub const DEMO_DENY_LEAVE_ORG_DRIFTED: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyLeaveOrganization","Effect":"Deny","Action":["organizations:LeaveOrganization","account:CloseAccount"],"Resource":"*"}]}"#;

/// The document of the extra `legacy-deny-s3` policy of [`demo_brownfield`].
pub const DEMO_LEGACY_DENY_S3: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["s3:DeleteBucket"],"Resource":"*"}]}"#;
