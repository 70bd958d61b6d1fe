//! The meaning of org.toml: identifiers, references, duplicates and limits, turning the raw file into
//! [`Desired`]. Every problem is reported; `Desired` is built only when there are none.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::policies::{self, Regions};
use super::problems::{key_path, Problems, Source};
use super::raw::{Entry, List, RawFile, RawLimits, RawOrganization, Sp};
use crate::model::{
    AccountId, Desired, DesiredAccount, DesiredOu, Email, KindLimits, Limits, OuPath, Parent,
    PolicyKind, PolicyName, Region,
};

pub const DEFAULT_MEMBER_ROLE: &str = "OrganizationAccountAccessRole";
/// CreateAccount accepts account names of 1 to 50 characters.
pub const MAX_ACCOUNT_NAME: usize = 50;

struct Organization {
    management_account: Option<AccountId>,
    home_region: Option<Region>,
    member_role: String,
    external_id: Option<String>,
    allowed_regions: Regions,
}

pub(crate) fn validate(
    src: &Source,
    raw: &RawFile,
    options: super::load::Options,
    problems: &mut Problems,
    files: &mut Vec<PathBuf>,
) -> Option<Desired> {
    let org = organization(src, raw.organization.as_ref(), problems);
    let limits = limits(src, &raw.limits, problems);
    let dir = src.path.parent().unwrap_or(Path::new(""));
    let cx = policies::Context {
        src,
        dir,
        limits: &limits,
        allowed_regions: &org.allowed_regions,
        member_role: &org.member_role,
        allow_outside: options.allow_outside,
    };
    let declared = policies::declare(&cx, &raw.policies, problems, files);
    let lists = Lists {
        src,
        declared: &declared.names,
        limits: &limits,
    };

    let root_policies = raw.root.as_ref().and_then(|root| {
        let list = root.body.policies.as_ref()?;
        lists.check(list, &["root", "policies"], problems)
    });
    let ous = ous(src, &raw.ous, &lists, problems);
    let accounts = accounts(src, &raw.accounts, &ous, &lists, problems);
    let baselines = super::baselines::baselines(src, raw, &org.allowed_regions, problems);
    let (moved, moved_ous) = moved(src, &raw.moved, &declared.names, &ous, problems);

    if !problems.is_empty() {
        return None;
    }
    let allowed_regions = match org.allowed_regions {
        Regions::Valid(regions) => regions,
        // Absent: no restriction declared (Invalid always comes with a problem).
        Regions::Absent | Regions::Invalid => Vec::new(),
    };
    Some(Desired {
        management_account: org.management_account?,
        home_region: org.home_region?,
        allowed_regions,
        member_role: org.member_role,
        external_id: org.external_id,
        limits,
        policies: declared.policies,
        root_policies,
        ous: ous
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect(),
        accounts: accounts.into_iter().flatten().collect(),
        baselines,
        moved,
        moved_ous,
    })
}

/// `[[moved]]`: `from` and `to` are policy addresses of one kind (`scp:old`, `tag:new`), `to` is
/// declared under [policies] with that kind, `from` is not, and no policy moves twice.
fn moved(
    src: &Source,
    raw: &[Sp<super::raw::RawMoved>],
    declared: &[(String, PolicyKind)],
    ous: &BTreeMap<OuPath, Option<DesiredOu>>,
    problems: &mut Problems,
) -> (Vec<crate::model::Moved>, Vec<crate::model::MovedOu>) {
    let mut out: Vec<crate::model::Moved> = Vec::new();
    let mut out_ous: Vec<crate::model::MovedOu> = Vec::new();
    let help = "`from` and `to` are policy addresses like \"scp:old-name\" and \"scp:new-name\": the type's prefix (scp, rcp, tag, backup, …) and the policy's name; or OU addresses like \"ou:Workloads/Old\" and \"ou:Workloads/New\"";
    for m in raw {
        let (Some(from), Some(to)) = (&m.value.from, &m.value.to) else {
            continue; // reported while reading
        };
        let ou = |v: &Sp<String>| match v.value.parse::<crate::model::Address>() {
            Ok(crate::model::Address::Ou(p)) => Some(p),
            _ => None,
        };
        match (ou(from), ou(to)) {
            (Some(old), Some(new)) => {
                if let Some(p) = moved_ou(src, m, &old, &new, ous, &out_ous) {
                    problems.push(p);
                } else {
                    out_ous.push(crate::model::MovedOu { from: old, to: new });
                }
                continue;
            }
            (Some(_), None) | (None, Some(_)) => {
                let (v, key) = if ou(from).is_some() {
                    (to, "to")
                } else {
                    (from, "from")
                };
                problems.push(
                    src.problem(
                        &v.span,
                        &key_path(&["moved", key]),
                        format!("`{}` is not an OU address: `from` and `to` are both OUs or both policies", v.value),
                    )
                    .with_help(help),
                );
                continue;
            }
            (None, None) => {}
        }
        let parse = |v: &Sp<String>, key: &str, problems: &mut Problems| match v
            .value
            .parse::<crate::model::Address>(
        ) {
            Ok(crate::model::Address::Policy { kind, name }) => Some((kind, name)),
            _ => {
                problems.push(
                    src.problem(
                        &v.span,
                        &key_path(&["moved", key]),
                        format!("`{}` is not a policy address", v.value),
                    )
                    .with_help(help),
                );
                None
            }
        };
        let (Some((kind, old)), Some((to_kind, new))) =
            (parse(from, "from", problems), parse(to, "to", problems))
        else {
            continue;
        };
        if kind != to_kind {
            problems.push(
                src.problem(
                    &to.span,
                    "moved.to",
                    format!(
                        "{} {} cannot become {} {}: `from` and `to` are of one policy type",
                        super::policy_file::article(kind.noun()),
                        kind.noun(),
                        super::policy_file::article(to_kind.noun()),
                        to_kind.noun()
                    ),
                )
                .with_help(
                    "a rename keeps the policy: declare a new policy of the other type instead",
                ),
            );
            continue;
        }
        if !declared
            .iter()
            .any(|(n, k)| n == new.as_str() && *k == kind)
        {
            problems.push(
                src.problem(
                    &to.span,
                    "moved.to",
                    format!(
                        "no {} named `{new}` is declared under [policies]",
                        kind.noun()
                    ),
                )
                .with_help(
                    "`to` is the policy's new name, declared under [policies] with its `kind`",
                ),
            );
            continue;
        }
        if declared
            .iter()
            .any(|(n, k)| n == old.as_str() && *k == kind)
        {
            problems.push(
                src.problem(&from.span, "moved.from", format!(
                    "`{old}` is still declared under [policies]: a moved policy has only its new name"
                ))
                .with_help("remove [policies.<old name>], or remove this [[moved]]"),
            );
            continue;
        }
        if out
            .iter()
            .any(|o| o.kind == kind && (o.from == old || o.to == new))
        {
            problems.push(
                src.problem(
                    &m.span,
                    "moved",
                    format!("`{old}` or `{new}` is in an earlier [[moved]]"),
                )
                .with_help("each policy moves once"),
            );
            continue;
        }
        out.push(crate::model::Moved {
            kind,
            from: old,
            to: new,
        });
    }
    (out, out_ous)
}

/// An OU `[[moved]]`: UpdateOrganizationalUnit renames and never moves, so `to` has the parent of
/// `from`; `to` is declared under [ous] and `from` is not (nor implied by a deeper path); each OU
/// moves once. The problem, if any.
fn moved_ou(
    src: &Source,
    m: &Sp<super::raw::RawMoved>,
    old: &OuPath,
    new: &OuPath,
    ous: &BTreeMap<OuPath, Option<DesiredOu>>,
    earlier: &[crate::model::MovedOu],
) -> Option<super::error::Problem> {
    let (from, to) = (m.value.from.as_ref()?, m.value.to.as_ref()?);
    if old.parent() != new.parent() {
        return Some(
            src.problem(
                &to.span,
                "moved.to",
                format!("`ou:{new}` is not under the parent of `ou:{old}`: an OU rename keeps its parent"),
            )
            .with_help("UpdateOrganizationalUnit changes only the name; to put accounts elsewhere, change their `ou`"),
        );
    }
    if !ous.contains_key(new) {
        return Some(
            src.problem(
                &to.span,
                "moved.to",
                format!("no OU `{new}` is declared under [ous]"),
            )
            .with_help("`to` is the OU's new path, declared as [ous.\"<path>\"]"),
        );
    }
    if ous.contains_key(old) {
        return Some(
            src.problem(
                &from.span,
                "moved.from",
                format!("`{old}` is still declared under [ous] (or implied by a deeper path): a moved OU has only its new path"),
            )
            .with_help("declare the OU and everything below it by the new path, or remove this [[moved]]"),
        );
    }
    if earlier.iter().any(|e| e.from == *old || e.to == *new) {
        return Some(
            src.problem(
                &m.span,
                "moved",
                format!("`ou:{old}` or `ou:{new}` is in an earlier [[moved]]"),
            )
            .with_help("each OU moves once"),
        );
    }
    None
}

fn organization(
    src: &Source,
    raw: Option<&Entry<RawOrganization>>,
    problems: &mut Problems,
) -> Organization {
    let mut org = Organization {
        management_account: None,
        home_region: None,
        member_role: DEFAULT_MEMBER_ROLE.to_string(),
        external_id: None,
        allowed_regions: Regions::Absent,
    };
    // Missing tables and keys are reported while reading.
    let Some(entry) = raw else {
        return org;
    };
    let o = &entry.body;
    if let Some(v) = &o.management_account {
        org.management_account = account_id(src, v, "organization", "management_account", problems);
    }
    if let Some(v) = &o.home_region {
        match Region::parse(&v.value) {
            Ok(r) => org.home_region = Some(r),
            Err(e) => problems.push(
                src.problem(&v.span, "organization.home_region", e.0)
                    .with_help(known_regions_help(&v.value)),
            ),
        }
    }
    if let Some(v) = &o.member_role {
        if is_role_name(&v.value) {
            org.member_role = v.value.clone();
        } else {
            problems.push(
                src.problem(
                    &v.span,
                    "organization.member_role",
                    format!("`{}` is not a valid IAM role name", v.value),
                )
                .with_help(
                    "an IAM role name is 1 to 64 letters, digits and + = , . @ _ - characters",
                ),
            );
        }
    }
    if let Some(v) = &o.external_id {
        // sts:AssumeRole's ExternalId: 2 to 1224 characters of [\w+=,.@:/-].
        let ok = (2..=1224).contains(&v.value.chars().count())
            && v.value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c));
        if ok {
            org.external_id = Some(v.value.clone());
        } else {
            problems.push(
                src.problem(
                    &v.span,
                    "organization.external_id",
                    format!("`{}` is not a valid external id", v.value),
                )
                .with_help(
                    "an external id is 2 to 1224 letters, digits and _ + = , . @ : / - characters",
                ),
            );
        }
    }
    if let Some(list) = &o.allowed_regions {
        org.allowed_regions = allowed_regions(src, list, org.home_region.as_ref(), problems);
    }
    org
}

fn allowed_regions(
    src: &Source,
    list: &List,
    home: Option<&Region>,
    problems: &mut Problems,
) -> Regions {
    let key = "organization.allowed_regions";
    if list.value.is_empty() {
        problems.push(
            src.problem(&list.span, key, "allowed_regions cannot be empty: it would deny every region")
                .with_help("list the regions to allow, home_region among them, or leave out allowed_regions to allow all"),
        );
        return Regions::Invalid;
    }
    let mut regions = Vec::new();
    let mut valid = true;
    for r in &list.value {
        match Region::parse(&r.value) {
            Ok(region) if regions.contains(&region) => {
                valid = false;
                problems.push(
                    src.problem(&r.span, key, format!("`{}` is listed twice", r.value))
                        .with_help("list each region once"),
                );
            }
            Ok(region) => regions.push(region),
            Err(e) => {
                valid = false;
                problems.push(
                    src.problem(&r.span, key, e.0)
                        .with_help(known_regions_help(&r.value)),
                );
            }
        }
    }
    if !valid {
        return Regions::Invalid;
    }
    if let Some(home) = home {
        if !regions.contains(home) {
            problems.push(
                src.problem(
                    &list.span,
                    key,
                    format!("allowed_regions does not include home_region `{home}`"),
                )
                .with_help(format!(
                    "add \"{home}\": the home region is where the organization is managed from and is never denied"
                )),
            );
            return Regions::Invalid;
        }
    }
    Regions::Valid(regions)
}

fn limits(src: &Source, raw: &RawLimits, problems: &mut Problems) -> Limits {
    let mut limits = Limits::default();
    let mut positive = |v: &Option<Sp<i64>>, key: &str, into: &mut usize| {
        let Some(v) = v else { return };
        match usize::try_from(v.value) {
            Ok(n) if n > 0 => *into = n,
            _ => problems.push(
                src.problem(
                    &v.span,
                    &key_path(&["limits", key]),
                    format!("{key} must be a positive number, found {}", v.value),
                )
                .with_help("leave it out to use AWS's current quota"),
            ),
        }
    };
    positive(
        &raw.scp_max_chars,
        "scp_max_chars",
        &mut limits.scp_max_chars,
    );
    positive(
        &raw.scps_per_target,
        "scps_per_target",
        &mut limits.scps_per_target,
    );
    for (key, value) in &raw.kinds {
        let Some(kind) = PolicyKind::ALL.into_iter().find(|k| {
            let (chars, per) = Limits::keys(*k);
            chars == *key || per == *key
        }) else {
            continue;
        };
        let mut kl = limits
            .kinds
            .get(&kind)
            .copied()
            .unwrap_or_else(|| KindLimits::default_for(kind));
        let field = if Limits::keys(kind).0 == *key {
            &mut kl.max_chars
        } else {
            &mut kl.per_target
        };
        positive(&Some(value.clone()), key, field);
        limits.kinds.insert(kind, kl);
    }
    limits
}

/// Checks `policies` lists of the root, OUs and accounts.
struct Lists<'a> {
    src: &'a Source,
    declared: &'a [(String, PolicyKind)],
    limits: &'a Limits,
}

impl Lists<'_> {
    /// The list as a set, or `None` when it has problems (all reported).
    fn check(
        &self,
        list: &List,
        path: &[&str],
        problems: &mut Problems,
    ) -> Option<BTreeSet<PolicyName>> {
        let key = key_path(path);
        let before = problems.len();
        if list.value.is_empty() {
            problems.push(
                self.src
                    .problem(
                        &list.span,
                        &key,
                        "`policies = []` would detach every SCP: every target keeps at least one SCP",
                    )
                    .with_help(
                        "list \"FullAWSAccess\" to keep AWS's default, or leave out `policies` to leave \
                         this target's attachments as they are",
                    ),
            );
            return None;
        }
        let mut set = BTreeSet::new();
        let mut per_kind: BTreeMap<PolicyKind, usize> = BTreeMap::new();
        for item in &list.value {
            let name = match PolicyName::parse(&item.value) {
                Ok(n) => n,
                Err(e) => {
                    problems.push(self.src.problem(&item.span, &key, e.0));
                    continue;
                }
            };
            if set.contains(&name) {
                problems.push(
                    self.src
                        .problem(
                            &item.span,
                            &key,
                            format!("`{}` is listed twice", item.value),
                        )
                        .with_help(
                            "`policies` is the exact set of policies attached here: list each once",
                        ),
                );
                continue;
            }
            let kind = self
                .declared
                .iter()
                .find(|(n, _)| *n == item.value)
                .map(|(_, k)| *k)
                .or_else(|| PolicyKind::of_full_access(&item.value));
            match kind {
                Some(kind) => *per_kind.entry(kind).or_default() += 1,
                None => problems.push(
                    self.src
                        .problem(
                            &item.span,
                            &key,
                            format!(
                                "no policy named `{}` is declared under [policies]",
                                item.value
                            ),
                        )
                        .with_help(format!(
                            "{}{}",
                            super::raw::did_you_mean(
                                &item.value,
                                self.declared
                                    .iter()
                                    .map(|(n, _)| n.clone())
                                    .chain(
                                        PolicyKind::ALL
                                            .into_iter()
                                            .filter_map(PolicyKind::full_access)
                                            .map(String::from)
                                    )
                                    .collect::<Vec<_>>()
                                    .iter()
                                    .map(String::as_str)
                            ),
                            self.declared_help()
                        )),
                ),
            }
            set.insert(name);
        }
        for (kind, n) in &per_kind {
            let max = self.limits.per_target(*kind);
            if *n > max {
                let (_, limit_key) = Limits::keys(*kind);
                let counts = match kind.full_access() {
                    Some(full) => format!("; {full} counts"),
                    None => String::new(),
                };
                problems.push(
                    self.src
                        .problem(
                            &list.span,
                            &key,
                            format!(
                                "{n} {} attached, over the limit of {max} per target ([limits] {limit_key}{counts})",
                                plural(kind.noun())
                            ),
                        )
                        .with_help(format!(
                            "merge {}, or attach some to a parent OU instead: they are inherited",
                            plural(kind.noun())
                        )),
                );
            }
        }
        if problems.len() == before && !per_kind.contains_key(&PolicyKind::ServiceControlPolicy) {
            problems.push(
                self.src
                    .problem(
                        &list.span,
                        &key,
                        "the list names no SCP: `policies` is the exact set of SCPs too, and every target keeps at least one",
                    )
                    .with_help(
                        "add \"FullAWSAccess\" (AWS's default) or the SCPs attached here, or leave out `policies` to leave this target's attachments as they are",
                    ),
            );
        }
        (problems.len() == before).then_some(set)
    }

    fn declared_help(&self) -> String {
        if self.declared.is_empty() {
            "no policies are declared under [policies]; FullAWSAccess is AWS-managed and needs no declaration"
                .into()
        } else {
            let names: Vec<&str> = self.declared.iter().map(|(n, _)| n.as_str()).collect();
            format!(
                "declared policies: {}; FullAWSAccess is AWS-managed and needs no declaration",
                names.join(", ")
            )
        }
    }
}

/// Declared OUs (with their attachments, `None` for an OU with problems) plus every ancestor implied
/// by a deeper path (with `Some(DesiredOu::default())`).
fn ous(
    src: &Source,
    raw: &[Entry<super::raw::RawTarget>],
    lists: &Lists<'_>,
    problems: &mut Problems,
) -> BTreeMap<OuPath, Option<DesiredOu>> {
    let mut out = BTreeMap::new();
    for entry in raw {
        let key = key_path(&["ous", &entry.name]);
        let path = match OuPath::parse(&entry.name) {
            Ok(p) => p,
            Err(e) => {
                problems.push(
                    src.problem(&entry.key_span, &key, e.0).with_help(
                        "an OU path is OU names separated by `/`, at most 5 levels below the root, like \"Workloads/Prod\"",
                    ),
                );
                continue;
            }
        };
        let policies = match &entry.body.policies {
            None => Some(None),
            Some(list) => lists
                .check(list, &["ous", &entry.name, "policies"], problems)
                .map(Some),
        };
        let tags = super::tags::tags(
            src,
            entry.body.tags.as_ref(),
            &["ous", &entry.name],
            problems,
        );
        for ancestor in path.ancestors_and_self() {
            out.entry(ancestor).or_insert(Some(DesiredOu::default()));
        }
        let ou = match (policies, tags) {
            (Some(policies), Ok(tags)) => Some(DesiredOu { policies, tags }),
            _ => None,
        };
        out.insert(path, ou);
    }
    out
}

fn accounts(
    src: &Source,
    raw: &[Entry<super::raw::RawAccount>],
    ous: &BTreeMap<OuPath, Option<DesiredOu>>,
    lists: &Lists<'_>,
    problems: &mut Problems,
) -> Vec<Option<(String, DesiredAccount)>> {
    let mut ids: HashMap<String, (&str, usize)> = HashMap::new();
    let mut emails: HashMap<String, (&str, usize)> = HashMap::new();
    let mut out = Vec::new();
    for entry in raw {
        let name = entry.name.as_str();
        let a = &entry.body;
        let base = ["accounts", name];
        let before = problems.len();

        let n = name.chars().count();
        if let Some(why) = crate::model::unsafe_chars_in("account name", name) {
            // A NUL, a control character or a bidirectional control: its own message (issue 14).
            problems.push(
                src.problem(&entry.key_span, &key_path(&base), why)
                    .with_help(
                        "the key is the account's name in AWS: 1 to 50 printable characters",
                    ),
            );
        } else if n == 0 || n > MAX_ACCOUNT_NAME {
            problems.push(
                src.problem(
                    &entry.key_span,
                    &key_path(&base),
                    format!("account name `{name}` is {n} characters: AWS allows 1 to {MAX_ACCOUNT_NAME}"),
                )
                .with_help("the key is the account's name in AWS: 1 to 50 printable characters"),
            );
        }

        let id = a.id.as_ref().and_then(|v| {
            let id = account_id(src, v, &key_path(&base), "id", problems)?;
            // Where the first one is, as a byte offset: its line is counted only when a twin is
            // reported (counting it for every account made validation quadratic in their number).
            if let Some((other, at)) = ids.get(id.as_str()) {
                let other_line = src.line_ref(*at);
                problems.push(
                    src.problem(
                        &v.span,
                        &key_path(&["accounts", name, "id"]),
                        format!(
                            "account id `{id}` is also used by account `{other}` ({other_line})"
                        ),
                    )
                    .with_help("each account id belongs to one [accounts.<name>] table"),
                );
            } else {
                ids.insert(id.as_str().to_string(), (name, v.span.start));
            }
            Some(id)
        });

        let email = match &a.email {
            None => None, // reported while reading
            Some(v) => match Email::parse(&v.value) {
                Ok(email) => {
                    let folded = v.value.to_lowercase();
                    if let Some((other, at)) = emails.get(&folded) {
                        let other_line = src.line_ref(*at);
                        problems.push(
                            src.problem(
                                &v.span,
                                &key_path(&["accounts", name, "email"]),
                                format!(
                                    "email `{}` is also used by account `{other}` ({other_line}); emails compare case-insensitively",
                                    v.value
                                ),
                            )
                            .with_help("every AWS account has its own root email address"),
                        );
                    } else {
                        emails.insert(folded, (name, v.span.start));
                    }
                    Some(email)
                }
                Err(e) => {
                    problems.push(
                        src.problem(&v.span, &key_path(&["accounts", name, "email"]), e.0)
                            .with_help(
                                "an address like aws+prod-app@example.com, 6 to 64 characters",
                            ),
                    );
                    None
                }
            },
        };

        let parent = match &a.ou {
            None => Some(Parent::Root),
            Some(v) => ou_ref(src, v, name, ous, problems),
        };

        let policies = match &a.policies {
            None => None,
            Some(list) => lists.check(list, &["accounts", name, "policies"], problems),
        };

        let aws_name = a
            .name
            .as_ref()
            .and_then(|v| match crate::account_name::check(&v.value) {
                Ok(()) => Some(v.value.clone()),
                Err(message) => {
                    problems.push(
                        src.problem(&v.span, &key_path(&["accounts", name, "name"]), message)
                            .with_help(format!(
                                "1 to {} characters, {}",
                                crate::account_name::MAX_CHARS,
                                crate::account_name::ALLOWED
                            )),
                    );
                    None
                }
            });
        let contacts = super::contacts::contacts(src, &a.contacts, &base, problems);
        let tags = super::tags::tags(src, a.tags.as_ref(), &base, problems).unwrap_or_default();

        if problems.len() > before {
            out.push(None);
            continue;
        }
        if let (Some(email), Some(parent)) = (email, parent) {
            out.push(Some((
                name.to_string(),
                DesiredAccount {
                    name: name.to_string(),
                    aws_name,
                    id,
                    email,
                    parent,
                    policies,
                    contacts,
                    tags,
                },
            )));
        }
    }
    out
}

fn ou_ref(
    src: &Source,
    v: &Sp<String>,
    account: &str,
    ous: &BTreeMap<OuPath, Option<DesiredOu>>,
    problems: &mut Problems,
) -> Option<Parent> {
    let key = key_path(&["accounts", account, "ou"]);
    let path = match OuPath::parse(&v.value) {
        Ok(p) => p,
        Err(e) => {
            problems.push(src.problem(&v.span, &key, e.0).with_help(
                "an OU path declared under [ous], like \"Workloads/Prod\"; leave out `ou` to place the account under the root",
            ));
            return None;
        }
    };
    if ous.contains_key(&path) {
        return Some(Parent::Ou(path));
    }
    let declared: Vec<&str> = ous.keys().map(OuPath::as_str).collect();
    let listed = if declared.is_empty() {
        "no OUs are declared".to_string()
    } else {
        format!("declared OUs: {}", declared.join(", "))
    };
    problems.push(
        src.problem(
            &v.span,
            &key,
            format!("OU `{path}` is not declared under [ous]"),
        )
        .with_help(format!(
            "{}{listed}; add [{}], or leave out `ou` to place the account under the root",
            super::raw::did_you_mean(path.as_str(), declared.iter().copied()),
            key_path(&["ous", path.as_str()])
        )),
    );
    None
}

fn account_id(
    src: &Source,
    v: &Sp<String>,
    table: &str,
    key: &str,
    problems: &mut Problems,
) -> Option<AccountId> {
    match AccountId::parse(&v.value) {
        Ok(id) => Some(id),
        Err(e) => {
            problems.push(
                src.problem(&v.span, &format!("{table}.{key}"), e.0)
                    .with_help("write the 12-digit id in quotes, like \"123456789012\""),
            );
            None
        }
    }
}

/// IAM role names: 1 to 64 characters of letters, digits and `+=,.@_-`.
fn is_role_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// The known regions that look like `typo` (same `area-direction` prefix), or all of them.
fn known_regions_help(typo: &str) -> String {
    let known = crate::model::KNOWN_REGIONS;
    let guess = super::raw::did_you_mean(typo, known.iter().copied());
    let prefix = typo.rsplit_once('-').map_or(typo, |(head, _)| head);
    let like: Vec<&str> = known
        .iter()
        .copied()
        .filter(|r| r.rsplit_once('-').is_some_and(|(head, _)| head == prefix))
        .collect();
    if like.is_empty() {
        format!("{guess}known regions: {}", known.join(", "))
    } else {
        format!("{guess}known regions like it: {}", like.join(", "))
    }
}

/// "SCPs", "tag policies".
fn plural(noun: &str) -> String {
    match noun.strip_suffix("policy") {
        Some(stem) => format!("{stem}policies"),
        None => format!("{noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names() {
        assert!(is_role_name("OrganizationAccountAccessRole"));
        assert!(is_role_name("a+b=c,d.e@f_g-h"));
        assert!(!is_role_name(""));
        assert!(!is_role_name("has space"));
        assert!(!is_role_name(&"x".repeat(65)));
    }
}
