//! Which service principals RegisterDelegatedAdministrator accepts.
//!
//! Source: the AWS Organizations User Guide, "AWS services that you can use with AWS Organizations"
//! (docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_services_list.html), the
//! services whose "Supports delegated administrator" column says Yes, with the service principal
//! each service's own page gives for RegisterDelegatedAdministrator. Compiled for issue 13
//! (December 2026). Some of these services ask to be enabled through their own API
//! (EnableOrganizationAdminAccount for GuardDuty, Security Hub, Macie, Detective, Inspector) rather
//! than through Organizations: `[security]` does that (`crate::model::SERVICES`, whose principals
//! are all in this list — a test in `crate::security` checks it); here the list only keeps `govern
//! validate` from accepting a principal AWS would refuse at apply.
//!
//! A principal AWS adds later is refused by validate until it is added here.

/// (service principal, service).
pub const SUPPORTED: &[(&str, &str)] = &[
    ("access-analyzer.amazonaws.com", "IAM Access Analyzer"),
    ("account.amazonaws.com", "AWS Account Management"),
    ("auditmanager.amazonaws.com", "AWS Audit Manager"),
    ("backup.amazonaws.com", "AWS Backup"),
    ("cloudtrail.amazonaws.com", "AWS CloudTrail"),
    ("compute-optimizer.amazonaws.com", "AWS Compute Optimizer"),
    ("config.amazonaws.com", "AWS Config (aggregators)"),
    (
        "config-multiaccountsetup.amazonaws.com",
        "AWS Config (rules and conformance packs)",
    ),
    (
        "cost-optimization-hub.bcm.amazonaws.com",
        "Cost Optimization Hub",
    ),
    ("detective.amazonaws.com", "Amazon Detective"),
    ("devops-guru.amazonaws.com", "Amazon DevOps Guru"),
    ("fms.amazonaws.com", "AWS Firewall Manager"),
    ("guardduty.amazonaws.com", "Amazon GuardDuty"),
    ("health.amazonaws.com", "AWS Health"),
    ("inspector2.amazonaws.com", "Amazon Inspector"),
    ("ipam.amazonaws.com", "Amazon VPC IP Address Manager"),
    (
        "license-manager.member-account.amazonaws.com",
        "AWS License Manager",
    ),
    ("macie.amazonaws.com", "Amazon Macie"),
    (
        "member.org.stacksets.cloudformation.amazonaws.com",
        "AWS CloudFormation StackSets",
    ),
    (
        "reachabilityanalyzer.networkinsights.amazonaws.com",
        "VPC Reachability Analyzer",
    ),
    ("securityhub.amazonaws.com", "AWS Security Hub"),
    ("securitylake.amazonaws.com", "Amazon Security Lake"),
    ("servicecatalog.amazonaws.com", "AWS Service Catalog"),
    ("ssm.amazonaws.com", "AWS Systems Manager"),
    ("sso.amazonaws.com", "AWS IAM Identity Center"),
    ("storage-lens.s3.amazonaws.com", "Amazon S3 Storage Lens"),
];

/// Whether RegisterDelegatedAdministrator accepts `principal`.
pub fn supported(principal: &str) -> bool {
    SUPPORTED.iter().any(|(p, _)| *p == principal)
}

/// The help line of a refused principal: the source and the list.
pub fn help() -> String {
    format!(
        "services that support a delegated administrator (AWS Organizations User Guide, \"AWS \
         services that you can use with AWS Organizations\"): {}",
        SUPPORTED
            .iter()
            .map(|(p, _)| *p)
            .collect::<Vec<_>>()
            .join(", ")
    )
}
