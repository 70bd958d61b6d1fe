//! One address for everything govern plans, reports or evidences: the same string in the plan's
//! text and JSON, the journal, saved-plan fingerprints, findings, drift and evidence rows, and the
//! one `--target` matches against (Terraform's `internal/addrs`, for an organization).
//!
//! `Display` and `FromStr` are each other's inverse; serde goes through them, so JSON carries the
//! string. Every address kind is a variant: code that matches on an address handles them all.
//!
//! | address | what |
//! |---|---|
//! | `root` | the organization's root (as a policy target) |
//! | `root:policy-type/SERVICE_CONTROL_POLICY` | a policy type enabled on the root |
//! | `ou:Workloads/Prod` | an OU, by path |
//! | `scp:deny-leave-org` | a policy, by kind and name |
//! | `attach:scp:deny-leave-org→ou:Security` | a policy attached to a target |
//! | `account:111122223333`, `account:prod-app` | an account, by id, or by name before it exists |
//! | `account:111122223333/parent` | where an account sits |
//! | `account:111122223333/contact:security`, `…/contacts` | alternate contacts |
//! | `account:111122223333/region:af-south-1`, `…/regions` | opt-in regions |
//! | `account:111122223333/scp:region-deny` | a policy in force for an account (evidence) |
//! | `kms:111122223333/eu-west-1/<key-id>`, `kms:111122223333` | KMS keys |
//! | `secret:111122223333/us-east-1/<name>`, `secret:111122223333` | secrets |
//! | `org:service-access/<principal>`, `org:delegated-admin/<principal>` | trusted access, delegation |
//! | `tags:ou:Workloads/Prod`, `tags:account:111122223333` | the tags of an OU or an account |

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{AccountId, ContactType, IdError, OuPath, PolicyKind, PolicyName};

/// An account as an address names it: by id once it exists, by its name in org.toml before.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountRef {
    Id(AccountId),
    Name(String),
}

impl AccountRef {
    pub fn id(&self) -> Option<&AccountId> {
        match self {
            AccountRef::Id(id) => Some(id),
            AccountRef::Name(_) => None,
        }
    }
    /// An id when the string is one (12 digits), else a name.
    fn parse(s: &str) -> AccountRef {
        match AccountId::parse(s) {
            Ok(id) => AccountRef::Id(id),
            Err(_) => AccountRef::Name(s.to_string()),
        }
    }
}

impl fmt::Display for AccountRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountRef::Id(id) => write!(f, "{id}"),
            AccountRef::Name(name) => f.write_str(name),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Address {
    Root,
    PolicyType(PolicyKind),
    Ou(OuPath),
    Policy {
        kind: PolicyKind,
        name: PolicyName,
    },
    /// `target` is `Root`, `Ou` or `Account`.
    Attachment {
        kind: PolicyKind,
        policy: PolicyName,
        target: Box<Address>,
    },
    Account(AccountRef),
    AccountParent(AccountId),
    Contact {
        account: AccountRef,
        contact_type: ContactType,
    },
    /// All of an account's contacts (an exemption covers them together).
    Contacts(AccountId),
    Region {
        account: AccountId,
        region: String,
    },
    Regions(AccountId),
    /// A policy in force for an account, wherever it is attached (an evidence row).
    InForce {
        account: AccountId,
        kind: PolicyKind,
        policy: PolicyName,
    },
    Key {
        account: AccountId,
        region: String,
        key_id: String,
    },
    Keys(AccountId),
    Secret {
        account: AccountId,
        region: String,
        name: String,
    },
    Secrets(AccountId),
    ServiceAccess(String),
    DelegatedAdmin(String),
    /// A centralized root access feature: `org:root-access/credentials-management`.
    RootAccess(super::RootFeature),
    /// A security service's administrator, in a Region for a regional service:
    /// `org:security-admin/guardduty/us-east-1`, `org:security-admin/access-analyzer`; with
    /// `former`, an administrator that is not the declared one, which a plan removes
    /// (`org:security-admin/guardduty/us-east-1/former/222222222222`).
    SecurityAdmin {
        service: super::SecurityService,
        region: Option<String>,
        former: Option<AccountId>,
    },
    /// A property of the organization trail, its bucket or key: `org:trail/versioning`.
    Trail(super::TrailPart),
    /// The tags of an OU or an account (`tags:` before the target's address).
    Tags(Box<Address>),
    /// What an evidence row is about when org.toml declares nothing of a capability: `org`,
    /// `kms`, `secret`, `logging`.
    Capability(&'static str),
}

/// The names [`Address::Capability`] takes.
const CAPABILITIES: [&str; 4] = ["org", "kms", "secret", "logging"];

const ARROW: char = '\u{2192}';

impl Address {
    pub fn account(id: &AccountId) -> Address {
        Address::Account(AccountRef::Id(id.clone()))
    }

    /// The account this address is inside of, when it names one by id: its baselines, its parent,
    /// its keys and secrets (an account the plan creates has no id yet: None).
    /// The account this address is inside of or attached to: [`Address::account_id`], and an
    /// attachment's account target.
    pub fn account_in(&self) -> Option<&AccountId> {
        match self {
            Address::Attachment { target, .. } | Address::Tags(target) => target.account_id(),
            other => other.account_id(),
        }
    }

    pub fn account_id(&self) -> Option<&AccountId> {
        match self {
            Address::Account(a) | Address::Contact { account: a, .. } => a.id(),
            Address::AccountParent(id)
            | Address::Contacts(id)
            | Address::Regions(id)
            | Address::Keys(id)
            | Address::Secrets(id)
            | Address::Region { account: id, .. }
            | Address::InForce { account: id, .. }
            | Address::Key { account: id, .. }
            | Address::Secret { account: id, .. } => Some(id),
            Address::Root
            | Address::PolicyType(_)
            | Address::Ou(_)
            | Address::Policy { .. }
            | Address::Attachment { .. }
            | Address::ServiceAccess(_)
            | Address::DelegatedAdmin(_)
            | Address::RootAccess(_)
            | Address::SecurityAdmin { .. }
            | Address::Trail(_)
            | Address::Tags(_)
            | Address::Capability(_) => None,
        }
    }

    /// Whether `other` is this address or lies under it (`account:1…` contains
    /// `account:1…/contact:security`; `ou:Workloads` contains `ou:Workloads/Prod`).
    pub fn contains(&self, other: &Address) -> bool {
        let (me, them) = (self.to_string(), other.to_string());
        them == me || them.starts_with(&format!("{me}/"))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Root => f.write_str("root"),
            Address::PolicyType(kind) => write!(f, "root:policy-type/{}", kind.api_name()),
            Address::Ou(path) => write!(f, "ou:{path}"),
            Address::Policy { kind, name } => write!(f, "{}:{name}", kind.prefix()),
            Address::Attachment {
                kind,
                policy,
                target,
            } => write!(f, "attach:{}:{policy}{ARROW}{target}", kind.prefix()),
            Address::Account(a) => write!(f, "account:{a}"),
            Address::AccountParent(id) => write!(f, "account:{id}/parent"),
            Address::Contact {
                account,
                contact_type,
            } => write!(f, "account:{account}/contact:{contact_type}"),
            Address::Contacts(id) => write!(f, "account:{id}/contacts"),
            Address::Region { account, region } => write!(f, "account:{account}/region:{region}"),
            Address::Regions(id) => write!(f, "account:{id}/regions"),
            Address::InForce {
                account,
                kind,
                policy,
            } => write!(f, "account:{account}/{}:{policy}", kind.prefix()),
            Address::Key {
                account,
                region,
                key_id,
            } => write!(f, "kms:{account}/{region}/{key_id}"),
            Address::Keys(id) => write!(f, "kms:{id}"),
            Address::Secret {
                account,
                region,
                name,
            } => write!(f, "secret:{account}/{region}/{name}"),
            Address::Secrets(id) => write!(f, "secret:{id}"),
            Address::ServiceAccess(s) => write!(f, "org:service-access/{s}"),
            Address::DelegatedAdmin(s) => write!(f, "org:delegated-admin/{s}"),
            Address::RootAccess(feature) => write!(f, "org:root-access/{}", feature.slug()),
            Address::SecurityAdmin {
                service,
                region,
                former,
            } => {
                write!(f, "org:security-admin/{}", service.key())?;
                if let Some(r) = region {
                    write!(f, "/{r}")?;
                }
                match former {
                    Some(id) => write!(f, "/former/{id}"),
                    None => Ok(()),
                }
            }
            Address::Trail(part) => write!(f, "org:trail/{}", part.slug()),
            Address::Tags(target) => write!(f, "tags:{target}"),
            Address::Capability(name) => f.write_str(name),
        }
    }
}

impl FromStr for Address {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Address, IdError> {
        let bad = || IdError(format!("`{s}` is not a govern address"));
        let id = |x: &str| AccountId::parse(x).map_err(|_| bad());
        let policy = |x: &str| PolicyName::parse(x).map_err(|_| bad());
        if s == "root" {
            return Ok(Address::Root);
        }
        if let Some(name) = CAPABILITIES.iter().find(|c| **c == s) {
            return Ok(Address::Capability(name));
        }
        let (head, rest) = s.split_once(':').ok_or_else(bad)?;
        match head {
            "root" => {
                let name = rest.strip_prefix("policy-type/").ok_or_else(bad)?;
                PolicyKind::from_api_name(name)
                    .map(Address::PolicyType)
                    .ok_or_else(bad)
            }
            "ou" => OuPath::parse(rest).map(Address::Ou).map_err(|_| bad()),
            "tags" => match rest.parse()? {
                target @ (Address::Ou(_) | Address::Account(_)) => {
                    Ok(Address::Tags(Box::new(target)))
                }
                _ => Err(bad()),
            },
            "attach" => {
                let (prefix, rest) = rest.split_once(':').ok_or_else(bad)?;
                let kind = PolicyKind::from_prefix(prefix).ok_or_else(bad)?;
                let (name, target) = rest.split_once(ARROW).ok_or_else(bad)?;
                let target: Address = target.parse()?;
                match target {
                    Address::Root | Address::Ou(_) | Address::Account(_) => {}
                    _ => return Err(bad()),
                }
                Ok(Address::Attachment {
                    kind,
                    policy: policy(name)?,
                    target: Box::new(target),
                })
            }
            "account" => {
                let Some((account, sub)) = rest.split_once('/') else {
                    return Ok(Address::Account(AccountRef::parse(rest)));
                };
                if let Some(t) = sub.strip_prefix("contact:") {
                    let contact_type = ContactType::ALL
                        .into_iter()
                        .find(|c| c.key() == t)
                        .ok_or_else(bad)?;
                    return Ok(Address::Contact {
                        account: AccountRef::parse(account),
                        contact_type,
                    });
                }
                let account = id(account)?;
                if let Some(region) = sub.strip_prefix("region:") {
                    return Ok(Address::Region {
                        account,
                        region: region.to_string(),
                    });
                }
                match sub {
                    "parent" => Ok(Address::AccountParent(account)),
                    "contacts" => Ok(Address::Contacts(account)),
                    "regions" => Ok(Address::Regions(account)),
                    _ => {
                        let (prefix, name) = sub.split_once(':').ok_or_else(bad)?;
                        Ok(Address::InForce {
                            account,
                            kind: PolicyKind::from_prefix(prefix).ok_or_else(bad)?,
                            policy: policy(name)?,
                        })
                    }
                }
            }
            "kms" | "secret" => {
                let mut parts = rest.splitn(3, '/');
                let account = id(parts.next().unwrap_or_default())?;
                match (parts.next(), parts.next()) {
                    (None, _) if head == "kms" => Ok(Address::Keys(account)),
                    (None, _) => Ok(Address::Secrets(account)),
                    (Some(region), Some(last)) if !last.is_empty() => {
                        let region = region.to_string();
                        Ok(if head == "kms" {
                            Address::Key {
                                account,
                                region,
                                key_id: last.to_string(),
                            }
                        } else {
                            Address::Secret {
                                account,
                                region,
                                name: last.to_string(),
                            }
                        })
                    }
                    _ => Err(bad()),
                }
            }
            "org" => {
                if let Some(s) = rest.strip_prefix("service-access/") {
                    Ok(Address::ServiceAccess(s.to_string()))
                } else if let Some(s) = rest.strip_prefix("delegated-admin/") {
                    Ok(Address::DelegatedAdmin(s.to_string()))
                } else if let Some(s) = rest.strip_prefix("security-admin/") {
                    let (s, former) = match s.split_once("/former/") {
                        Some((head, id)) => (head, Some(AccountId::parse(id).map_err(|_| bad())?)),
                        None => (s, None),
                    };
                    let (key, region) = match s.split_once('/') {
                        Some((k, r)) if !r.is_empty() && !r.contains('/') => {
                            (k, Some(r.to_string()))
                        }
                        Some(_) => return Err(bad()),
                        None => (s, None),
                    };
                    super::SecurityService::from_key(key)
                        .map(|service| Address::SecurityAdmin {
                            service,
                            region,
                            former,
                        })
                        .ok_or_else(bad)
                } else if let Some(s) = rest.strip_prefix("root-access/") {
                    super::RootFeature::from_slug(s)
                        .map(Address::RootAccess)
                        .ok_or_else(bad)
                } else if let Some(s) = rest.strip_prefix("trail/") {
                    super::TrailPart::from_slug(s)
                        .map(Address::Trail)
                        .ok_or_else(bad)
                } else {
                    Err(bad())
                }
            }
            prefix => {
                let kind = PolicyKind::from_prefix(prefix).ok_or_else(bad)?;
                Ok(Address::Policy {
                    kind,
                    name: policy(rest)?,
                })
            }
        }
    }
}

/// An address equals the text it displays as (tests and messages compare with literals). The text
/// has to be rendered to compare, hence the allocation clippy would rather not see.
#[allow(clippy::cmp_owned)]
impl PartialEq<str> for Address {
    fn eq(&self, other: &str) -> bool {
        self.to_string() == other
    }
}
#[allow(clippy::cmp_owned)]
impl PartialEq<&str> for Address {
    fn eq(&self, other: &&str) -> bool {
        self.to_string() == *other
    }
}
#[allow(clippy::cmp_owned)]
impl PartialEq<String> for Address {
    fn eq(&self, other: &String) -> bool {
        self.to_string() == *other
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_address_reads_back_as_itself() {
        let id = "111122223333";
        for s in [
            "root".to_string(),
            "root:policy-type/SERVICE_CONTROL_POLICY".into(),
            "ou:Workloads/Prod".into(),
            "scp:deny-leave-org".into(),
            "attach:scp:deny-leave-org\u{2192}root".into(),
            "attach:scp:deny-leave-org\u{2192}ou:Security".into(),
            format!("attach:scp:FullAWSAccess\u{2192}account:{id}"),
            "attach:scp:region-deny\u{2192}account:prod-app".into(),
            "tags:ou:Workloads/Prod".into(),
            format!("tags:account:{id}"),
            "tags:account:prod-app".into(),
            format!("account:{id}"),
            "account:prod-app".into(),
            format!("account:{id}/parent"),
            format!("account:{id}/contact:security"),
            "account:prod-app/contact:billing".into(),
            format!("account:{id}/contacts"),
            format!("account:{id}/region:af-south-1"),
            format!("account:{id}/regions"),
            format!("account:{id}/scp:region-deny"),
            format!("kms:{id}/eu-west-1/1234abcd-12ab-34cd-56ef-1234567890ab"),
            format!("kms:{id}"),
            format!("secret:{id}/us-east-1/prod/db/password"),
            format!("secret:{id}"),
            "org:service-access/cloudtrail.amazonaws.com".into(),
            "org:delegated-admin/config-multiaccountsetup.amazonaws.com".into(),
            "kms".into(),
            "org".into(),
        ] {
            let a: Address = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(a.to_string(), s);
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(serde_json::from_str::<Address>(&json).unwrap(), a);
        }
    }

    #[test]
    fn what_is_not_an_address() {
        for s in [
            "",
            "nope",
            "ou:",
            "kms:12",
            "kms:111122223333/eu-west-1",
            "account:111122223333/contact:pager",
            "attach:scp:x\u{2192}scp:y",
            "org:other/x",
            "root:policy-type/NOT_A_TYPE",
        ] {
            assert!(s.parse::<Address>().is_err(), "{s}");
        }
    }

    #[test]
    fn an_account_contains_what_is_inside_it() {
        let a: Address = "account:111122223333".parse().unwrap();
        let c: Address = "account:111122223333/contact:security".parse().unwrap();
        let ou: Address = "ou:Workloads".parse().unwrap();
        let prod: Address = "ou:Workloads/Prod".parse().unwrap();
        assert!(a.contains(&c) && !c.contains(&a));
        assert!(ou.contains(&prod) && ou.contains(&ou));
        assert_eq!(c.account_id().map(|i| i.as_str()), Some("111122223333"));
    }
}
