//! The security services' delegated administrator (`[security]`, issue 16 part 3): which services
//! one member account administers for the organization, and — in [`SERVICES`], the one table of
//! them — how AWS documents designating that administrator for each service.

use serde::{Deserialize, Serialize};

/// A security service `[security] services` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecurityService {
    Guardduty,
    /// `securityhub`, as `[security] services` names it.
    #[serde(rename = "securityhub")]
    SecurityHub,
    AccessAnalyzer,
    Macie,
    Inspector,
    Detective,
    Config,
}

/// How the administrator is designated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enablement {
    /// The service's own API, called from the management account in each Region: `enable`
    /// designates, `disable` removes, `list` reads. The call enables the service's trusted access
    /// and registers the account in Organizations itself, so the plan asks for no trusted access
    /// first (each service's page below says so).
    ServiceApi {
        enable: &'static str,
        disable: &'static str,
        list: &'static str,
    },
    /// Organizations RegisterDelegatedAdministrator / DeregisterDelegatedAdministrator, global;
    /// Organizations refuses it until the service has trusted access, which the plan enables first.
    Organizations,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct ServiceSpec {
    pub service: SecurityService,
    /// The name in `[security] services`.
    pub key: &'static str,
    pub title: &'static str,
    /// The service principal (trusted access, ListDelegatedServicesForAccount).
    pub principal: &'static str,
    pub enablement: Enablement,
    /// Designated per Region (the service API's calls act in the Region they are sent to).
    pub regional: bool,
    /// Where AWS documents the way.
    pub source: &'static str,
}

/// Every service `[security]` knows, in the order plans, evidence and import list them.
pub const SERVICES: &[ServiceSpec] = &[
    ServiceSpec {
        service: SecurityService::Guardduty,
        key: "guardduty",
        title: "Amazon GuardDuty",
        principal: "guardduty.amazonaws.com",
        enablement: Enablement::ServiceApi {
            enable: "guardduty:EnableOrganizationAdminAccount",
            disable: "guardduty:DisableOrganizationAdminAccount",
            list: "guardduty:ListOrganizationAdminAccounts",
        },
        regional: true,
        source: "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_organizations.html",
    },
    ServiceSpec {
        service: SecurityService::SecurityHub,
        key: "securityhub",
        title: "AWS Security Hub",
        principal: "securityhub.amazonaws.com",
        enablement: Enablement::ServiceApi {
            enable: "securityhub:EnableOrganizationAdminAccount",
            disable: "securityhub:DisableOrganizationAdminAccount",
            list: "securityhub:ListOrganizationAdminAccounts",
        },
        regional: true,
        source: "https://docs.aws.amazon.com/securityhub/latest/userguide/designate-orgs-admin-account.html",
    },
    ServiceSpec {
        service: SecurityService::AccessAnalyzer,
        key: "access-analyzer",
        title: "IAM Access Analyzer",
        principal: "access-analyzer.amazonaws.com",
        enablement: Enablement::Organizations,
        regional: false,
        source: "https://docs.aws.amazon.com/organizations/latest/userguide/services-that-can-integrate-access-analyzer.html",
    },
    ServiceSpec {
        service: SecurityService::Macie,
        key: "macie",
        title: "Amazon Macie",
        principal: "macie.amazonaws.com",
        enablement: Enablement::ServiceApi {
            enable: "macie2:EnableOrganizationAdminAccount",
            disable: "macie2:DisableOrganizationAdminAccount",
            list: "macie2:ListOrganizationAdminAccounts",
        },
        regional: true,
        source: "https://docs.aws.amazon.com/macie/latest/APIReference/admin.html",
    },
    ServiceSpec {
        service: SecurityService::Inspector,
        key: "inspector",
        title: "Amazon Inspector",
        principal: "inspector2.amazonaws.com",
        enablement: Enablement::ServiceApi {
            enable: "inspector2:EnableDelegatedAdminAccount",
            disable: "inspector2:DisableDelegatedAdminAccount",
            list: "inspector2:ListDelegatedAdminAccounts",
        },
        regional: true,
        source: "https://docs.aws.amazon.com/inspector/v2/APIReference/API_EnableDelegatedAdminAccount.html",
    },
    ServiceSpec {
        service: SecurityService::Detective,
        key: "detective",
        title: "Amazon Detective",
        principal: "detective.amazonaws.com",
        enablement: Enablement::ServiceApi {
            enable: "detective:EnableOrganizationAdminAccount",
            disable: "detective:DisableOrganizationAdminAccount",
            list: "detective:ListOrganizationAdminAccounts",
        },
        regional: true,
        source: "https://docs.aws.amazon.com/detective/latest/APIReference/API_EnableOrganizationAdminAccount.html",
    },
    ServiceSpec {
        // AWS Config's rules and conformance packs across the organization: the principal
        // `config-multiaccountsetup.amazonaws.com` (aggregators use `config.amazonaws.com`).
        service: SecurityService::Config,
        key: "config",
        title: "AWS Config",
        principal: "config-multiaccountsetup.amazonaws.com",
        enablement: Enablement::Organizations,
        regional: false,
        source: "https://docs.aws.amazon.com/organizations/latest/userguide/services-that-can-integrate-config.html",
    },
];

impl SecurityService {
    pub fn spec(self) -> &'static ServiceSpec {
        SERVICES
            .iter()
            .find(|s| s.service == self)
            .expect("every service has a row")
    }

    pub fn key(self) -> &'static str {
        self.spec().key
    }

    pub fn from_key(key: &str) -> Option<SecurityService> {
        SERVICES.iter().find(|s| s.key == key).map(|s| s.service)
    }

    /// The names `[security] services` accepts, for help lines.
    pub fn keys() -> Vec<&'static str> {
        SERVICES.iter().map(|s| s.key).collect()
    }
}

/// `[security]` as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Security {
    /// The declared account (by name) that administers every listed service.
    pub administrator: String,
    pub services: Vec<SecurityService>,
}
