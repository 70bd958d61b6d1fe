//! SCPs generated from org.toml settings rather than read from a file.

use serde_json::json;

use crate::model::{PolicyDocument, Region};

/// Names accepted by `template = "..."` under `[policies.<name>]`.
pub const TEMPLATES: &[&str] = &["deny-regions"];

/// Actions the region deny leaves alone: global services (one endpoint, usually in us-east-1, so
/// `aws:RequestedRegion` is not the caller's region) and the few regional reads the console needs.
///
/// Source: the AWS Control Tower Region deny control, as in the control reference "Deny access to AWS
/// based on the requested AWS Region" (GRREGIONDENY,
/// https://docs.aws.amazon.com/controltower/latest/controlreference/primary-region-deny-policy.html)
/// and its OU form CT.MULTISERVICE.PV.1
/// (https://docs.aws.amazon.com/controltower/latest/controlreference/ou-region-deny.html), whose
/// deployed SCP carries the same NotAction list. Added from the older aws-samples
/// service-control-policy-examples Region-controls sample: `s3:GetAccountPublic*`,
/// `s3:PutAccountPublic*` and `wellarchitected:*`. Sorted and without duplicates (a unit test
/// holds this).
pub const GLOBAL_ACTIONS: &[&str] = &[
    "a4b:*",
    "access-analyzer:*",
    "account:*",
    "acm:*",
    "activate:*",
    "artifact:*",
    "aws-marketplace-management:*",
    "aws-marketplace:*",
    "aws-portal:*",
    "billing:*",
    "billingconductor:*",
    "budgets:*",
    "ce:*",
    "chatbot:*",
    "chime:*",
    "cloudfront:*",
    "cloudtrail:LookupEvents",
    "compute-optimizer:*",
    "config:*",
    "consoleapp:*",
    "consolidatedbilling:*",
    "cur:*",
    "datapipeline:GetAccountLimits",
    "devicefarm:*",
    "directconnect:*",
    "ec2:DescribeRegions",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVpnGateways",
    "ecr-public:*",
    "fms:*",
    "freetier:*",
    "globalaccelerator:*",
    "health:*",
    "iam:*",
    "importexport:*",
    "invoicing:*",
    "iq:*",
    "kms:*",
    "license-manager:ListReceivedLicenses",
    "lightsail:Get*",
    "mobileanalytics:*",
    "networkmanager:*",
    "notifications-contacts:*",
    "notifications:*",
    "organizations:*",
    "payments:*",
    "pricing:*",
    "quicksight:DescribeAccountSubscription",
    "resource-explorer-2:*",
    "route53-recovery-cluster:*",
    "route53-recovery-control-config:*",
    "route53-recovery-readiness:*",
    "route53:*",
    "route53domains:*",
    "s3:CreateMultiRegionAccessPoint",
    "s3:DeleteMultiRegionAccessPoint",
    "s3:DescribeMultiRegionAccessPointOperation",
    "s3:GetAccountPublic*",
    "s3:GetAccountPublicAccessBlock",
    "s3:GetBucketLocation",
    "s3:GetBucketPolicyStatus",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetMultiRegionAccessPoint",
    "s3:GetMultiRegionAccessPointPolicy",
    "s3:GetMultiRegionAccessPointPolicyStatus",
    "s3:GetStorageLensConfiguration",
    "s3:GetStorageLensDashboard",
    "s3:ListAllMyBuckets",
    "s3:ListMultiRegionAccessPoints",
    "s3:ListStorageLensConfigurations",
    "s3:PutAccountPublic*",
    "s3:PutAccountPublicAccessBlock",
    "s3:PutMultiRegionAccessPointPolicy",
    "savingsplans:*",
    "shield:*",
    "sso:*",
    "sts:*",
    "support:*",
    "supportapp:*",
    "supportplans:*",
    "sustainability:*",
    "tag:GetResources",
    "tax:*",
    "trustedadvisor:*",
    "vendor-insights:ListEntitledSecurityProfiles",
    "waf-regional:*",
    "waf:*",
    "wafv2:*",
    "wellarchitected:*",
];

/// An SCP denying every action outside `allowed` regions, except [`GLOBAL_ACTIONS`] and calls by the
/// roles named in `exempt_role_names` (in any account), so govern's own member role is never
/// locked out. Regions are written sorted and once each, so the document does not change when the
/// list in org.toml is reordered.
pub fn deny_regions(allowed: &[Region], exempt_role_names: &[String]) -> PolicyDocument {
    let mut regions: Vec<&str> = allowed.iter().map(Region::as_str).collect();
    regions.sort_unstable();
    regions.dedup();
    let mut roles: Vec<String> = exempt_role_names
        .iter()
        .map(|name| format!("arn:*:iam::*:role/{name}"))
        .collect();
    roles.sort_unstable();
    roles.dedup();

    let mut condition = json!({
        "StringNotEquals": { "aws:RequestedRegion": regions },
    });
    if !roles.is_empty() {
        condition["ArnNotLike"] = json!({ "aws:PrincipalARN": roles });
    }
    PolicyDocument::from_value(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyOutsideAllowedRegions",
            "Effect": "Deny",
            "NotAction": GLOBAL_ACTIONS,
            "Resource": "*",
            "Condition": condition,
        }],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::KNOWN_REGIONS;

    #[test]
    fn global_actions_are_sorted_and_unique() {
        assert!(
            GLOBAL_ACTIONS.windows(2).all(|w| w[0] < w[1]),
            "sort GLOBAL_ACTIONS"
        );
        for must in [
            "iam:*",
            "organizations:*",
            "sts:*",
            "cloudfront:*",
            "route53:*",
            "support:*",
        ] {
            assert!(GLOBAL_ACTIONS.contains(&must), "{must} is missing");
        }
    }

    #[test]
    fn fits_the_old_size_limit_with_ten_regions() {
        let regions: Vec<Region> = KNOWN_REGIONS
            .iter()
            .rev()
            .take(10)
            .map(|r| Region::parse(r).unwrap())
            .collect();
        let roles = vec!["OrganizationAccountAccessRole".to_string()];
        let doc = deny_regions(&regions, &roles);
        let len = doc.minified_len();
        assert!(
            len <= 5_120,
            "deny-regions with 10 regions is {len} characters"
        );
    }

    #[test]
    fn shape() {
        let regions = [
            Region::parse("eu-west-1").unwrap(),
            Region::parse("us-east-1").unwrap(),
            Region::parse("eu-west-1").unwrap(),
        ];
        let doc = deny_regions(&regions, &["Admin".to_string()]);
        let s = &doc.value()["Statement"][0];
        assert_eq!(s["Effect"], "Deny");
        assert_eq!(
            s["Condition"]["StringNotEquals"]["aws:RequestedRegion"],
            json!(["eu-west-1", "us-east-1"])
        );
        assert_eq!(
            s["Condition"]["ArnNotLike"]["aws:PrincipalARN"],
            json!(["arn:*:iam::*:role/Admin"])
        );
        let no_roles = deny_regions(&regions, &[]);
        assert!(no_roles.value()["Statement"][0]["Condition"]
            .get("ArnNotLike")
            .is_none());
    }
}
