//! The generated organization: every fact is a function of the [`Shape`] and an index, so nothing
//! per account is stored (50,000 accounts cost a few bytes of shape, not a map of strings).
//!
//! - Accounts: member `i` (0-based) has id `200000000000 + i`, name `acctNNNNN`, email
//!   `acctNNNNN@example.com`; the management account is [`MANAGEMENT`] (moto's default caller, so
//!   the same org.toml fits both servers). Members are spread round-robin over the OUs (member `i`
//!   in OU `i % ous`), or under the root when there are none.
//! - OUs: numbered breadth-first; with fan-out `f` (the smallest that fits `ous` in `levels`
//!   levels), OU `j < f` is under the root and every other OU `j` is under OU `(j - f) / f`. Its name
//!   is `ouJ`, so its path is its ancestors' names joined by `/`.
//! - SCPs: AWS's own FullAWSAccess (`p-FullAWSAccess`), attached to the root, every OU and every
//!   account as AWS attaches it; and one custom SCP per level, `level0-guard` on the root and
//!   `levelL-guard` on every OU of level L. No tags.
//! - Inside every account: the three alternate contacts; the default Regions enabled; and in each
//!   of the shape's regions `keys` customer-managed symmetric KMS keys (rotation on, 365 days) and
//!   `secrets` secrets (rotating every 30 days).
//! - Drift, from the seed: in about one member account in `drift_every`, each of these is wrong on
//!   its own draw: the security contact's email, the first key of the first region (rotation off),
//!   the first secret of the first region (every 365 days), and af-south-1 opted in.

use crate::responders::DEFAULT_REGIONS;

/// The management account: moto's account for the static `testing` key.
pub const MANAGEMENT: &str = crate::responders::DEFAULT_ACCOUNT;
/// Member account ids start here.
pub const ACCOUNT_BASE: u64 = 200_000_000_000;
pub const ORG_ID: &str = "o-synthetic0";
pub const ROOT_ID: &str = "r-syn0";
pub const FULL_ACCESS_ID: &str = "p-FullAWSAccess";
pub const FULL_ACCESS_CONTENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
/// The opt-in region a drifted account has enabled (outside any sane `allowed_regions`).
pub const DRIFT_REGION: &str = "af-south-1";
/// The declared contacts: (type as the Account API names it, name, title, email, phone).
pub const CONTACTS: [(&str, &str, &str, &str, &str); 3] = [
    (
        "BILLING",
        "Cloud Finance",
        "Billing lead",
        "billing@example.com",
        "+1 555 0102",
    ),
    (
        "OPERATIONS",
        "Platform Operations",
        "Operations lead",
        "operations@example.com",
        "+1 555 0101",
    ),
    (
        "SECURITY",
        "Security Operations",
        "Security lead",
        "security@example.com",
        "+1 555 0100",
    ),
];
/// The security contact's email in a drifted account.
pub const DRIFT_EMAIL: &str = "someone-else@example.com";
pub const ROTATION_DAYS: u32 = 365;
pub const SECRET_DAYS: u32 = 30;
pub const DRIFT_SECRET_DAYS: u32 = 365;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub seed: u64,
    /// Member accounts (the management account comes on top).
    pub accounts: u32,
    pub ous: u32,
    /// OU levels below the root, 1 to 5.
    pub levels: u32,
    /// Where keys and secrets are (each must be enabled by default).
    pub regions: Vec<String>,
    /// KMS keys per account and region.
    pub keys: u32,
    /// Secrets per account and region.
    pub secrets: u32,
    /// About one account in this many has each kind of drift; 0: none.
    pub drift_every: u32,
}

impl Shape {
    /// The largest shape the issue asks for: 50,000 accounts, 2,000 OUs in 5 levels, the 17
    /// default Regions, one key and one secret each.
    pub fn large(accounts: u32) -> Shape {
        Shape {
            seed: 1,
            accounts,
            ous: (accounts / 25).clamp(1, 2_000),
            levels: 5,
            regions: DEFAULT_REGIONS.iter().map(|r| r.to_string()).collect(),
            keys: 1,
            secrets: 1,
            drift_every: 40,
        }
    }
}

/// Which kind of drift a draw is for.
#[derive(Debug, Clone, Copy)]
pub enum Drift {
    Contact = 1,
    Key = 2,
    Secret = 3,
    Region = 4,
}

/// An account of the organization: the management account or member `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Acct {
    Management,
    Member(u32),
}

/// A target of a policy, in the order ListTargetsForPolicy gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Root,
    Ou(u32),
    Account(Acct),
}

/// The generated organization.
#[derive(Debug, Clone)]
pub struct Org {
    pub shape: Shape,
    /// OUs per parent at each level (breadth-first fan-out).
    fanout: u32,
}

pub(crate) fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Org {
    pub fn new(shape: Shape) -> Org {
        assert!(
            (1..=5).contains(&shape.levels),
            "synthetic: 1 to 5 OU levels"
        );
        assert!(
            u64::from(shape.accounts) < 100_000_000_000,
            "synthetic: too many accounts"
        );
        for r in &shape.regions {
            assert!(
                DEFAULT_REGIONS.contains(&r.as_str()),
                "synthetic: {r} is not enabled by default"
            );
        }
        let mut fanout = 1u32;
        loop {
            let fits: u64 = (1..=shape.levels)
                .map(|l| u64::from(fanout).pow(l))
                .sum::<u64>();
            if fits >= u64::from(shape.ous) {
                break;
            }
            fanout += 1;
        }
        Org { shape, fanout }
    }

    // --- accounts -------------------------------------------------------------------------

    pub fn account_id(&self, a: Acct) -> String {
        match a {
            Acct::Management => MANAGEMENT.to_string(),
            Acct::Member(i) => format!("{:012}", ACCOUNT_BASE + u64::from(i)),
        }
    }

    /// The account an id names, if it is in the organization.
    pub fn account_of(&self, id: &str) -> Option<Acct> {
        if id == MANAGEMENT {
            return Some(Acct::Management);
        }
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u64 = id.parse().ok()?;
        let i = n.checked_sub(ACCOUNT_BASE)?;
        (i < u64::from(self.shape.accounts)).then_some(Acct::Member(i as u32))
    }

    pub fn account_name(&self, a: Acct) -> String {
        match a {
            Acct::Management => "management".to_string(),
            Acct::Member(i) => format!("acct{i:05}"),
        }
    }

    pub fn account_email(&self, a: Acct) -> String {
        format!("{}@example.com", self.account_name(a))
    }

    /// The OU a member account is in (None: the root).
    pub fn account_parent(&self, a: Acct) -> Option<u32> {
        match a {
            Acct::Member(i) if self.shape.ous > 0 => Some(i % self.shape.ous),
            _ => None,
        }
    }

    /// The accounts directly under the root (None) or an OU, in order.
    pub fn accounts_under(&self, parent: Option<u32>) -> AccountsUnder {
        AccountsUnder {
            parent,
            ous: self.shape.ous,
            accounts: self.shape.accounts,
        }
    }

    /// Every account, the management account first.
    pub fn all_accounts(&self) -> impl Iterator<Item = Acct> + '_ {
        std::iter::once(Acct::Management).chain((0..self.shape.accounts).map(Acct::Member))
    }

    // --- OUs ------------------------------------------------------------------------------

    pub fn ou_id(&self, j: u32) -> String {
        format!("ou-syn0-{j:08x}")
    }

    pub fn ou_of(&self, id: &str) -> Option<u32> {
        let hex = id.strip_prefix("ou-syn0-")?;
        if hex.len() != 8 {
            return None;
        }
        let j = u32::from_str_radix(hex, 16).ok()?;
        (j < self.shape.ous).then_some(j)
    }

    pub fn ou_name(&self, j: u32) -> String {
        format!("ou{j}")
    }

    pub fn ou_parent(&self, j: u32) -> Option<u32> {
        (j >= self.fanout).then(|| (j - self.fanout) / self.fanout)
    }

    /// 1 for the OUs under the root.
    pub fn ou_level(&self, j: u32) -> u32 {
        let mut level = 1;
        let mut at = j;
        while let Some(p) = self.ou_parent(at) {
            level += 1;
            at = p;
        }
        level
    }

    /// `ou0/ou5/ou30`.
    pub fn ou_path(&self, j: u32) -> String {
        let mut names = vec![self.ou_name(j)];
        let mut at = j;
        while let Some(p) = self.ou_parent(at) {
            names.push(self.ou_name(p));
            at = p;
        }
        names.reverse();
        names.join("/")
    }

    /// The OUs directly under the root (None) or an OU: a contiguous range.
    pub fn ous_under(&self, parent: Option<u32>) -> std::ops::Range<u32> {
        let f = u64::from(self.fanout);
        let start = match parent {
            None => 0,
            Some(p) => f + u64::from(p) * f,
        };
        let end = (start + f).min(u64::from(self.shape.ous));
        let start = start.min(end);
        start as u32..end as u32
    }

    /// The OUs of one level (1-based): a contiguous range in breadth-first order.
    pub fn ous_at_level(&self, level: u32) -> std::ops::Range<u32> {
        let f = u64::from(self.fanout);
        let before: u64 = (1..level).map(|l| f.pow(l)).sum();
        let end = (before + f.pow(level)).min(u64::from(self.shape.ous));
        let start = before.min(end);
        start as u32..end as u32
    }

    // --- policies -------------------------------------------------------------------------

    /// FullAWSAccess (policy 0) and one guard per level (policy `1 + level`, level 0 = the root).
    pub fn policies(&self) -> std::ops::Range<u32> {
        0..self.shape.levels + 2
    }

    pub fn policy_id(&self, p: u32) -> String {
        if p == 0 {
            FULL_ACCESS_ID.to_string()
        } else {
            format!("p-syn0guard{:03}", p - 1)
        }
    }

    pub fn policy_of(&self, id: &str) -> Option<u32> {
        if id == FULL_ACCESS_ID {
            return Some(0);
        }
        let n: u32 = id.strip_prefix("p-syn0guard")?.parse().ok()?;
        (n <= self.shape.levels).then_some(n + 1)
    }

    pub fn policy_name(&self, p: u32) -> String {
        if p == 0 {
            "FullAWSAccess".to_string()
        } else {
            format!("level{}-guard", p - 1)
        }
    }

    pub fn policy_description(&self, p: u32) -> String {
        if p == 0 {
            "Allows access to every operation".to_string()
        } else {
            format!("Guard rails at level {}", p - 1)
        }
    }

    pub fn policy_content(&self, p: u32) -> String {
        if p == 0 {
            return FULL_ACCESS_CONTENT.to_string();
        }
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"GuardLevel{}","Effect":"Deny","Action":["organizations:LeaveOrganization"],"Resource":"*"}}]}}"#,
            p - 1
        )
    }

    /// How many targets policy `p` has.
    pub fn target_count(&self, p: u32) -> u64 {
        match p {
            0 => 1 + u64::from(self.shape.ous) + 1 + u64::from(self.shape.accounts),
            1 => 1,
            _ => self.ous_at_level(p - 1).len() as u64,
        }
    }

    /// Target `t` of policy `p` (t < [`Org::target_count`]).
    pub fn target(&self, p: u32, t: u64) -> Target {
        match p {
            0 => {
                let ous = u64::from(self.shape.ous);
                match t {
                    0 => Target::Root,
                    t if t <= ous => Target::Ou((t - 1) as u32),
                    t if t == ous + 1 => Target::Account(Acct::Management),
                    t => Target::Account(Acct::Member((t - ous - 2) as u32)),
                }
            }
            1 => Target::Root,
            _ => Target::Ou(self.ous_at_level(p - 1).start + t as u32),
        }
    }

    /// The policies attached to a target, for ListPoliciesForTarget.
    pub fn policies_of(&self, target: Target) -> Vec<u32> {
        match target {
            Target::Root => vec![0, 1],
            Target::Ou(j) => vec![0, 1 + self.ou_level(j)],
            Target::Account(_) => vec![0],
        }
    }

    // --- inside accounts ------------------------------------------------------------------

    /// Whether member `a` has drift of `kind` (never the management account).
    pub fn drifted(&self, a: Acct, kind: Drift) -> bool {
        let Acct::Member(i) = a else { return false };
        if self.shape.drift_every == 0 {
            return false;
        }
        let h = splitmix64(splitmix64(self.shape.seed ^ (kind as u64) << 40) ^ u64::from(i));
        h % u64::from(self.shape.drift_every) == 0
    }

    pub fn region_index(&self, region: &str) -> Option<usize> {
        self.shape.regions.iter().position(|r| r == region)
    }

    fn account_code(a: Acct) -> u32 {
        match a {
            Acct::Management => u32::MAX,
            Acct::Member(i) => i,
        }
    }

    /// A UUID-shaped key id that encodes (account, region, key).
    pub fn key_id(&self, a: Acct, region: usize, k: u32) -> String {
        format!(
            "{:08x}-{:04x}-4{:03x}-8000-{:012x}",
            Org::account_code(a),
            region,
            k,
            self.shape.seed & 0xffff_ffff_ffff
        )
    }

    /// (account, region, key) of a key id or ARN, if it is one of ours.
    pub fn key_of(&self, id_or_arn: &str) -> Option<(Acct, usize, u32)> {
        let id = id_or_arn
            .rsplit_once(":key/")
            .map_or(id_or_arn, |(_, id)| id);
        let parts: Vec<&str> = id.split('-').collect();
        if parts.len() != 5 || parts[0].len() != 8 {
            return None;
        }
        let code = u32::from_str_radix(parts[0], 16).ok()?;
        let region = usize::from_str_radix(parts[1], 16).ok()?;
        let k = u32::from_str_radix(parts[2].strip_prefix('4')?, 16).ok()?;
        let a = if code == u32::MAX {
            Acct::Management
        } else if code < self.shape.accounts {
            Acct::Member(code)
        } else {
            return None;
        };
        let ours = region < self.shape.regions.len()
            && k < self.shape.keys
            && self.key_id(a, region, k) == id;
        ours.then_some((a, region, k))
    }

    /// (enabled, period) of a key's rotation.
    pub fn key_rotation(&self, a: Acct, region: usize, k: u32) -> (bool, u32) {
        let off = region == 0 && k == 0 && self.drifted(a, Drift::Key);
        (!off, ROTATION_DAYS)
    }

    pub fn secret_name(&self, s: u32) -> String {
        format!("app/secret{s}")
    }

    /// A secret's ARN (its 6-character suffix fixed, where AWS draws one).
    pub fn secret_arn(&self, a: Acct, region: &str, s: u32) -> String {
        format!(
            "arn:aws:secretsmanager:{region}:{}:secret:{}-Syn{s:03}",
            self.account_id(a),
            self.secret_name(s)
        )
    }

    /// The rotation function of every secret in one account and region.
    pub fn rotation_function(&self, a: Acct, region: &str) -> String {
        format!(
            "arn:aws:lambda:{region}:{}:function:rotator",
            self.account_id(a)
        )
    }

    pub fn secret_days(&self, a: Acct, region: usize, s: u32) -> u32 {
        if region == 0 && s == 0 && self.drifted(a, Drift::Secret) {
            DRIFT_SECRET_DAYS
        } else {
            SECRET_DAYS
        }
    }

    /// The alternate contact of a type (BILLING, OPERATIONS, SECURITY): (name, title, email, phone).
    pub fn contact(&self, a: Acct, kind: &str) -> Option<[String; 4]> {
        let c = CONTACTS.iter().find(|c| c.0 == kind)?;
        let email = if kind == "SECURITY" && self.drifted(a, Drift::Contact) {
            DRIFT_EMAIL
        } else {
            c.3
        };
        Some([
            c.1.to_string(),
            c.2.to_string(),
            email.to_string(),
            c.4.to_string(),
        ])
    }

    /// The opt-in region a drifted account has enabled.
    pub fn opted_in(&self, a: Acct) -> Option<&'static str> {
        self.drifted(a, Drift::Region).then_some(DRIFT_REGION)
    }
}

impl Org {
    /// Writes into `dir` an org.toml (and its `scp/` documents) that declares this organization as
    /// generated, with `allowed_regions` = the shape's regions, the three contacts, KMS rotation
    /// of 365 days and secrets rotating at most every 90 days: its plan is the drift alone.
    /// Returns the org.toml's path.
    pub fn write_config(&self, dir: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
        use std::fmt::Write as _;
        std::fs::create_dir_all(dir.join("scp"))?;
        let mut t = String::with_capacity(200 + 90 * self.shape.accounts as usize);
        let _ = writeln!(
            t,
            "# Written by the synthetic server (govern-testkit).\n[organization]"
        );
        let _ = writeln!(t, "management_account = \"{MANAGEMENT}\"");
        let _ = writeln!(
            t,
            "home_region = \"us-east-1\"\nmember_role = \"OrganizationAccountAccessRole\""
        );
        let _ = writeln!(
            t,
            "allowed_regions = [\"{}\"]\n",
            self.shape.regions.join("\", \"")
        );
        for (kind, name, title, email, phone) in CONTACTS {
            let _ = writeln!(
                t,
                "[contacts.{}]\nname = \"{name}\"\ntitle = \"{title}\"\nemail = \"{email}\"\nphone = \"{phone}\"",
                kind.to_ascii_lowercase()
            );
        }
        let _ = writeln!(
            t,
            "\n[key_rotation]\nkms_rotation_period_days = {ROTATION_DAYS}\nsecret_max_rotation_days = 90\n"
        );
        for p in self.policies().skip(1) {
            let name = self.policy_name(p);
            std::fs::write(
                dir.join("scp").join(format!("{name}.json")),
                self.policy_content(p),
            )?;
            let _ = writeln!(
                t,
                "[policies.{name}]\nfile = \"scp/{name}.json\"\ndescription = \"{}\"",
                self.policy_description(p)
            );
        }
        let _ = writeln!(
            t,
            "\n[root]\npolicies = [\"FullAWSAccess\", \"{}\"]",
            self.policy_name(1)
        );
        for j in 0..self.shape.ous {
            let _ = writeln!(
                t,
                "[ous.\"{}\"]\npolicies = [\"FullAWSAccess\", \"{}\"]",
                self.ou_path(j),
                self.policy_name(1 + self.ou_level(j))
            );
        }
        for i in 0..self.shape.accounts {
            let a = Acct::Member(i);
            let _ = write!(
                t,
                "[accounts.{}]\nemail = \"{}\"\n",
                self.account_name(a),
                self.account_email(a)
            );
            if let Some(j) = self.account_parent(a) {
                let _ = writeln!(t, "ou = \"{}\"", self.ou_path(j));
            }
        }
        let path = dir.join("org.toml");
        std::fs::write(&path, t)?;
        Ok(path)
    }
}

/// The member accounts under one parent: `i ≡ parent (mod ous)`, or all under the root when the
/// organization has no OUs.
#[derive(Debug, Clone, Copy)]
pub struct AccountsUnder {
    parent: Option<u32>,
    ous: u32,
    accounts: u32,
}

impl AccountsUnder {
    /// How many, the management account included under the root.
    pub fn len(&self) -> u64 {
        match (self.parent, self.ous) {
            (None, 0) => 1 + u64::from(self.accounts),
            (None, _) => 1,
            (Some(p), ous) => u64::from(self.accounts.saturating_sub(p)).div_ceil(u64::from(ous)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `n`th.
    pub fn get(&self, n: u64) -> Acct {
        match (self.parent, self.ous) {
            (None, _) if n == 0 => Acct::Management,
            (None, _) => Acct::Member((n - 1) as u32),
            (Some(p), ous) => Acct::Member(p + (n as u32) * ous),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(accounts: u32, ous: u32, levels: u32) -> Org {
        Org::new(Shape {
            accounts,
            ous,
            levels,
            ..Shape::large(accounts)
        })
    }

    #[test]
    fn the_ou_tree_has_every_ou_once_within_its_levels() {
        let o = org(50_000, 2_000, 5);
        let mut seen = vec![0u32; 2_000];
        let mut stack = vec![None];
        while let Some(parent) = stack.pop() {
            for j in o.ous_under(parent) {
                seen[j as usize] += 1;
                assert_eq!(o.ou_parent(j), parent);
                assert!(o.ou_level(j) <= 5);
                stack.push(Some(j));
            }
        }
        assert!(seen.iter().all(|&n| n == 1));
        let by_level: u32 = (1..=5).map(|l| o.ous_at_level(l).len() as u32).sum();
        assert_eq!(by_level, 2_000);
        assert!(!o.ous_at_level(5).is_empty(), "five levels are used");
    }

    #[test]
    fn every_account_is_under_exactly_one_parent() {
        let o = org(1_003, 7, 2);
        let mut seen = std::collections::BTreeSet::new();
        for parent in std::iter::once(None).chain((0..7).map(Some)) {
            let under = o.accounts_under(parent);
            for n in 0..under.len() {
                let a = under.get(n);
                assert!(seen.insert(a));
                assert_eq!(o.account_parent(a), parent);
            }
        }
        assert_eq!(seen.len(), 1_004);
    }

    #[test]
    fn ids_read_back() {
        let o = org(100, 10, 3);
        for a in o.all_accounts() {
            assert_eq!(o.account_of(&o.account_id(a)), Some(a));
            let id = o.key_id(a, 1, 0);
            assert_eq!(o.key_of(&id), Some((a, 1, 0)));
            assert_eq!(
                o.key_of(&format!(
                    "arn:aws:kms:eu-west-1:{}:key/{id}",
                    o.account_id(a)
                )),
                Some((a, 1, 0))
            );
        }
        assert_eq!(o.account_of("200000000100"), None);
        for j in 0..10 {
            assert_eq!(o.ou_of(&o.ou_id(j)), Some(j));
        }
        for p in o.policies() {
            assert_eq!(o.policy_of(&o.policy_id(p)), Some(p));
        }
        let full: u64 = o.target_count(0);
        assert_eq!(full, 1 + 10 + 101);
    }
}
