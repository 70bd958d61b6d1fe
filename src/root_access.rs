//! Centralized root access, the AWS side (`govern_core::root_access` plans it): IAM's
//! ListOrganizationsFeatures to read, and the Enable/Disable calls to write. All from the
//! management account; IAM is global.

use std::collections::BTreeSet;

use aws_sdk_iam::types::FeatureType;

use crate::aws::Clients;
use crate::error::{Error, Result};
use crate::model::{Actual, RootFeature, IAM_SERVICE};
use govern_core::root_access::RootAccessChange;

fn client(clients: &Clients) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(clients.members.management())
}

/// The enabled features (ListOrganizationsFeatures). Called only with trusted access for IAM on:
/// without it IAM answers ServiceAccessNotEnabledException and no feature can be on, so govern
/// records none without asking (and takes that answer the same way if trusted access went off
/// between the two reads).
pub async fn read(clients: &Clients, actual: &mut Actual) -> Result<()> {
    if !actual.service_access.contains(IAM_SERVICE) {
        actual.root_features = Some(BTreeSet::new());
        return Ok(());
    }
    let r = client(clients).list_organizations_features().send().await;
    let features = match r {
        Ok(out) => out
            .enabled_features()
            .iter()
            .filter_map(|f| RootFeature::from_api_name(f.as_str()))
            .collect(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_service_access_not_enabled_exception()) =>
        {
            BTreeSet::new()
        }
        Err(e) => {
            return Err(Error::aws(
                "ListOrganizationsFeatures",
                "the organization",
                e,
            ))
        }
    };
    actual.root_features = Some(features);
    Ok(())
}

/// One change. Enabling a feature that is on, or disabling one that is off, succeeds on IAM, so a
/// re-run after a lost answer needs no special case.
pub async fn write(clients: &Clients, change: &RootAccessChange, on: &str) -> Result<()> {
    let iam = client(clients);
    let op = change.operation();
    let r = match (change.feature, change.enabled) {
        (RootFeature::RootCredentialsManagement, true) => iam
            .enable_organizations_root_credentials_management()
            .send()
            .await
            .map(|o| features(o.enabled_features()))
            .map_err(|e| Error::aws(op, on, e)),
        (RootFeature::RootCredentialsManagement, false) => iam
            .disable_organizations_root_credentials_management()
            .send()
            .await
            .map(|o| features(o.enabled_features()))
            .map_err(|e| Error::aws(op, on, e)),
        (RootFeature::RootSessions, true) => iam
            .enable_organizations_root_sessions()
            .send()
            .await
            .map(|o| features(o.enabled_features()))
            .map_err(|e| Error::aws(op, on, e)),
        (RootFeature::RootSessions, false) => iam
            .disable_organizations_root_sessions()
            .send()
            .await
            .map(|o| features(o.enabled_features()))
            .map_err(|e| Error::aws(op, on, e)),
    };
    let now = r?;
    // IAM answers with the features on after the call: a feature still in the wrong state is a
    // failed change, not a success to record.
    if now.contains(&change.feature) != change.enabled {
        return Err(Error::Discovery(format!(
            "{on}: {op} answered, but IAM reports {} {}",
            change.feature.api_name(),
            if change.enabled { "off" } else { "on" }
        )));
    }
    Ok(())
}

fn features(list: &[FeatureType]) -> BTreeSet<RootFeature> {
    list.iter()
        .filter_map(|f| RootFeature::from_api_name(f.as_str()))
        .collect()
}
