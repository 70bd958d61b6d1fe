//! `--shard I/N`: a deterministic partition of the account-level work, so N jobs (N CI runners)
//! split an organization's member accounts between them. Account `id` belongs to shard
//! `id mod N + 1` (account ids are 12 random-looking digits, so shards come out even); everything
//! organization-wide (OUs, SCPs, attachments, accounts to create, trusted access, unmanaged and
//! conflicts) belongs to shard 1. Each shard still reads the organization itself (a few requests per
//! 20 accounts); only member-account reads and changes are split.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::AccountId;

use super::{address_account, Plan};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub count: u32,
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

    fn owns_address(&self, address: &str) -> bool {
        match address_account(address).and_then(|id| AccountId::parse(id).ok()) {
            Some(id) => self.owns(&id),
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
        plan
    }
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
        let one = Shard { index: 1, count: 1 };
        assert!(one.owns(&AccountId::parse("123456789012").unwrap()));
    }
}
