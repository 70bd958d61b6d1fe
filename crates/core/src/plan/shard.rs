//! `--shard I/N`: a deterministic partition of the account-level work, so N jobs (N CI runners)
//! split an organization's member accounts between them. Account `id` belongs to shard
//! `id mod N + 1` (account ids are 12 random-looking digits, so shards come out even); everything
//! organization-wide (OUs, SCPs, attachments, accounts to create, trusted access, unmanaged and
//! conflicts) belongs to shard 1. Each shard needs the whole organization (read by itself, or for
//! drift from one snapshot all shards share: crate::snapshot); only member-account reads and
//! changes are split. One organization-wide quota reaches into the accounts: AWS's 50 Region
//! opt-in changes in progress per organization, which each shard keeps to its share of.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::AccountId;

use super::Plan;
use crate::model::Address;

/// Shard `index` of `count`, 1 ≤ index ≤ count: checked wherever one is made, also when read from a
/// file (a saved plan, a drift report, a bundle), so that `owns` never divides by zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "RawShard")]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

/// A shard as a file spells it, before it is checked.
#[derive(Deserialize)]
struct RawShard {
    index: u32,
    count: u32,
}

impl TryFrom<RawShard> for Shard {
    type Error = String;
    fn try_from(raw: RawShard) -> Result<Shard, String> {
        format!("{}/{}", raw.index, raw.count).parse()
    }
}

impl Shard {
    /// Whether this shard reads and plans `account`'s baselines.
    pub fn owns(&self, account: &AccountId) -> bool {
        let n: u64 = account.as_str().parse().unwrap_or(0);
        n % u64::from(self.count) == u64::from(self.index - 1)
    }

    /// Whether this shard carries the organization-wide part of the plan.
    pub fn is_first(&self) -> bool {
        self.index == 1
    }

    fn owns_address(&self, address: &Address) -> bool {
        match address.account_id() {
            Some(id) => self.owns(id),
            None => self.is_first(),
        }
    }

    /// This shard's part of `plan`.
    pub fn narrow(&self, mut plan: Plan) -> Plan {
        plan.changes.retain(|c| self.owns_address(&c.address));
        plan.findings.retain(|f| self.owns_address(&f.address));
        if !self.is_first() {
            plan.unmanaged.clear();
            plan.conflicts.clear();
        }
        self.keep_region_share(&mut plan);
        plan
    }

    /// This shard's share of AWS's Region opt-in changes in progress per organization: ⌊50 / N⌋,
    /// one more for the first 50 mod N shards (past 50 shards, some get none).
    pub fn region_share(&self) -> usize {
        let quota = crate::baselines::regions::ORGANIZATION_QUOTA;
        let n = self.count as usize;
        quota / n + usize::from(((self.index - 1) as usize) < quota % n)
    }

    /// The plan keeps to the organization's quota over the accounts it read, and a shard reads
    /// only its own: N shards planning 50 each would start N × 50, and AWS refuses past 50. So a
    /// shard plans its share (the first in account and Region order, as the plan orders them) and
    /// defers the rest with the plan's own finding. Changes already in progress in other shards'
    /// accounts are not known here; with the share, the shards together stay within the quota
    /// for what they start.
    fn keep_region_share(&self, plan: &mut Plan) {
        use crate::baselines::MemberChange;
        use crate::plan::Change;
        let share = self.region_share();
        let mut kept = 0;
        let mut deferred = Vec::new();
        plan.changes.retain(|c| {
            if !matches!(c.change, Change::Member(MemberChange::DisableRegion(_))) {
                return true;
            }
            kept += 1;
            if kept <= share {
                return true;
            }
            deferred.push(crate::baselines::regions::deferred_by_organization(
                c.address.clone(),
                Some((&self.to_string(), share)),
            ));
            false
        });
        plan.findings.extend(deferred);
    }
}

/// Why some runs' outputs are not the N shards of one run, each once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    #[error("{part} records shard {shard}, which is not I/N with 1 ≤ I ≤ N")]
    Invalid { part: String, shard: Shard },
    #[error("{part} is shard {shard}, {first} is of {count} shards")]
    OtherCount {
        part: String,
        shard: Shard,
        first: String,
        count: u32,
    },
    #[error("{part} and {other} are both shard {shard}")]
    Repeated {
        part: String,
        other: String,
        shard: Shard,
    },
    #[error("shard(s) {0} missing")]
    Missing(String),
}

/// Checks that `parts` (a name for messages, its shard) are shards 1 to N of N, each once, N being
/// the first part's count; returns N. What `drift merge` and `evidence merge` check before merging.
pub fn check_set<'a>(parts: impl IntoIterator<Item = (&'a str, Shard)>) -> Result<u32, SetError> {
    let mut first: Option<(&str, u32)> = None;
    let mut seen: Vec<Option<&str>> = Vec::new();
    for (part, shard) in parts {
        if shard.index == 0 || shard.index > shard.count {
            return Err(SetError::Invalid {
                part: part.to_string(),
                shard,
            });
        }
        let (first_part, count) = *first.get_or_insert((part, shard.count));
        if seen.is_empty() {
            seen = vec![None; count as usize];
        }
        if shard.count != count {
            return Err(SetError::OtherCount {
                part: part.to_string(),
                shard,
                first: first_part.to_string(),
                count,
            });
        }
        if let Some(other) = seen[(shard.index - 1) as usize].replace(part) {
            return Err(SetError::Repeated {
                part: part.to_string(),
                other: other.to_string(),
                shard,
            });
        }
    }
    let count = first.map_or(0, |(_, n)| n);
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(i, _)| format!("{}/{count}", i + 1))
        .collect();
    if !missing.is_empty() {
        return Err(SetError::Missing(missing.join(", ")));
    }
    Ok(count)
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("--shard {s:?}: expected I/N with 1 ≤ I ≤ N, e.g. 2/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shards come from files too (saved plans, drift reports, bundles): an impossible one is
    /// refused when read, never divided by.
    #[test]
    fn an_impossible_shard_does_not_deserialize() {
        for bad in [
            r#"{"index":0,"count":0}"#,
            r#"{"index":3,"count":2}"#,
            r#"{"index":0,"count":4}"#,
        ] {
            assert!(serde_json::from_str::<Shard>(bad).is_err(), "{bad}");
        }
        let ok: Shard = serde_json::from_str(r#"{"index":2,"count":4}"#).unwrap();
        assert_eq!(ok.to_string(), "2/4");
        assert_eq!(
            serde_json::to_string(&ok).unwrap(),
            r#"{"index":2,"count":4}"#
        );
    }

    #[test]
    fn parses_and_partitions() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "1/0", "a/b", "3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        // Every account is in exactly one shard.
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        for n in [111111111111u64, 123456789012, 999999999999, 100000000002] {
            let id = AccountId::parse(&n.to_string()).unwrap();
            assert_eq!(shards.iter().filter(|s| s.owns(&id)).count(), 1, "{n}");
        }
        let set = |parts: &[(&'static str, u32, u32)]| {
            check_set(
                parts
                    .iter()
                    .map(|&(p, index, count)| (p, Shard { index, count })),
            )
            .map_err(|e| e.to_string())
        };
        assert_eq!(set(&[("b", 2, 2), ("a", 1, 2)]), Ok(2));
        assert_eq!(set(&[("a", 1, 3)]), Err("shard(s) 2/3, 3/3 missing".into()));
        assert_eq!(
            set(&[("a", 1, 2), ("b", 1, 2)]),
            Err("b and a are both shard 1/2".into())
        );
        assert_eq!(
            set(&[("a", 1, 2), ("b", 2, 3)]),
            Err("b is shard 2/3, a is of 2 shards".into())
        );
        assert!(set(&[("a", 0, 2)]).unwrap_err().contains("not I/N"));
        assert!(set(&[("a", 3, 2)]).unwrap_err().contains("not I/N"));
        let one = Shard { index: 1, count: 1 };
        assert!(one.owns(&AccountId::parse("123456789012").unwrap()));
    }

    /// AWS runs at most 50 Region opt-in changes per organization; shards that each planned 50
    /// would start N × 50. Together they plan at most 50, each its share, and defer the rest.
    #[test]
    fn shards_share_the_organizations_region_quota() {
        use crate::baselines::{regions::DisableRegion, MemberChange};
        use crate::plan::{Change, PlannedChange};
        let quota = crate::baselines::regions::ORGANIZATION_QUOTA;
        for n in [1u32, 3, 4, 16, 64] {
            let shards: Vec<Shard> = (1..=n).map(|index| Shard { index, count: n }).collect();
            assert_eq!(
                shards.iter().map(Shard::region_share).sum::<usize>(),
                quota,
                "{n} shards"
            );
            // 40 Region changes in each shard's accounts: more than any share.
            let mut planned = 0;
            for shard in &shards {
                let changes = (0..40u64)
                    .map(|k| {
                        // A multiple of N, so that `+ index - 1` is owned by this shard.
                        let base = (100_000_000_000 / u64::from(n) + 1) * u64::from(n);
                        let id = base + k * u64::from(n) + u64::from(shard.index - 1);
                        let change = Change::Member(MemberChange::DisableRegion(DisableRegion {
                            account: AccountId::parse(&id.to_string()).unwrap(),
                            region: "af-south-1".into(),
                        }));
                        PlannedChange {
                            address: change.address(),
                            action: change.action(),
                            depends_on: vec![],
                            change,
                        }
                    })
                    .collect();
                let plan = Plan {
                    format_version: 1,
                    changes,
                    unmanaged: vec![],
                    conflicts: vec![],
                    findings: vec![],
                    account_names: Default::default(),
                };
                let part = shard.narrow(plan);
                assert_eq!(part.changes.len(), shard.region_share().min(40), "{shard}");
                assert_eq!(part.changes.len() + part.findings.len(), 40, "{shard}");
                assert!(part.findings.iter().all(|f| f.message.contains("share")));
                planned += part.changes.len();
            }
            assert!(planned <= quota, "{n} shards planned {planned}");
        }
    }
}
