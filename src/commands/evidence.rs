//! `govern evidence --out PATH`: evaluate the control catalogue and write a verifiable bundle, as a
//! directory or one archive (exit 0 even when controls fail: it is evidence, not a gate).
//! `govern evidence verify BUNDLE`: recompute every hash, check the signature and, with
//! `--previous`, the chain to the previous bundle (exit 0 intact, 1 otherwise).
//! `govern evidence merge --out PATH PART...`: the partial bundles of a `--shard I/N` run → one.

use std::collections::BTreeMap;
use std::path::Path;

use crate::apply::ConfigDigest;
use crate::cli::{BundleFormat, EvidenceAction, EvidenceArgs, EvidenceMergeArgs, VerifyArgs};
use crate::drift::now_rfc3339;
use crate::error::{Error, Result};
use crate::evidence::archive::{self, Kind};
use crate::evidence::signature;
use crate::evidence::{self, bundle, Caller, Collected, Files, Manifest, Status, Window};
use crate::exit;
use crate::state::sha256;

use super::Context;

pub async fn run(ctx: &Context, args: &EvidenceArgs) -> Result<u8> {
    if let (Some(shard), Some(action)) = (ctx.shard, &args.action) {
        let name = match action {
            EvidenceAction::Verify(_) => "verify",
            EvidenceAction::Merge(_) => "merge",
        };
        return Err(Error::Refused {
            message: format!(
                "--shard {shard} applies to `govern evidence --out PATH`, not to `evidence {name}`"
            ),
            hint: Some(format!("run `govern evidence {name}` without --shard")),
        });
    }
    match &args.action {
        Some(EvidenceAction::Verify(v)) => verify(ctx, v).await,
        Some(EvidenceAction::Merge(m)) => merge(ctx, m).await,
        None if args.out.is_some() || args.to_security_hub => {
            export(ctx, args, args.out.as_deref()).await
        }
        None => Err(Error::Refused {
            message: "`govern evidence` needs --out PATH (or --to-security-hub)".into(),
            hint: Some("govern evidence --out evidence/2026-q4".into()),
        }),
    }
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { context, source }
}

/// `--format`, else what `--out`'s name says.
fn archive_kind(format: Option<BundleFormat>, out: &Path) -> Option<Kind> {
    match format {
        Some(BundleFormat::Dir) => None,
        Some(BundleFormat::Zip) => Some(Kind::Zip),
        Some(BundleFormat::Tar) => Some(Kind::TarGz),
        None => {
            let name = out.file_name()?.to_string_lossy().to_ascii_lowercase();
            if name.ends_with(".zip") {
                Some(Kind::Zip)
            } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
                Some(Kind::TarGz)
            } else {
                None
            }
        }
    }
}

/// Refuses before collecting anything, rather than after minutes of discovery.
fn check_out(out: &Path, kind: Option<Kind>) -> Result<()> {
    let taken = match kind {
        None => std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some()),
        Some(_) => out.exists(),
    };
    if taken {
        return Err(Error::Refused {
            message: format!(
                "{} exists{}",
                out.display(),
                if kind.is_none() {
                    " and is not empty"
                } else {
                    ""
                }
            ),
            hint: Some("write each bundle to a new path; a bundle is never overwritten".into()),
        });
    }
    Ok(())
}

async fn export(ctx: &Context, args: &EvidenceArgs, out: Option<&Path>) -> Result<u8> {
    let kind = out.and_then(|out| archive_kind(args.bundle.format, out));
    if let Some(out) = out {
        check_out(out, kind)?;
    }
    let started_at = now_rfc3339();
    let loaded = ctx.load()?;
    let config_digest = ConfigDigest::of(&ctx.config, &loaded.files)?.digest;
    let (clients, actual) = super::connect_and_discover(ctx, &loaded.desired, "evidence").await?;
    let effective =
        crate::discover::effective::read(&clients, &loaded.desired, &actual, ctx.shard).await?;
    // Connecting checked the caller is the management account; its ARN was read then.
    let caller = Caller {
        account: actual.management_account.to_string(),
        arn: clients.members.caller_arn().to_string(),
    };
    let finished_at = now_rfc3339();

    let base = ctx.config.parent().unwrap_or(Path::new(""));
    let mut config_files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut named: BTreeMap<String, &Path> = BTreeMap::new();
    for file in &loaded.files {
        // Checked as loading checks them: the file may have been swapped since (issue 14).
        let bytes = crate::config::files::read_plain(
            file,
            crate::config::files::MAX_CONFIG_BYTES,
            "config file",
        )
        .map_err(|e| Error::Refused {
            message: format!("cannot read {e}"),
            hint: None,
        })?
        .into_bytes();
        let name = bundle_name(base, file);
        // Two files under one name would keep one and still verify (issue 14): refuse instead.
        if let Some(other) = named.insert(name.clone(), file) {
            return Err(Error::Inconsistent(format!(
                "{} and {} would both be config/{name} in the bundle",
                other.display(),
                file.display()
            )));
        }
        config_files.push((name, bytes));
    }
    let collected = Collected {
        desired: &loaded.desired,
        actual: &actual,
        config_files,
        config_digest,
        config_git: config_git(base, &loaded.files),
        caller,
        window: Window {
            started_at,
            finished_at,
        },
        previous_bundle_sha256: args.bundle.previous_bundle_sha256.clone(),
        shard: ctx.shard,
        effective,
    };
    let (files, rows, manifest) = evidence::assemble(&collected);
    if let Some(out) = out {
        let sealing = Sealing {
            sign_key: args.bundle.sign_key.as_deref(),
            home_region: loaded.desired.home_region.as_str(),
            kind,
            out,
        };
        sealing.write(ctx, files, &manifest).await?;

        let what = match ctx.shard {
            Some(shard) => format!("Partial evidence bundle (shard {shard})"),
            None => "Evidence bundle".to_string(),
        };
        sealing.report(&what, &rows);
        if let Some(shard) = ctx.shard {
            println!(
                "Merge the {} shards' bundles into one with `govern evidence merge --out DIR PART...`.",
                shard.count
            );
        }
    }
    if args.to_security_hub {
        return to_security_hub(ctx, &clients, &actual, &loaded.desired, &rows).await;
    }
    Ok(exit::OK)
}

/// `--to-security-hub`: imports the rows into Security Hub in the home region (every finding from
/// its own account's session); exit 1 when any finding or account was not imported.
async fn to_security_hub(
    ctx: &Context,
    clients: &crate::aws::Clients,
    actual: &crate::model::Actual,
    desired: &crate::model::Desired,
    rows: &[evidence::Row],
) -> Result<u8> {
    let region = desired.home_region.as_str();
    let by_account = evidence::asff::findings(
        &actual.organization_id,
        actual.management_account.as_str(),
        rows,
    );
    let done = crate::evidence::security_hub::import(
        &clients.members,
        region,
        by_account,
        // BatchImportFindings from inside each account: its own quota, as the reads.
        match ctx.concurrency {
            crate::discover::Concurrency::Auto => crate::discover::pace::START,
            crate::discover::Concurrency::Fixed(n) => n.get(),
        },
    )
    .await;
    println!(
        "Imported {} findings into AWS Security Hub in {region} ({} active, {} archived) from {} accounts in {} BatchImportFindings calls.",
        done.accepted,
        done.active,
        done.accepted - done.active,
        done.accounts,
        done.calls
    );
    if done.failed.is_empty() {
        return Ok(exit::OK);
    }
    for line in &done.failed {
        eprintln!("not imported: {line}");
    }
    if done.not_enabled > 0 {
        eprintln!(
            "  help: Security Hub is not enabled in {} account{} in {region}: enable it there \
             (EnableSecurityHub, or auto-enable from its delegated administrator) and run again; \
             findings already imported are updated in place, not duplicated",
            done.not_enabled,
            if done.not_enabled == 1 { "" } else { "s" }
        );
    }
    Ok(exit::ERROR)
}

/// The commit org.toml's git repository is at, and whether the config files differ from it. `git`
/// runs as a subprocess when it is installed; None when it is not, or when org.toml is in no
/// repository (or one with no commit yet): the bundle then claims no commit.
fn config_git(base: &Path, files: &[std::path::PathBuf]) -> Option<evidence::ConfigGit> {
    let dir = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let git = |args: &[&std::ffi::OsStr]| -> Option<String> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            // A repository's own config must not make a read run programs (fsmonitor hooks).
            .args(["-c", "core.fsmonitor=false"])
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse".as_ref(), "--verify".as_ref(), "HEAD".as_ref()])?;
    let mut status: Vec<&std::ffi::OsStr> = vec![
        "status".as_ref(),
        "--porcelain".as_ref(),
        "--untracked-files=all".as_ref(),
        // An ignored config file is not in the commit either.
        "--ignored=matching".as_ref(),
        "--".as_ref(),
    ];
    // Absolute paths: `-C` changes the directory relative paths are taken from.
    let absolute: Vec<std::path::PathBuf> = files
        .iter()
        .map(|f| std::fs::canonicalize(f).unwrap_or_else(|_| f.clone()))
        .collect();
    status.extend(absolute.iter().map(|f| f.as_os_str()));
    // A file git cannot report on (outside the repository) cannot be shown to be committed.
    let uncommitted_changes = git(&status).is_none_or(|s| !s.is_empty());
    Some(evidence::ConfigGit {
        commit,
        uncommitted_changes,
    })
}

/// How and where a finished bundle is written.
struct Sealing<'a> {
    sign_key: Option<&'a str>,
    /// For a key given by id or alias when neither --region nor the environment names a region.
    home_region: &'a str,
    kind: Option<Kind>,
    out: &'a Path,
}

impl Sealing<'_> {
    /// Signs (with a key), adds SHA256SUMS and writes the bundle as a directory or an archive.
    async fn write(&self, ctx: &Context, mut files: Files, manifest: &Manifest) -> Result<()> {
        if let Some(key) = self.sign_key {
            crate::evidence::sign::sign(&ctx.session, self.home_region, key, &mut files, manifest)
                .await?;
        }
        let sums = bundle::sums(&files.hashes());
        files.add(bundle::SUMS, sums);
        let out = self.out;
        match self.kind {
            None => {
                std::fs::create_dir_all(out).map_err(io(format!("creating {}", out.display())))?;
                files
                    .write(out)
                    .map_err(io(format!("writing the bundle to {}", out.display())))
            }
            Some(kind) => write_archive(&files, kind, out),
        }
    }

    /// What was written, on stdout; ERROR rows also on stderr.
    fn report(&self, what: &str, rows: &[evidence::Row]) {
        let c = evidence::controls::counts(rows);
        println!(
            "{what} written to {}{}: {} results: {} PASS, {} FAIL, {} ERROR, {} NOT_APPLICABLE{}.",
            self.out.display(),
            self.kind
                .map(|k| format!(" ({})", k.as_str()))
                .unwrap_or_default(),
            rows.len(),
            c[&Status::Pass],
            c[&Status::Fail],
            c[&Status::Error],
            c[&Status::NotApplicable],
            if self.sign_key.is_some() {
                "; signed"
            } else {
                ""
            }
        );
        println!(
            "Check it with `govern evidence verify {}` or `sha256sum -c SHA256SUMS` inside it{}.",
            self.out.display(),
            if self.kind.is_some() {
                " once unpacked"
            } else {
                ""
            }
        );
        if c[&Status::Error] > 0 {
            eprintln!(
                "warning: {} results are ERROR: some accounts could not be read (see controls.csv)",
                c[&Status::Error]
            );
        }
    }
}

/// `govern evidence merge`: verifies every part, merges them (`evidence::merge`), and writes one
/// bundle, signed as `govern evidence` signs.
async fn merge(ctx: &Context, args: &EvidenceMergeArgs) -> Result<u8> {
    let kind = archive_kind(args.bundle.format, &args.out);
    check_out(&args.out, kind)?;
    let mut parts = Vec::new();
    for path in &args.parts {
        let opened = open(path)?;
        let audit = audit(ctx, &opened, false, false).await;
        let (Some(manifest), Some(manifest_sha256), true) = (
            audit.checked.manifest,
            audit.checked.manifest_sha256,
            audit.problems.is_empty(),
        ) else {
            return Err(Error::Refused {
                message: format!(
                    "the part {} does not verify: {}",
                    path.display(),
                    audit.problems.join("; ")
                ),
                hint: Some(
                    "merge the parts as `govern evidence --shard I/N` wrote them; if one was \
                     changed, collect that shard again"
                        .into(),
                ),
            });
        };
        parts.push(evidence::merge::Part {
            name: path.display().to_string(),
            files: opened.files,
            manifest,
            manifest_sha256,
        });
    }
    let home_region = parts
        .iter()
        .find_map(|p| home_region(&p.files))
        .unwrap_or_else(|| "us-east-1".into());
    let n = parts.len();
    let (files, rows, manifest) =
        evidence::merge::merge(parts, args.bundle.previous_bundle_sha256.clone()).map_err(|e| {
            Error::Refused {
                message: e.to_string(),
                hint: Some(
                    "merge the bundles of one `govern evidence --shard I/N` run, one per shard"
                        .into(),
                ),
            }
        })?;
    let sealing = Sealing {
        sign_key: args.bundle.sign_key.as_deref(),
        home_region: &home_region,
        kind,
        out: &args.out,
    };
    sealing.write(ctx, files, &manifest).await?;
    sealing.report(&format!("Evidence bundle merged from {n} shards"), &rows);
    Ok(exit::OK)
}

/// `[organization] home_region` of the org.toml a bundle holds.
fn home_region(files: &Files) -> Option<String> {
    let text = std::str::from_utf8(files.0.get("config/org.toml")?).ok()?;
    let table: toml::Table = text.parse().ok()?;
    let region = table.get("organization")?.get("home_region")?.as_str()?;
    Some(region.to_string())
}

/// Creates `out` (never replacing a file); a half-written archive is removed.
fn write_archive(files: &Files, kind: Kind, out: &Path) -> Result<()> {
    let bytes = archive::pack(files, kind).map_err(|e| {
        Error::Inconsistent(format!("packing the bundle as {}: {e}", kind.as_str()))
    })?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(format!("creating {}", parent.display())))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(io(format!("creating {}", out.display())))?;
    use std::io::Write;
    if let Err(e) = file.write_all(&bytes).and_then(|()| file.sync_all()) {
        drop(file);
        let _ = std::fs::remove_file(out);
        return Err(io(format!("writing {}", out.display()))(e));
    }
    Ok(())
}

/// `config/<path relative to org.toml's directory>`; a file from outside it (read with
/// `--allow-outside-files`) is `config/outside/<its absolute path>`, so that two outside files of one
/// name stay two files (issue 14).
fn bundle_name(base: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(base).unwrap_or(file);
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let inside = rel.components().all(|c| {
        matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    if inside && !parts.is_empty() {
        parts.join("/")
    } else {
        let absolute = std::fs::canonicalize(file)
            .or_else(|_| std::path::absolute(file))
            .unwrap_or_else(|_| file.to_path_buf());
        let parts: Vec<String> = absolute
            .components()
            .filter_map(|c| match c {
                std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        format!("outside/{}", parts.join("/"))
    }
}

/// What checking one bundle found: hashes, and the signature (offline; also through KMS with `kms`).
struct Audit {
    checked: bundle::Checked,
    problems: Vec<String>,
    notes: Vec<String>,
}

async fn audit(
    ctx: &Context,
    opened: &bundle::Opened,
    require_signature: bool,
    kms: bool,
) -> Audit {
    let checked = bundle::check(&opened.files);
    let mut problems: Vec<String> = opened
        .problems
        .iter()
        .chain(&checked.problems)
        .map(|p| p.to_string())
        .collect();
    let mut notes = Vec::new();
    match opened.files.0.get(bundle::SIGNATURE) {
        None if require_signature => problems.push(format!(
            "missing: {} (--require-signature)",
            bundle::SIGNATURE
        )),
        None => notes.push(
            "not signed: anyone who can write these files could have produced them (pass --require-signature to refuse unsigned bundles)"
                .to_string(),
        ),
        Some(bytes) => match check_signature(ctx, &opened.files, &checked, bytes, kms).await {
            Ok(note) => notes.push(note),
            Err(why) => problems.push(format!("invalid: {}: {why}", bundle::SIGNATURE)),
        },
    }
    Audit {
        checked,
        problems,
        notes,
    }
}

async fn verify(ctx: &Context, args: &VerifyArgs) -> Result<u8> {
    let path = &args.bundle;
    let opened = open(path)?;
    let Audit {
        checked,
        mut problems,
        mut notes,
    } = audit(ctx, &opened, args.require_signature, args.kms).await;
    if let Some(previous) = &args.previous {
        match check_previous(checked.manifest.as_ref(), previous)? {
            Ok(note) => notes.push(note),
            Err(why) => problems.push(format!("previous: {why}")),
        }
    }
    if let Some(m) = &checked.manifest {
        if let Some(shard) = m.shard {
            notes.push(format!(
                "a partial bundle: shard {shard}, with that shard's rows only (`govern evidence \
                 merge` makes one bundle of all {})",
                shard.count
            ));
        }
        if !m.merged_from.is_empty() {
            notes.push(format!(
                "merged from {} partial bundles",
                m.merged_from.len()
            ));
        }
    }

    for p in &problems {
        println!("{p}");
    }
    if problems.is_empty() {
        let m = checked.manifest.as_ref();
        println!(
            "Bundle {} verifies: {} files ({}), organization {}, collected {} to {}; {}.",
            path.display(),
            checked.files,
            opened.form,
            m.map(|m| m.organization_id.as_str()).unwrap_or(""),
            m.map(|m| m.collection.started_at.as_str()).unwrap_or(""),
            m.map(|m| m.collection.finished_at.as_str()).unwrap_or(""),
            notes.join("; ")
        );
        Ok(exit::OK)
    } else {
        Err(Error::Refused {
            message: format!(
                "the bundle {} does not verify: {} problem{}",
                path.display(),
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            ),
            hint: Some("each problem above names the file; a bundle must not be edited after it is written".into()),
        })
    }
}

fn open(path: &Path) -> Result<bundle::Opened> {
    bundle::open(path).map_err(|e| Error::Refused {
        message: e.to_string(),
        hint: Some(
            "pass the directory, .zip or .tar.gz that `govern evidence --out PATH` wrote".into(),
        ),
    })
}

/// Ok(a note) when the manifest's previous_bundle_sha256 is the SHA-256 of `previous`'s
/// manifest.json, Err(why not); the outer error is for a `previous` that cannot be read at all.
fn check_previous(
    manifest: Option<&Manifest>,
    previous: &Path,
) -> Result<std::result::Result<String, String>> {
    let opened = open(previous)?;
    let Some(bytes) = opened.files.0.get(bundle::MANIFEST) else {
        return Ok(Err(format!(
            "{} has no {}",
            previous.display(),
            bundle::MANIFEST
        )));
    };
    let actual = sha256(bytes);
    let Some(manifest) = manifest else {
        return Ok(Err(format!(
            "no readable {} to compare with {}",
            bundle::MANIFEST,
            previous.display()
        )));
    };
    Ok(match &manifest.previous_bundle_sha256 {
        None => Err(format!(
            "{} records no previous_bundle_sha256 (the bundle was written without \
             --previous-bundle-sha256); {}'s {} has SHA-256 {actual}",
            bundle::MANIFEST,
            previous.display(),
            bundle::MANIFEST
        )),
        Some(recorded) if recorded.eq_ignore_ascii_case(&actual) => Ok(format!(
            "chained to {} ({} SHA-256 {actual})",
            previous.display(),
            bundle::MANIFEST
        )),
        Some(recorded) => Err(format!(
            "{} records previous_bundle_sha256 {recorded}, but {}'s {} has SHA-256 {actual}",
            bundle::MANIFEST,
            previous.display(),
            bundle::MANIFEST
        )),
    })
}

/// Ok(a note on what was checked) or Err(why the signature does not hold).
async fn check_signature(
    ctx: &Context,
    files: &Files,
    checked: &bundle::Checked,
    signature_json: &[u8],
    kms: bool,
) -> std::result::Result<String, String> {
    let signed = signature::check_offline(files, checked, signature_json)?;
    let mut note = format!(
        "signature valid (offline, {} with {}, signed {})",
        signed.file.algorithm, signed.file.key_id, signed.statement.signed_at
    );
    if kms {
        crate::evidence::sign::kms_verify(&ctx.session, &signed).await?;
        note.push_str("; KMS Verify: valid");
    }
    Ok(note)
}
