//! Signing an evidence bundle with a KMS key, and KMS Verify: the evidence side's AWS calls. What
//! is signed and the offline checks are pure and live in the core crate (`evidence::signature`).

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};

use crate::aws::Session;
use crate::drift::now_rfc3339;
use crate::error::{Error, Result};
use crate::evidence::signature::{self, SignatureFile, Statement};
use crate::evidence::{bundle, Files, Manifest};
use crate::state::sha256;

async fn kms_client(
    session: &Session,
    fallback_region: &str,
    key: &str,
) -> Result<aws_sdk_kms::Client> {
    let config = session.load(fallback_region).await?;
    let config = match signature::arn_region(key) {
        Some(region) => crate::aws::in_region(&config, region),
        None => config,
    };
    Ok(aws_sdk_kms::Client::new(&config))
}

/// Signs the bundle's statement with `key` (an asymmetric SIGN_VERIFY KMS key) and adds
/// `signature.json` and the public key to `files`; the signature is checked offline before it is
/// kept, so a bundle never carries one its own key does not verify.
pub async fn sign(
    session: &Session,
    home_region: &str,
    key: &str,
    files: &mut Files,
    manifest: &Manifest,
) -> Result<()> {
    let kms = kms_client(session, home_region, key).await?;
    let public = kms
        .get_public_key()
        .key_id(key)
        .send()
        .await
        .map_err(|e| Error::aws("GetPublicKey", key, e))?;
    if public.key_usage().map(|u| u.as_str()) != Some("SIGN_VERIFY") {
        return Err(Error::Refused {
            message: format!(
                "KMS key {key} has key usage {}, not SIGN_VERIFY",
                public.key_usage().map(|u| u.as_str()).unwrap_or("unknown")
            ),
            hint: Some(
                "create an asymmetric signing key, e.g. KeySpec RSA_2048 or ECC_NIST_P256 with KeyUsage SIGN_VERIFY".into(),
            ),
        });
    }
    // Refused before KMS signs: a signature the offline check cannot verify is of no use, and
    // was once only found out after signing (issue 13).
    let offered: Vec<&str> = public
        .signing_algorithms()
        .iter()
        .map(|a| a.as_str())
        .collect();
    // KeySpec, else the older CustomerMasterKeySpec (same values; some endpoints send only it).
    #[allow(deprecated)]
    let spec = public
        .key_spec()
        .map(|s| s.as_str())
        .or(public.customer_master_key_spec().map(|s| s.as_str()))
        .unwrap_or("unknown");
    let algorithm = signature::choose_algorithm(spec, &offered).map_err(|why| Error::Refused {
        message: format!("KMS key {key} cannot sign evidence: {why}"),
        hint: Some(
            "create a SIGN_VERIFY key with KeySpec RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256 or ECC_NIST_P384".into(),
        ),
    })?;
    let der = public
        .public_key()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    let manifest_bytes = files.0.get(bundle::MANIFEST).cloned().unwrap_or_default();
    let statement = serde_json::to_string(&Statement {
        kind: signature::STATEMENT_TYPE.into(),
        manifest_sha256: sha256(&manifest_bytes),
        organization_id: manifest.organization_id.clone(),
        signed_at: now_rfc3339(),
    })
    .expect("a statement always serializes");
    debug_assert!(statement.len() <= signature::MAX_STATEMENT);
    let signed = kms
        .sign()
        .key_id(key)
        .message(Blob::new(statement.as_bytes()))
        .message_type(MessageType::Raw)
        .signing_algorithm(SigningAlgorithmSpec::from(algorithm))
        .send()
        .await
        .map_err(|e| Error::aws("Sign", key, e))?;
    let sig = signed
        .signature()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    signature::verify_offline(algorithm, &der, statement.as_bytes(), &sig).map_err(|why| {
        Error::Inconsistent(format!(
            "KMS Sign with {key} returned a signature its own public key does not verify: {why}"
        ))
    })?;
    let file = SignatureFile {
        statement,
        algorithm: algorithm.to_string(),
        message_type: "RAW".into(),
        key_id: signed
            .key_id()
            .or(public.key_id())
            .unwrap_or(key)
            .to_string(),
        key_spec: public
            .key_spec()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        signature: aws_smithy_types::base64::encode(&sig),
        public_key_sha256: sha256(&der),
    };
    files.add(bundle::SIGNATURE, crate::evidence::json(&file));
    files.add(bundle::PUBLIC_KEY_PEM, signature::pem(&der));
    files.add(bundle::PUBLIC_KEY_DER, der);
    Ok(())
}

/// Asks KMS itself whether the signature holds (`govern evidence verify --kms`).
pub async fn kms_verify(
    session: &Session,
    signed: &signature::Checked,
) -> std::result::Result<(), String> {
    let key = &signed.file.key_id;
    let client = kms_client(session, "us-east-1", key)
        .await
        .map_err(|e| e.to_string())?;
    let out = client
        .verify()
        .key_id(key)
        .message(Blob::new(signed.file.statement.as_bytes()))
        .message_type(MessageType::Raw)
        .signature(Blob::new(signed.signature.clone()))
        .signing_algorithm(SigningAlgorithmSpec::from(signed.file.algorithm.as_str()))
        .send()
        .await
        .map_err(|e| {
            format!(
                "kms:Verify: {}",
                aws_smithy_types::error::display::DisplayErrorContext(&e)
            )
        })?;
    if !out.signature_valid() {
        return Err("KMS Verify says the signature is not valid".into());
    }
    Ok(())
}
