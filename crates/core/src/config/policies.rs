//! `[policies.<name>]`: custom policies of every kind (`kind = "…"`, SCP when absent), each read
//! from a file or (SCPs) generated from a template.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::policy_file;
use super::problems::{key_path, Problems, Source};
use super::raw::{Entry, RawPolicy, Sp};
use super::templates::{self, TEMPLATES};
use crate::model::{DesiredPolicy, Limits, PolicyKind, PolicyName, Region, FULL_AWS_ACCESS};

/// AWS allows SCP descriptions of at most 512 characters.
pub const MAX_DESCRIPTION: usize = 512;

/// What the policies section needs from the rest of the file.
pub(crate) struct Context<'a> {
    pub src: &'a Source,
    /// Directory of org.toml; `file` paths are relative to it.
    pub dir: &'a Path,
    pub limits: &'a Limits,
    pub allowed_regions: &'a Regions,
    pub member_role: &'a str,
    /// Policy files may lie outside `dir` (`--allow-outside-files`).
    pub allow_outside: bool,
}

/// `[organization] allowed_regions` as far as templates care.
pub(crate) enum Regions {
    Absent,
    /// Present but with problems already reported.
    Invalid,
    Valid(Vec<Region>),
}

/// The result: the policies that could be built, and every validly declared name with its kind
/// (also of policies whose document had problems, so references to them do not report twice).
#[derive(Default)]
pub(crate) struct Declared {
    pub policies: BTreeMap<PolicyName, DesiredPolicy>,
    pub names: Vec<(String, PolicyKind)>,
}

/// The values `kind` takes, for help texts.
pub(crate) fn kinds_help() -> String {
    let names: Vec<String> = PolicyKind::ALL
        .iter()
        .map(|k| format!("\"{}\" ({})", k.prefix(), k.api_name()))
        .collect();
    format!(
        "`kind` is one of {}; leave it out for an SCP",
        names.join(", ")
    )
}

pub(crate) fn declare(
    cx: &Context<'_>,
    raw: &[Entry<RawPolicy>],
    problems: &mut Problems,
    files: &mut Vec<PathBuf>,
) -> Declared {
    let mut out = Declared::default();
    for entry in raw {
        let key = key_path(&["policies", &entry.name]);
        if let Some(managed) = PolicyKind::of_full_access(&entry.name) {
            let name = managed.full_access().unwrap_or(FULL_AWS_ACCESS);
            problems.push(
                cx.src
                    .problem(
                        &entry.key_span,
                        &key,
                        format!("`{name}` is AWS-managed and cannot be declared"),
                    )
                    .with_help(format!(
                        "remove [policies.{name}]; to attach it, list \"{name}\" in the \
                         `policies` of the root, an OU or an account"
                    )),
            );
            continue;
        }
        if entry.name == crate::model::LOCK_POLICY {
            problems.push(
                cx.src
                    .problem(
                        &entry.key_span,
                        &key,
                        format!(
                            "`{}` is the name of govern's apply lock and cannot be declared",
                            crate::model::LOCK_POLICY
                        ),
                    )
                    .with_help(format!(
                        "give the policy another name: govern creates and deletes `{}` itself while an apply runs",
                        crate::model::LOCK_POLICY
                    )),
            );
            continue;
        }
        let name =
            match PolicyName::parse(&entry.name) {
                Ok(name) => name,
                Err(e) => {
                    problems.push(cx.src.problem(&entry.key_span, &key, e.0).with_help(
                        "an SCP name is 1 to 128 characters without control characters",
                    ));
                    continue;
                }
            };
        let kind = match &entry.body.kind {
            None => PolicyKind::ServiceControlPolicy,
            Some(k) => match PolicyKind::from_prefix(&k.value)
                .or_else(|| PolicyKind::from_api_name(&k.value))
            {
                Some(kind) => kind,
                None => {
                    problems.push(
                        cx.src
                            .problem(
                                &k.span,
                                &key_path(&["policies", &entry.name, "kind"]),
                                format!("unknown policy type `{}`", k.value),
                            )
                            .with_help(kinds_help()),
                    );
                    continue;
                }
            },
        };
        out.names.push((entry.name.clone(), kind));
        let description = description(cx, &entry.name, entry.body.description.as_ref(), problems);
        let document = document(cx, entry, kind, problems, files);
        let tags = super::tags::tags(
            cx.src,
            entry.body.tags.as_ref(),
            &["policies", &entry.name],
            problems,
        );
        if let (Some(description), Some((document, source)), Ok(tags)) =
            (description, document, tags)
        {
            out.policies.insert(
                name,
                DesiredPolicy {
                    kind,
                    description,
                    document,
                    source,
                    tags,
                },
            );
        }
    }
    out
}

fn description(
    cx: &Context<'_>,
    name: &str,
    raw: Option<&Sp<String>>,
    problems: &mut Problems,
) -> Option<String> {
    let Some(d) = raw else {
        return Some(String::new());
    };
    let n = d.value.chars().count();
    if n > MAX_DESCRIPTION {
        problems.push(
            cx.src
                .problem(
                    &d.span,
                    &key_path(&["policies", name, "description"]),
                    format!("description is {n} characters, over AWS's limit of {MAX_DESCRIPTION}"),
                )
                .with_help(format!(
                    "shorten the description to at most {MAX_DESCRIPTION} characters"
                )),
        );
        return None;
    }
    Some(d.value.clone())
}

/// The policy's document and where it came from, from exactly one of `file` or `template`.
fn document(
    cx: &Context<'_>,
    entry: &Entry<RawPolicy>,
    kind: PolicyKind,
    problems: &mut Problems,
    files: &mut Vec<PathBuf>,
) -> Option<(crate::model::PolicyDocument, String)> {
    let name = &entry.name;
    let either =
        "`file` names the policy's JSON file (relative to the directory of org.toml); `template` \
                  names a generated SCP (templates: deny-regions)";
    match (&entry.body.file, &entry.body.template) {
        (Some(file), None) => from_file(cx, name, file, kind, problems, files),
        (None, Some(template)) if kind != PolicyKind::ServiceControlPolicy => {
            problems.push(
                cx.src
                    .problem(
                        &template.span,
                        &key_path(&["policies", name, "template"]),
                        format!(
                            "templates generate SCPs, and this policy is {} {}",
                            super::policy_file::article(kind.noun()),
                            kind.noun()
                        ),
                    )
                    .with_help(
                        "give the policy a `file`, or leave out `kind` for the SCP template",
                    ),
            );
            None
        }
        (None, Some(template)) => from_template(cx, name, template, problems),
        (Some(_), Some(template)) => {
            problems.push(
                cx.src
                    .problem(
                        &template.span,
                        &key_path(&["policies", name]),
                        "set either `file` or `template`, not both",
                    )
                    .with_help(either),
            );
            None
        }
        (None, None) => {
            problems.push(
                cx.src
                    .problem(
                        &entry.key_span,
                        &key_path(&["policies", name]),
                        "missing `file` or `template`",
                    )
                    .with_help(either),
            );
            None
        }
    }
}

fn from_file(
    cx: &Context<'_>,
    name: &str,
    file: &Sp<String>,
    kind: PolicyKind,
    problems: &mut Problems,
    files: &mut Vec<PathBuf>,
) -> Option<(crate::model::PolicyDocument, String)> {
    let key = key_path(&["policies", name, "file"]);
    let path = cx.dir.join(&file.value);
    let read = if cx.allow_outside {
        Ok(())
    } else {
        super::files::inside(&path, cx.dir)
    }
    .and_then(|()| super::files::read_plain(&path, super::files::MAX_POLICY_BYTES, "policy file"));
    let text = match read {
        Ok(text) => text,
        Err(e) => {
            let help = match e {
                super::files::Refused::Outside { .. } => format!(
                    "policy files are read from inside the directory of org.toml ({}); to read others, pass --allow-outside-files (never for a pull request's files)",
                    display_dir(cx.dir)
                ),
                _ => format!(
                    "`file` is a UTF-8 JSON file, relative to the directory of org.toml ({})",
                    display_dir(cx.dir)
                ),
            };
            let noun = kind.noun();
            let message = match &e {
                super::files::Refused::Io(..) => format!("cannot read {noun} file {e}"),
                _ => format!("cannot read {noun} file: {e}"),
            };
            problems.push(cx.src.problem(&file.span, &key, message).with_help(help));
            return None;
        }
    };
    if !files.contains(&path) {
        files.push(path.clone());
    }
    match policy_file::parse_kind(&path, &text, kind, cx.limits) {
        Ok(doc) => Some((doc, file.value.clone())),
        Err(mut p) => {
            let (config, line) = cx.src.place(file.span.start);
            let used = format!("(used by {key} in {} line {line})", config.display());
            p.help = Some(match p.help.take() {
                Some(h) => format!("{h} {used}"),
                None => used,
            });
            problems.push_at(file.span.start, p);
            None
        }
    }
}

fn from_template(
    cx: &Context<'_>,
    name: &str,
    template: &Sp<String>,
    problems: &mut Problems,
) -> Option<(crate::model::PolicyDocument, String)> {
    let key = key_path(&["policies", name, "template"]);
    if !TEMPLATES.contains(&template.value.as_str()) {
        problems.push(
            cx.src
                .problem(
                    &template.span,
                    &key,
                    format!("unknown template `{}`", template.value),
                )
                .with_help(format!("templates: {}", TEMPLATES.join(", "))),
        );
        return None;
    }
    let regions = match cx.allowed_regions {
        Regions::Valid(regions) => regions,
        Regions::Invalid => return None,
        Regions::Absent => {
            problems.push(
                cx.src
                    .problem(
                        &template.span,
                        &key,
                        "template `deny-regions` needs allowed_regions in [organization]",
                    )
                    .with_help(
                        "add allowed_regions = [\"<home region>\", ...] to [organization]: the template \
                         denies every other region",
                    ),
            );
            return None;
        }
    };
    let doc = templates::deny_regions(regions, &[cx.member_role.to_string()]);
    if let Err((message, help)) =
        policy_file::within_limit(&doc, PolicyKind::ServiceControlPolicy, cx.limits)
    {
        problems.push(
            cx.src
                .problem(&template.span, &key, format!("generated {message}"))
                .with_help(help),
        );
        return None;
    }
    Some((doc, format!("template {}", template.value)))
}

fn display_dir(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        ".".into()
    } else {
        dir.display().to_string()
    }
}
