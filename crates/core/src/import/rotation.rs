//! The key-rotation note: `[key_rotation]` is written commented out, because a file without it
//! enforces nothing and an import must not start enforcing. The note says what the organization
//! has today, and suggests values that only turn rotation on where it is off.

use std::collections::BTreeMap;

use super::plural;
use crate::model::{AccountId, MemberState};
use crate::plan::{kms_skip_reason, DEFAULT_KMS_ROTATION_DAYS};

/// What the comment above the commented-out table says, and the values in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RotationNote {
    pub today: String,
    pub kms_days: u32,
    pub secret_days: u32,
}

pub(crate) fn note(read: &BTreeMap<AccountId, &MemberState>, regions: &[String]) -> RotationNote {
    let mut key_periods: BTreeMap<u32, usize> = BTreeMap::new();
    let (mut keys, mut keys_off, mut period_unknown) = (0, 0, 0);
    let mut secret_days: BTreeMap<u32, usize> = BTreeMap::new();
    let (mut secrets, mut secrets_off, mut no_function, mut unknown) = (0, 0, 0, 0);
    for member in read.values() {
        for key in member.keys.iter().filter(|k| kms_skip_reason(k).is_none()) {
            keys += 1;
            // As the planner reads it: a period the API did not return is unknown, not 365.
            match (key.rotation_enabled, key.rotation_period_days) {
                (Some(true), Some(p)) => *key_periods.entry(p).or_default() += 1,
                (Some(true), None) => period_unknown += 1,
                _ => keys_off += 1,
            }
        }
        // A replica is counted once, as its primary.
        for s in member.secrets.iter().filter(|s| s.replica_of().is_none()) {
            secrets += 1;
            let rotates =
                s.rotation_lambda.is_some() || crate::baselines::secrets::managed_by(s).is_some();
            match (s.rotation_enabled, s.rotation_days, rotates) {
                (_, _, false) => no_function += 1,
                (true, Some(d), _) => *secret_days.entry(d).or_default() += 1,
                (true, None, _) => unknown += 1,
                (false, _, _) => secrets_off += 1,
            }
        }
    }
    let every = |m: &BTreeMap<u32, usize>| {
        m.iter()
            .map(|(days, n)| format!("{n} every {days} days"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rotating: usize = key_periods.values().sum::<usize>() + period_unknown;
    let mut periods = every(&key_periods);
    if period_unknown > 0 {
        if !periods.is_empty() {
            periods.push_str(", ");
        }
        periods.push_str(&format!("{period_unknown} at a period not reported"));
    }
    let mut today = format!(
        "Today, in {} of {} account{}: ",
        if regions.is_empty() {
            "no region".to_string()
        } else {
            regions.join(", ")
        },
        read.len(),
        plural(read.len()),
    );
    if keys == 0 {
        today.push_str("no customer-managed key whose rotation govern would manage");
    } else {
        today.push_str(&format!(
            "{keys} customer-managed key{} whose rotation govern would manage, {rotating} rotating{}, \
             {keys_off} not",
            plural(keys),
            if rotating > 0 { format!(" ({periods})") } else { String::new() },
        ));
    }
    let rotating: usize = secret_days.values().sum();
    if secrets == 0 {
        today.push_str("; no secrets");
    } else {
        today.push_str(&format!(
            "; {secrets} secret{}, {rotating} rotating{}, {secrets_off} not",
            plural(secrets),
            if rotating > 0 {
                format!(" ({})", every(&secret_days))
            } else {
                String::new()
            },
        ));
    }
    if unknown > 0 {
        today.push_str(&format!(", {unknown} on a cron schedule"));
    }
    if no_function > 0 {
        today.push_str(&format!(
            ", {no_function} without a rotation function (govern never invents one)"
        ));
    }
    today.push('.');
    RotationNote {
        today,
        // The longest period in use: uncommented, the table turns rotation on where it is off and
        // leaves every key and secret that rotates today as it is.
        kms_days: key_periods
            .keys()
            .max()
            .copied()
            .unwrap_or(DEFAULT_KMS_ROTATION_DAYS)
            .clamp(90, 2560),
        secret_days: secret_days
            .keys()
            .max()
            .copied()
            .unwrap_or(90)
            .clamp(1, 1000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{KmsKey, SecretInfo};

    fn key(enabled: Option<bool>, period: Option<u32>, spec: &str) -> KmsKey {
        KmsKey {
            region: "us-east-1".into(),
            id: "k".into(),
            arn: "arn:aws:kms:us-east-1:111122223333:key/k".into(),
            manager: "CUSTOMER".into(),
            spec: spec.into(),
            usage: "ENCRYPT_DECRYPT".into(),
            origin: "AWS_KMS".into(),
            state: "Enabled".into(),
            rotation_enabled: enabled,
            rotation_period_days: period,
            multi_region: None,
            primary_region: None,
        }
    }
    fn secret(enabled: bool, days: Option<u32>, function: bool) -> SecretInfo {
        SecretInfo {
            region: "us-east-1".into(),
            arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:s".into(),
            name: "s".into(),
            rotation_enabled: enabled,
            rotation_days: days,
            rotation_lambda: function
                .then(|| "arn:aws:lambda:us-east-1:111122223333:function:f".into()),
            schedule: None,
            window: None,
            owning_service: None,
            primary_region: None,
        }
    }

    #[test]
    fn counts_what_rotates_and_at_which_periods() {
        let m = MemberState {
            keys: vec![
                key(Some(true), None, "SYMMETRIC_DEFAULT"),
                key(Some(true), Some(730), "SYMMETRIC_DEFAULT"),
                key(Some(false), None, "SYMMETRIC_DEFAULT"),
                key(None, None, "RSA_2048"),
            ],
            secrets: vec![
                secret(true, Some(30), true),
                secret(false, None, true),
                secret(false, None, false),
            ],
            ..MemberState::default()
        };
        let read = [(AccountId::parse("111122223333").unwrap(), &m)].into();
        let n = note(&read, &["us-east-1".to_string()]);
        assert_eq!(
            n.today,
            "Today, in us-east-1 of 1 account: 3 customer-managed keys whose rotation govern would \
             manage, 2 rotating (1 every 730 days, 1 at a period not reported), 1 not; 3 secrets, 1 rotating \
             (1 every 30 days), 1 not, 1 without a rotation function (govern never invents one)."
        );
        assert_eq!((n.kms_days, n.secret_days), (730, 30));
        let empty = note(&BTreeMap::new(), &[]);
        assert_eq!((empty.kms_days, empty.secret_days), (365, 90));
    }
}
