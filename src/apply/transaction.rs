//! One apply, around the executor: the organization's lock, the journal of every step, progress on
//! stdout, Ctrl-C, then verification with a fresh read (Terraform's rule: the result must equal the
//! plan) and the record of a success that `govern drift` relies on.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use super::interrupt::Interrupt;
use super::journal::{Event, Journal};
use super::lock::{Break, Lock};
use super::{ConfigDigest, LastApply, Outcome};
use crate::aws::Clients;
use crate::config::Loaded;
use crate::connect::Reader;
use crate::error::{Error, Result};
use crate::model::{AccountId, Actual, Address};
use crate::plan::Plan;

/// Where one apply keeps its state and how it reads AWS again.
pub struct Transaction<'a> {
    /// org.toml, for the record's config digest.
    pub config: &'a Path,
    /// Journals and the last-apply record.
    pub state_dir: &'a Path,
    pub reader: Reader<'a>,
}

/// Runs the plan's changes, printing and journaling each; fails when any change failed or apply
/// was interrupted. Returns how many ran.
///
/// The organization's lock is taken first and given back whatever happened. What became of the
/// lock never changes the apply's own result (the caller goes on to verify and record a success):
/// a lock that could not be given back, or that another process broke meanwhile, is a warning.
pub async fn execute(
    tx: &Transaction<'_>,
    clients: &Clients,
    plan: &Plan,
    actual: &Actual,
    breaking: &Break,
) -> Result<usize> {
    let me = crate::apply::lock::Holder::this_run(clients.members.caller_arn());
    let lock = crate::apply::lock::acquire(&clients.org, me, breaking).await?;
    let mut gate = Keeper {
        lock,
        org: &clients.org,
        lost: None,
    };
    let result = execute_locked(tx, clients, plan, actual, &mut gate).await;
    let Keeper { lock, lost, .. } = gate;
    let expires = lock.expires();
    // Release whatever happened; a lock left behind would block the next apply for an hour.
    let released = lock.release(&clients.org).await;
    match released.warning(expires) {
        // A lost lock was the apply's own error already.
        Some(_) if lost.is_some() => {}
        Some(warning) => {
            tracing::warn!(lock = ?released, "apply lock not released cleanly");
            eprintln!("{warning}");
        }
        None => {}
    }
    result
}

/// The executor's gate during a transaction (asked after Ctrl-C): the organization's lock, kept
/// (confirmed, and refreshed as it ages) before every change.
struct Keeper<'a> {
    lock: Lock,
    org: &'a aws_sdk_organizations::Client,
    /// Why the lock was lost, once it was.
    lost: Option<String>,
}

impl super::Gate for Keeper<'_> {
    async fn before_launch(&mut self) -> std::result::Result<(), String> {
        self.lock.keep(self.org).await.inspect_err(|why| {
            tracing::warn!(%why, "apply lock lost");
            self.lost = Some(why.clone());
        })
    }
}

async fn execute_locked(
    tx: &Transaction<'_>,
    clients: &Clients,
    plan: &Plan,
    actual: &Actual,
    gate: &mut Keeper<'_>,
) -> Result<usize> {
    let mut journal = Journal::open(tx.state_dir, &crate::plan::plan_id(plan))?;
    let journal_path = journal.path().display().to_string();
    println!("\nJournal: {journal_path}");
    let interrupt = Interrupt::install();
    let total = plan.changes.len();
    let report = super::apply_with(
        clients,
        plan,
        actual,
        || interrupt.requested(),
        gate,
        |c, done| {
            let mut out = std::io::stdout().lock();
            let event = match done {
                None => {
                    let _ = write!(out, "  {} {} … ", c.action.symbol(), c.address);
                    (Event::Started, None, &[][..])
                }
                Some((Outcome::Done, took, rids)) => {
                    let _ = writeln!(out, "done ({:.1}s)", took.as_secs_f64());
                    (Event::Finished, None, rids)
                }
                Some((Outcome::Failed(why), _, rids)) => {
                    let _ = writeln!(out, "FAILED\n      {why}");
                    (Event::Failed, Some(why.as_str()), rids)
                }
                Some((Outcome::Skipped { because }, _, _)) => {
                    let _ = writeln!(
                        out,
                        "  ! {} not attempted: it depends on {because}",
                        c.address
                    );
                    (Event::Skipped, Some(because.as_str()), &[][..])
                }
                Some((Outcome::NotStarted { why }, _, _)) => {
                    (Event::Skipped, Some(why.as_str()), &[][..])
                }
            };
            let _ = out.flush();
            journal
                .record(&c.address.to_string(), event.0, event.1, event.2)
                .map_err(|e| e.to_string())
        },
    )
    .await;
    drop(interrupt);
    let failed = report.count(|o| matches!(o, Outcome::Failed(_)));
    let skipped = report.count(|o| matches!(o, Outcome::Skipped { .. }));
    if let (Some(why), Some(_)) = (report.halted(), &gate.lost) {
        return Err(Error::LockLost {
            why: why.to_string(),
            done: report.count(|o| *o == Outcome::Done),
            failed,
            not_started: report.count(|o| !matches!(o, Outcome::Done | Outcome::Failed(_))),
            total,
            journal: journal_path,
        });
    }
    if let Some(why) = report.halted() {
        return Err(Error::Interrupted {
            why: why.to_string(),
            done: report.count(|o| *o == Outcome::Done),
            failed,
            not_started: report.count(|o| !matches!(o, Outcome::Done | Outcome::Failed(_))),
            total,
            journal: journal_path,
        });
    }
    if failed > 0 {
        return Err(Error::ApplyFailed {
            failed,
            skipped,
            total,
        });
    }
    Ok(total)
}

/// Reads of the organization apply's verification makes at most, when what it wrote does not read
/// back yet: AWS is eventually consistent (Organizations, KMS and Secrets Manager may answer the old
/// value right after a write), so a change still planned is read again, with growing delays
/// (`poll_delay`: about a minute in all on AWS), before it is called inconsistent.
pub const VERIFY_READS: u32 = 6;

/// Terraform's rule: after a write, the result must equal what was planned. A fresh plan must not
/// list any address in `touched` (every address, when None). When it is empty, the organization
/// matches the config: that is recorded for `govern drift`.
///
/// `known` holds every address the plan before apply listed (targeted or not): what is left of them
/// outside `touched` was left out on purpose. Any other difference appeared since the plan (someone
/// changed the organization meanwhile, or an account became readable): apply reports it and returns
/// [`exit::DIFFERENCES`](crate::exit::DIFFERENCES), so that CI notices; else [`exit::OK`](crate::exit::OK).
pub async fn verify(
    tx: &Transaction<'_>,
    clients: &Clients,
    loaded: &Loaded,
    total: usize,
    touched: Option<&BTreeSet<Address>>,
    unread: &BTreeSet<AccountId>,
    known: &BTreeSet<Address>,
) -> Result<u8> {
    let mut read = 0;
    // After the first read, only the accounts of changes not visible yet are read again.
    let mut previous: Option<(Actual, BTreeSet<AccountId>)> = None;
    let (after, again, others) = loop {
        read += 1;
        let after = match &previous {
            None => crate::connect::again(clients, &tx.reader, &loaded.desired).await?,
            Some((before, accounts)) => {
                crate::connect::again_only(clients, &tx.reader, &loaded.desired, before, accounts)
                    .await?
            }
        };
        let again = crate::plan::plan(&loaded.desired, &after);
        let again = match tx.reader.shard {
            Some(s) => s.narrow(again),
            None => again,
        };
        // A change in an account the plan could not read is newly visible, not a failure to
        // converge (e.g. contacts readable from the management account once this apply enabled
        // trusted access).
        let (left, others): (Vec<Address>, Vec<Address>) = again
            .changes
            .iter()
            .map(|c| c.address.clone())
            .partition(|a| {
                touched.is_none_or(|t| t.contains(a))
                    && !a.account_id().is_some_and(|id| unread.contains(id))
            });
        if left.is_empty() {
            break (after, again, others);
        }
        if read >= VERIFY_READS {
            return Err(Error::Inconsistent(format!(
                "{} change(s) still planned after {read} reads: {}",
                left.len(),
                join(&left.iter().collect::<Vec<_>>())
            )));
        }
        println!(
            "  {} change(s) not visible yet (AWS is eventually consistent), reading again ({read}/{VERIFY_READS}): {}",
            left.len(),
            join(&left.iter().collect::<Vec<_>>())
        );
        let accounts = left
            .iter()
            .filter_map(|a| a.account_id().cloned())
            .collect();
        previous = Some((after, accounts));
        tokio::time::sleep(super::poll_delay(read - 1)).await;
    };
    print!("\nApply complete: {total} change(s) made; ");
    if let Some(e) = Error::incomplete(&again) {
        println!("some accounts could not be read to verify it.");
        return Err(e);
    }
    let (left_out, appeared): (Vec<&Address>, Vec<&Address>) =
        others.iter().partition(|a| known.contains(*a));
    if others.is_empty() {
        println!("the organization matches org.toml.");
        record_success(tx, loaded, &after)?;
        return Ok(crate::exit::OK);
    }
    if appeared.is_empty() {
        println!(
            "{} change(s) outside the target remain ({}): run `govern plan`.",
            left_out.len(),
            join(&left_out)
        );
        return Ok(crate::exit::OK);
    }
    println!(
        "{} other difference(s) appeared since the plan was made ({}): the organization does not \
         match org.toml; run `govern plan` (exit code {}).",
        appeared.len(),
        join(&appeared),
        crate::exit::DIFFERENCES
    );
    Ok(crate::exit::DIFFERENCES)
}

/// The accounts that could not be read.
pub fn unread(actual: &Actual) -> BTreeSet<AccountId> {
    actual
        .members
        .iter()
        .filter(|(_, m)| matches!(m, crate::model::Member::Failed { .. }))
        .map(|(id, _)| id.clone())
        .collect()
}

/// Records that the organization matches these config files now, so `govern drift` can tell drift
/// (the cloud moved since) from pending (the files changed since).
pub fn record_success(tx: &Transaction<'_>, loaded: &Loaded, actual: &Actual) -> Result<()> {
    let digest = ConfigDigest::of(tx.config, &loaded.files)?;
    let record = LastApply::new(&actual.organization_id, digest);
    super::record::write(tx.state_dir, &record)?;
    Ok(())
}

fn join(addresses: &[&Address]) -> String {
    addresses
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
