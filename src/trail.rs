//! The organization trail, the AWS side (`govern_core::trail` plans it): CloudTrail from the
//! management account; the bucket (S3) and its key (KMS) inside the logging account, through the
//! member role, in the trail's home region.
//!
//! What moto (the emulator) does not check, and AWS does: that trusted access for CloudTrail is on
//! before an organization trail, that the caller is the management account, that the bucket policy
//! lets CloudTrail write and the key policy lets it encrypt. govern orders its changes as AWS
//! needs either way (the plan's simulation refuses a trail before trusted access).

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketLocationConstraint, BucketVersioningStatus,
    CreateBucketConfiguration, DefaultRetention, ExpirationStatus, LifecycleExpiration,
    LifecycleRule, LifecycleRuleFilter, NoncurrentVersionExpiration, ObjectLockConfiguration,
    ObjectLockEnabled, ObjectLockRetentionMode, ObjectLockRule, ObjectOwnership, OwnershipControls,
    OwnershipControlsRule, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use aws_types::SdkConfig;

use crate::aws::{in_region, Clients};
use crate::error::{Error, Result};
use crate::model::{
    AccountId, Actual, LockMode, ObjectLock, Trail, TrailActual, TrailBucket, TrailInfo, TrailKey,
};
use govern_core::trail::{TrailChange, TrailPart, OWNERSHIP};

/// The lifecycle rule govern owns on the bucket.
const RULE_ID: &str = "govern-trail-retention";

/// An S3 client for `config`. With an endpoint override (`AWS_ENDPOINT_URL`, an emulator or a
/// proxy on one host and port), path-style addressing: virtual-host style would put the bucket
/// name in the host name (`bucket.127.0.0.1:4566`), which does not resolve. Against AWS's own
/// endpoints the SDK's default (virtual-host) stays.
fn s3(config: &SdkConfig, region: &str) -> aws_sdk_s3::Client {
    let config = in_region(config, region);
    let mut builder = aws_sdk_s3::config::Builder::from(&config);
    if config.endpoint_url().is_some() {
        builder = builder.force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

fn cloudtrail(clients: &Clients, region: &str) -> aws_sdk_cloudtrail::Client {
    aws_sdk_cloudtrail::Client::new(&in_region(clients.members.management(), region))
}

/// The logging account's session (its member role).
async fn inside(clients: &Clients, account: &AccountId) -> Result<SdkConfig> {
    clients
        .members
        .config(account)
        .await
        .map_err(|reason| Error::Refused {
            message: reason,
            hint: Some(format!(
                "the trail's bucket and key are read and written in the logging account {account} \
                 through the member role: does it exist there and trust the management account?"
            )),
        })
}

fn code<E: ProvideErrorMetadata, R>(
    e: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> Option<&str> {
    e.as_service_error().and_then(|s| s.code())
}

/// Reads what AWS holds of the declared trail: the trail from the management account, the bucket
/// and key in the logging account (`account`, None while it does not exist yet).
pub async fn read(
    clients: &Clients,
    actual: &mut Actual,
    want: &Trail,
    account: Option<&AccountId>,
) -> Result<()> {
    let mut out = TrailActual {
        account: account.cloned(),
        ..Default::default()
    };
    out.trail = read_trail(clients, &want.region, &want.name).await?;
    if let Some(account) = account {
        let config = inside(clients, account).await?;
        out.key = read_key(&config, &want.region, &want.key_alias()).await?;
        out.bucket = read_bucket(&config, &want.region, &want.bucket).await?;
    }
    actual.trail = Some(out);
    Ok(())
}

/// For `govern import`: the organization trail whose home is `region` (the first one, by name), its
/// bucket and govern's key in the account that holds the trail's KMS key, or else `logging`.
pub async fn discover(
    clients: &Clients,
    actual: &mut Actual,
    region: &str,
    logging: Option<&AccountId>,
) -> Result<()> {
    let ct = cloudtrail(clients, region);
    let trails = ct
        .describe_trails()
        .include_shadow_trails(false)
        .send()
        .await
        .map_err(|e| Error::aws("DescribeTrails", "the organization", e))?;
    let mut org: Vec<_> = trails
        .trail_list()
        .iter()
        .filter(|t| t.is_organization_trail() == Some(true))
        .filter_map(|t| t.name().map(str::to_string))
        .collect();
    org.sort();
    let Some(name) = org.into_iter().next() else {
        return Ok(());
    };
    let Some(info) = read_trail(clients, region, &name).await? else {
        return Ok(());
    };
    // The key's ARN names the account that holds it: the logging account.
    let account = info
        .kms_key
        .split(':')
        .nth(4)
        .and_then(|a| crate::model::AccountId::parse(a).ok())
        .filter(|a| actual.accounts.contains_key(a))
        .or_else(|| logging.cloned());
    let want = Trail {
        name: info.name.clone(),
        region: region.to_string(),
        bucket: info.bucket.clone(),
        retention_days: 0,
        object_lock: None,
    };
    let mut out = TrailActual {
        account: account.clone(),
        trail: Some(info),
        ..Default::default()
    };
    if let Some(account) = &account {
        let config = inside(clients, account).await?;
        out.key = read_key(&config, region, &want.key_alias()).await?;
        out.bucket = read_bucket(&config, region, &want.bucket).await?;
    }
    actual.trail = Some(out);
    Ok(())
}

/// GetTrail and GetTrailStatus; None when there is no such trail.
async fn read_trail(clients: &Clients, region: &str, name: &str) -> Result<Option<TrailInfo>> {
    let ct = cloudtrail(clients, region);
    let r = ct.get_trail().name(name).send().await;
    let t = match r {
        Ok(out) => match out.trail {
            Some(t) => t,
            None => return Ok(None),
        },
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_trail_not_found_exception()) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(Error::aws("GetTrail", format!("trail {name}"), e)),
    };
    let status = ct
        .get_trail_status()
        .name(name)
        .send()
        .await
        .map_err(|e| Error::aws("GetTrailStatus", format!("trail {name}"), e))?;
    Ok(Some(TrailInfo {
        name: t.name().unwrap_or(name).to_string(),
        arn: t.trail_arn().unwrap_or_default().to_string(),
        home_region: t.home_region().unwrap_or(region).to_string(),
        bucket: t.s3_bucket_name().unwrap_or_default().to_string(),
        organization: t.is_organization_trail().unwrap_or(false),
        multi_region: t.is_multi_region_trail().unwrap_or(false),
        global_events: t.include_global_service_events().unwrap_or(false),
        validation: t.log_file_validation_enabled().unwrap_or(false),
        kms_key: t.kms_key_id().unwrap_or_default().to_string(),
        logging: status.is_logging().unwrap_or(false),
    }))
}

/// The key under the trail's alias, with its rotation; None when the alias does not exist.
async fn read_key(config: &SdkConfig, region: &str, alias: &str) -> Result<Option<TrailKey>> {
    let kms = aws_sdk_kms::Client::new(&in_region(config, region));
    let r = kms.describe_key().key_id(alias).send().await;
    let meta = match r {
        Ok(out) => match out.key_metadata {
            Some(m) => m,
            None => return Ok(None),
        },
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_not_found_exception()) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(Error::aws("DescribeKey", alias, e)),
    };
    let rotation = kms
        .get_key_rotation_status()
        .key_id(meta.key_id())
        .send()
        .await
        .map_err(|e| Error::aws("GetKeyRotationStatus", alias, e))?
        .key_rotation_enabled;
    Ok(Some(TrailKey {
        arn: meta.arn().unwrap_or_default().to_string(),
        rotation,
    }))
}

/// Every setting of the bucket govern manages; None when it does not exist.
async fn read_bucket(config: &SdkConfig, region: &str, name: &str) -> Result<Option<TrailBucket>> {
    let s3 = s3(config, region);
    let on = format!("bucket {name}");
    let versioning = match s3.get_bucket_versioning().bucket(name).send().await {
        Ok(v) => v
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        Err(e) if code(&e) == Some("NoSuchBucket") => return Ok(None),
        Err(e) => return Err(Error::aws("GetBucketVersioning", on, e)),
    };
    let mut b = TrailBucket {
        name: name.to_string(),
        versioning,
        ..Default::default()
    };
    match s3.get_bucket_encryption().bucket(name).send().await {
        Ok(out) => {
            if let Some(d) = out
                .server_side_encryption_configuration()
                .and_then(|c| c.rules().first())
                .and_then(|r| r.apply_server_side_encryption_by_default())
            {
                b.sse_algorithm = d.sse_algorithm().as_str().to_string();
                b.sse_key = d.kms_master_key_id().unwrap_or_default().to_string();
            }
        }
        Err(e) if code(&e) == Some("ServerSideEncryptionConfigurationNotFoundError") => {}
        Err(e) => return Err(Error::aws("GetBucketEncryption", on, e)),
    }
    match s3.get_public_access_block().bucket(name).send().await {
        Ok(out) => {
            if let Some(c) = out.public_access_block_configuration() {
                b.public_access_block = [
                    c.block_public_acls().unwrap_or(false),
                    c.ignore_public_acls().unwrap_or(false),
                    c.block_public_policy().unwrap_or(false),
                    c.restrict_public_buckets().unwrap_or(false),
                ];
            }
        }
        Err(e) if code(&e) == Some("NoSuchPublicAccessBlockConfiguration") => {}
        Err(e) => return Err(Error::aws("GetPublicAccessBlock", on, e)),
    }
    match s3.get_bucket_ownership_controls().bucket(name).send().await {
        Ok(out) => {
            if let Some(rule) = out.ownership_controls().and_then(|c| c.rules().first()) {
                b.ownership = rule.object_ownership().as_str().to_string();
            }
        }
        Err(e) if code(&e) == Some("OwnershipControlsNotFoundError") => {}
        Err(e) => return Err(Error::aws("GetBucketOwnershipControls", on, e)),
    }
    match s3.get_bucket_policy().bucket(name).send().await {
        Ok(out) => b.policy = out.policy().unwrap_or_default().to_string(),
        Err(e) if code(&e) == Some("NoSuchBucketPolicy") => {}
        Err(e) => return Err(Error::aws("GetBucketPolicy", on, e)),
    }
    match s3
        .get_bucket_lifecycle_configuration()
        .bucket(name)
        .send()
        .await
    {
        Ok(out) => {
            // Only govern's own rule counts: another rule may expire part of the bucket, but the
            // declared retention is the rule over the whole bucket.
            b.expiry_days = out
                .rules()
                .iter()
                .find(|r| r.id() == Some(RULE_ID) && r.status() == &ExpirationStatus::Enabled)
                .and_then(|r| r.expiration())
                .and_then(|x| x.days())
                .and_then(|d| u32::try_from(d).ok());
        }
        Err(e) if code(&e) == Some("NoSuchLifecycleConfiguration") => {}
        Err(e) => return Err(Error::aws("GetBucketLifecycleConfiguration", on, e)),
    }
    match s3.get_object_lock_configuration().bucket(name).send().await {
        Ok(out) => {
            if let Some(c) = out.object_lock_configuration() {
                b.object_lock_enabled =
                    c.object_lock_enabled() == Some(&ObjectLockEnabled::Enabled);
                b.object_lock = c.rule().and_then(|r| r.default_retention()).and_then(|d| {
                    let mode = LockMode::from_api_name(d.mode()?.as_str())?;
                    let days = u32::try_from(d.days()?).ok()?;
                    Some(ObjectLock { mode, days })
                });
            }
        }
        Err(e) if code(&e) == Some("ObjectLockConfigurationNotFoundError") => {}
        Err(e) => return Err(Error::aws("GetObjectLockConfiguration", on, e)),
    }
    Ok(Some(b))
}

/// The ARN of the key under the trail's alias in the logging account (the trail and the bucket's
/// encryption name the key by ARN: an alias would follow a re-pointed alias silently).
async fn key_arn(config: &SdkConfig, want: &Trail, on: &str) -> Result<String> {
    let kms = aws_sdk_kms::Client::new(&in_region(config, &want.region));
    let out = kms
        .describe_key()
        .key_id(want.key_alias())
        .send()
        .await
        .map_err(|e| Error::aws("DescribeKey", on.to_string(), e))?;
    out.key_metadata
        .and_then(|m| m.arn)
        .ok_or_else(|| Error::Discovery(format!("{on}: KMS answered DescribeKey without an ARN")))
}

/// One change. `account` is the logging account's id (resolved by apply for one created by the
/// same plan). Each part is safe to run again after a lost answer.
pub async fn write(
    clients: &Clients,
    change: &TrailChange,
    account: &AccountId,
    on: &str,
) -> Result<()> {
    let want = &change.trail;
    let config = inside(clients, account).await?;
    let s3c = s3(&config, &want.region);
    let bucket = want.bucket.as_str();
    match change.part {
        TrailPart::Key => {
            let kms = aws_sdk_kms::Client::new(&in_region(&config, &want.region));
            // Created already (a re-run after a lost answer): the alias names it.
            let id = match kms.describe_key().key_id(want.key_alias()).send().await {
                Ok(out) => out.key_metadata.map(|m| m.key_id).unwrap_or_default(),
                Err(_) => {
                    let created = kms
                        .create_key()
                        .description(format!(
                            "govern: the organization trail {}'s log files",
                            want.name
                        ))
                        .policy(&change.document)
                        .send()
                        .await
                        .map_err(|e| Error::aws("CreateKey", on.to_string(), e))?;
                    let id = created.key_metadata.map(|m| m.key_id).unwrap_or_default();
                    kms.create_alias()
                        .alias_name(want.key_alias())
                        .target_key_id(&id)
                        .send()
                        .await
                        .map_err(|e| Error::aws("CreateAlias", on.to_string(), e))?;
                    id
                }
            };
            kms.enable_key_rotation()
                .key_id(&id)
                .send()
                .await
                .map_err(|e| Error::aws("EnableKeyRotation", on.to_string(), e))?;
        }
        TrailPart::KeyRotation => {
            let kms = aws_sdk_kms::Client::new(&in_region(&config, &want.region));
            let arn = key_arn(&config, want, on).await?;
            kms.enable_key_rotation()
                .key_id(arn)
                .send()
                .await
                .map_err(|e| Error::aws("EnableKeyRotation", on.to_string(), e))?;
        }
        TrailPart::Bucket => {
            let mut req = s3c
                .create_bucket()
                .bucket(bucket)
                .object_ownership(ObjectOwnership::BucketOwnerEnforced);
            // us-east-1 takes no LocationConstraint (S3 refuses one naming it).
            if want.region != "us-east-1" {
                req = req.create_bucket_configuration(
                    CreateBucketConfiguration::builder()
                        .location_constraint(BucketLocationConstraint::from(want.region.as_str()))
                        .build(),
                );
            }
            // Object Lock can be turned on at creation; S3 refuses it on most existing buckets.
            if want.object_lock.is_some() {
                req = req.object_lock_enabled_for_bucket(true);
            }
            match req.send().await {
                Ok(_) => {}
                Err(e) if code(&e) == Some("BucketAlreadyOwnedByYou") => {}
                Err(e) if code(&e) == Some("BucketAlreadyExists") => {
                    return Err(Error::Refused {
                        message: format!(
                            "{on}: the bucket name {bucket} is taken by another AWS account (bucket names are global)"
                        ),
                        hint: Some("choose another logging.trail.bucket".into()),
                    })
                }
                Err(e) => return Err(Error::aws("CreateBucket", on.to_string(), e)),
            }
        }
        TrailPart::Versioning => {
            s3c.put_bucket_versioning()
                .bucket(bucket)
                .versioning_configuration(
                    VersioningConfiguration::builder()
                        .status(BucketVersioningStatus::Enabled)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| Error::aws("PutBucketVersioning", on.to_string(), e))?;
        }
        TrailPart::Encryption => {
            let arn = key_arn(&config, want, on).await?;
            let rule = ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(
                    ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(ServerSideEncryption::AwsKms)
                        .kms_master_key_id(arn)
                        .build()
                        .map_err(|e| Error::Discovery(format!("{on}: {e}")))?,
                )
                .bucket_key_enabled(true)
                .build();
            s3c.put_bucket_encryption()
                .bucket(bucket)
                .server_side_encryption_configuration(
                    ServerSideEncryptionConfiguration::builder()
                        .rules(rule)
                        .build()
                        .map_err(|e| Error::Discovery(format!("{on}: {e}")))?,
                )
                .send()
                .await
                .map_err(|e| Error::aws("PutBucketEncryption", on.to_string(), e))?;
        }
        TrailPart::PublicAccessBlock => {
            s3c.put_public_access_block()
                .bucket(bucket)
                .public_access_block_configuration(
                    PublicAccessBlockConfiguration::builder()
                        .block_public_acls(true)
                        .ignore_public_acls(true)
                        .block_public_policy(true)
                        .restrict_public_buckets(true)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| Error::aws("PutPublicAccessBlock", on.to_string(), e))?;
        }
        TrailPart::Ownership => {
            debug_assert_eq!(OWNERSHIP, ObjectOwnership::BucketOwnerEnforced.as_str());
            s3c.put_bucket_ownership_controls()
                .bucket(bucket)
                .ownership_controls(
                    OwnershipControls::builder()
                        .rules(
                            OwnershipControlsRule::builder()
                                .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                                .build()
                                .map_err(|e| Error::Discovery(format!("{on}: {e}")))?,
                        )
                        .build()
                        .map_err(|e| Error::Discovery(format!("{on}: {e}")))?,
                )
                .send()
                .await
                .map_err(|e| Error::aws("PutBucketOwnershipControls", on.to_string(), e))?;
        }
        TrailPart::BucketPolicy => {
            s3c.put_bucket_policy()
                .bucket(bucket)
                .policy(&change.document)
                .send()
                .await
                .map_err(|e| Error::aws("PutBucketPolicy", on.to_string(), e))?;
        }
        TrailPart::Lifecycle => {
            let days = i32::try_from(want.retention_days).unwrap_or(i32::MAX);
            // Noncurrent versions expire too: with versioning on, an expired log file only
            // becomes noncurrent and would otherwise be kept for ever.
            let rule = LifecycleRule::builder()
                .id(RULE_ID)
                .status(ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix("").build())
                .expiration(LifecycleExpiration::builder().days(days).build())
                .noncurrent_version_expiration(
                    NoncurrentVersionExpiration::builder()
                        .noncurrent_days(days)
                        .build(),
                )
                .build()
                .map_err(|e| Error::Discovery(format!("{on}: {e}")))?;
            s3c.put_bucket_lifecycle_configuration()
                .bucket(bucket)
                .lifecycle_configuration(
                    BucketLifecycleConfiguration::builder()
                        .rules(rule)
                        .build()
                        .map_err(|e| Error::Discovery(format!("{on}: {e}")))?,
                )
                .send()
                .await
                .map_err(|e| Error::aws("PutBucketLifecycleConfiguration", on.to_string(), e))?;
        }
        TrailPart::ObjectLock => {
            let Some(lock) = want.object_lock else {
                return Ok(());
            };
            let mode = match lock.mode {
                LockMode::Governance => ObjectLockRetentionMode::Governance,
                LockMode::Compliance => ObjectLockRetentionMode::Compliance,
            };
            let r = s3c
                .put_object_lock_configuration()
                .bucket(bucket)
                .object_lock_configuration(
                    ObjectLockConfiguration::builder()
                        .object_lock_enabled(ObjectLockEnabled::Enabled)
                        .rule(
                            ObjectLockRule::builder()
                                .default_retention(
                                    DefaultRetention::builder()
                                        .mode(mode)
                                        .days(i32::try_from(lock.days).unwrap_or(i32::MAX))
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await;
            match r {
                Ok(_) => {}
                Err(e) if code(&e) == Some("InvalidBucketState") => {
                    return Err(Error::Refused {
                        message: format!(
                            "{on}: S3 refused Object Lock on the existing bucket {bucket} (InvalidBucketState): \
                             Object Lock is set when a bucket is created and cannot be added to most existing buckets"
                        ),
                        hint: Some(
                            "declare a new bucket name in logging.trail.bucket (govern creates it with Object Lock), \
                             or remove object_lock"
                                .into(),
                        ),
                    })
                }
                Err(e) => return Err(Error::aws("PutObjectLockConfiguration", on.to_string(), e)),
            }
        }
        TrailPart::Logging => trail_write(clients, change, "", on).await?,
        TrailPart::Trail | TrailPart::Settings => {
            let arn = key_arn(&config, want, on).await?;
            trail_write(clients, change, &arn, on).await?;
        }
    }
    Ok(())
}

/// CreateTrail, UpdateTrail or StartLogging, from the management account.
async fn trail_write(clients: &Clients, change: &TrailChange, key: &str, on: &str) -> Result<()> {
    let want = &change.trail;
    let ct = cloudtrail(clients, &want.region);
    let create = change.part == TrailPart::Trail;
    if create {
        let r = ct
            .create_trail()
            .name(&want.name)
            .s3_bucket_name(&want.bucket)
            .is_organization_trail(true)
            .is_multi_region_trail(true)
            .include_global_service_events(true)
            .enable_log_file_validation(true)
            .kms_key_id(key)
            .send()
            .await;
        match r {
            Ok(_) => return Ok(()),
            // Created already (a lost answer): set its settings instead.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_trail_already_exists_exception()) => {}
            Err(e) => return Err(Error::aws("CreateTrail", on.to_string(), e)),
        }
    }
    if create || change.part == TrailPart::Settings {
        ct.update_trail()
            .name(&want.name)
            .s3_bucket_name(&want.bucket)
            .is_organization_trail(true)
            .is_multi_region_trail(true)
            .include_global_service_events(true)
            .enable_log_file_validation(true)
            .kms_key_id(key)
            .send()
            .await
            .map_err(|e| Error::aws("UpdateTrail", on.to_string(), e))?;
        return Ok(());
    }
    ct.start_logging()
        .name(&want.name)
        .send()
        .await
        .map_err(|e| Error::aws("StartLogging", on.to_string(), e))?;
    Ok(())
}
