//! Signing the bundle with an asymmetric KMS key, and checking the signature offline.
//!
//! KMS signs a small statement (the manifest's SHA-256, the organization id, the time) with
//! MessageType=RAW: KMS hashes it with the algorithm's digest and signs that, so anyone with the public
//! key (GetPublicKey, saved in the bundle) can verify it with ordinary tools. MessageType=DIGEST would
//! save nothing for a statement this small, and moto (5.2.5) hashes a DIGEST message again, so its
//! signatures would not verify offline; RAW behaves the same in moto and in AWS.

use serde::{Deserialize, Serialize};

/// KMS accepts at most 4,096 bytes for a RAW message.
pub const MAX_STATEMENT: usize = 4096;

/// What is signed: serialized once, stored verbatim in `signature.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "type")]
    pub kind: String,
    pub manifest_sha256: String,
    pub organization_id: String,
    pub signed_at: String,
}

pub const STATEMENT_TYPE: &str = "govern-evidence-statement/v1";

/// `signature.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureFile {
    /// The exact bytes signed (UTF-8 JSON of a [`Statement`]).
    pub statement: String,
    /// The KMS SigningAlgorithmSpec, e.g. RSASSA_PKCS1_V1_5_SHA_256 or ECDSA_SHA_256.
    pub algorithm: String,
    pub message_type: String,
    /// The key's ARN, as KMS Sign answered it.
    pub key_id: String,
    pub key_spec: String,
    /// Base64 of the signature KMS returned (DER for ECDSA).
    pub signature: String,
    /// SHA-256 of `public-key.der`.
    pub public_key_sha256: String,
}

/// Signing algorithms govern chooses from, most preferred first.
pub const PREFERRED: &[&str] = &[
    "RSASSA_PKCS1_V1_5_SHA_256",
    "ECDSA_SHA_256",
    "RSASSA_PSS_SHA_256",
    "ECDSA_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_512",
];

/// The KMS key specs whose signatures [`verify_offline`] checks, with the algorithms it checks for
/// each: RSA keys (ring verifies 2048- to 8192-bit moduli) and the NIST P-256 and P-384 curves.
/// ECC_SECG_P256K1 (secp256k1) and ECC_NIST_P521 sign with ECDSA_SHA_256 / ECDSA_SHA_512 on curves
/// ring does not verify; SM2 is China-only. Those are refused before KMS signs.
pub const SIGNABLE: &[(&str, &[&str])] = &[
    ("RSA_2048", RSA_ALGORITHMS),
    ("RSA_3072", RSA_ALGORITHMS),
    ("RSA_4096", RSA_ALGORITHMS),
    ("ECC_NIST_P256", &["ECDSA_SHA_256"]),
    ("ECC_NIST_P384", &["ECDSA_SHA_384"]),
];

const RSA_ALGORITHMS: &[&str] = &[
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_512",
];

/// The algorithm to sign with, for a key of `key_spec` that offers `offered` (GetPublicKey's
/// SigningAlgorithms): the most preferred one the offline check verifies for that spec. Err names
/// what is wrong and what is accepted.
pub fn choose_algorithm(key_spec: &str, offered: &[&str]) -> Result<&'static str, String> {
    let accepted = || {
        SIGNABLE
            .iter()
            .map(|(spec, _)| *spec)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some((_, checked)) = SIGNABLE.iter().find(|(spec, _)| *spec == key_spec) else {
        return Err(format!(
            "its key spec {key_spec} signs in a way govern's offline check cannot verify; \
             accepted key specs: {}",
            accepted()
        ));
    };
    PREFERRED
        .iter()
        .find(|a| checked.contains(a) && offered.contains(a))
        .copied()
        .ok_or_else(|| {
            format!(
                "it offers no signing algorithm govern's offline check verifies for {key_spec} \
                 (offered: {}; checked: {})",
                offered.join(", "),
                checked.join(", ")
            )
        })
}

/// Checks `signature` over `message` with the DER SubjectPublicKeyInfo KMS GetPublicKey returns.
pub fn verify_offline(
    algorithm: &str,
    spki_der: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    use ring::signature as s;
    let alg: &dyn s::VerificationAlgorithm = match algorithm {
        "RSASSA_PKCS1_V1_5_SHA_256" => &s::RSA_PKCS1_2048_8192_SHA256,
        "RSASSA_PKCS1_V1_5_SHA_384" => &s::RSA_PKCS1_2048_8192_SHA384,
        "RSASSA_PKCS1_V1_5_SHA_512" => &s::RSA_PKCS1_2048_8192_SHA512,
        "RSASSA_PSS_SHA_256" => &s::RSA_PSS_2048_8192_SHA256,
        "RSASSA_PSS_SHA_384" => &s::RSA_PSS_2048_8192_SHA384,
        "RSASSA_PSS_SHA_512" => &s::RSA_PSS_2048_8192_SHA512,
        "ECDSA_SHA_256" => &s::ECDSA_P256_SHA256_ASN1,
        "ECDSA_SHA_384" => &s::ECDSA_P384_SHA384_ASN1,
        other => {
            return Err(format!(
                "signing algorithm {other} cannot be checked offline"
            ))
        }
    };
    let key = spki_public_key(spki_der)?;
    s::UnparsedPublicKey::new(alg, key)
        .verify(message, signature)
        .map_err(|_| "the signature does not match the statement and public key".to_string())
}

/// The subjectPublicKey BIT STRING of a SubjectPublicKeyInfo: PKCS#1 RSAPublicKey for RSA, the
/// uncompressed point for EC — what ring takes.
fn spki_public_key(der: &[u8]) -> Result<&[u8], String> {
    let bad = || "public-key.der is not a DER SubjectPublicKeyInfo".to_string();
    let (tag, spki, _) = der_item(der).ok_or_else(bad)?;
    if tag != 0x30 {
        return Err(bad());
    }
    let (tag, _, rest) = der_item(spki).ok_or_else(bad)?; // AlgorithmIdentifier
    if tag != 0x30 {
        return Err(bad());
    }
    let (tag, bits, _) = der_item(rest).ok_or_else(bad)?;
    match bits.split_first() {
        Some((0, key)) if tag == 0x03 => Ok(key),
        _ => Err(bad()),
    }
}

/// One DER item: (tag, contents, what follows).
fn der_item(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &x| (acc << 8) | x as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// PEM of a DER SubjectPublicKeyInfo.
pub fn pem(der: &[u8]) -> String {
    let b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(der)
    };
    let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END PUBLIC KEY-----\n");
    out
}

/// The region of a KMS key ARN (`arn:aws:kms:<region>:<account>:key/<id>`).
pub fn arn_region(key: &str) -> Option<&str> {
    let mut parts = key.split(':');
    (parts.next() == Some("arn")).then_some(())?;
    parts.nth(2).filter(|r| !r.is_empty())
}

/// A bundle's `signature.json`, checked offline against the bundle's manifest and public key.
pub struct Checked {
    pub file: SignatureFile,
    pub statement: Statement,
    /// The signature's bytes (for a KMS Verify on top).
    pub signature: Vec<u8>,
}

/// Checks `signature_json` of a bundle whose files are `files` (and whose manifest hashes were
/// checked into `checked`): the statement names this manifest and organization, the public key is
/// the one that signed, and the signature holds. Err says why not.
pub fn check_offline(
    files: &super::Files,
    checked: &super::bundle::Checked,
    signature_json: &[u8],
) -> Result<Checked, String> {
    use base64::Engine;
    let file: SignatureFile = serde_json::from_slice(signature_json).map_err(|e| e.to_string())?;
    let statement: Statement =
        serde_json::from_str(&file.statement).map_err(|e| format!("statement: {e}"))?;
    if statement.kind != STATEMENT_TYPE {
        return Err(format!("unknown statement type {}", statement.kind));
    }
    if Some(&statement.manifest_sha256) != checked.manifest_sha256.as_ref() {
        return Err("the signed statement is for another manifest.json".into());
    }
    if let Some(m) = &checked.manifest {
        if m.organization_id != statement.organization_id {
            return Err("the signed statement names another organization".into());
        }
    }
    let der = files
        .0
        .get(super::bundle::PUBLIC_KEY_DER)
        .ok_or_else(|| format!("{} is missing", super::bundle::PUBLIC_KEY_DER))?;
    if crate::state::sha256(der) != file.public_key_sha256 {
        return Err(format!(
            "{} is not the key that signed",
            super::bundle::PUBLIC_KEY_DER
        ));
    }
    let signature = base64::engine::general_purpose::STANDARD
        .decode(&file.signature)
        .map_err(|e| format!("signature is not base64: {e}"))?;
    verify_offline(&file.algorithm, der, file.statement.as_bytes(), &signature)?;
    Ok(Checked {
        file,
        statement,
        signature,
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn only_specs_the_offline_check_verifies_are_chosen() {
        let ecdsa = ["ECDSA_SHA_256"];
        assert_eq!(
            choose_algorithm("ECC_NIST_P256", &ecdsa),
            Ok("ECDSA_SHA_256")
        );
        assert_eq!(
            choose_algorithm("ECC_NIST_P384", &["ECDSA_SHA_384"]),
            Ok("ECDSA_SHA_384")
        );
        let rsa = ["RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256"];
        assert_eq!(
            choose_algorithm("RSA_4096", &rsa),
            Ok("RSASSA_PKCS1_V1_5_SHA_256")
        );
        for (spec, offered) in [
            ("ECC_SECG_P256K1", "ECDSA_SHA_256"),
            ("ECC_NIST_P521", "ECDSA_SHA_512"),
            ("SM2", "SM2DSA"),
        ] {
            let why = choose_algorithm(spec, &[offered]).unwrap_err();
            assert!(why.contains(spec) && why.contains("ECC_NIST_P384"), "{why}");
        }
        // A P-256 key offering only an algorithm of another curve: refused too.
        assert!(choose_algorithm("ECC_NIST_P256", &["ECDSA_SHA_512"]).is_err());
    }

    use super::*;

    #[test]
    fn regions_of_arns() {
        assert_eq!(
            arn_region("arn:aws:kms:eu-west-1:123456789012:key/abc"),
            Some("eu-west-1")
        );
        assert_eq!(arn_region("alias/x"), None);
        assert_eq!(arn_region("1234abcd-12ab"), None);
    }

    #[test]
    fn bad_der_is_refused() {
        assert!(verify_offline("ECDSA_SHA_256", b"\x30\x01", b"m", b"s").is_err());
        assert!(verify_offline("SM2DSA", b"", b"m", b"s").is_err());
    }
}
