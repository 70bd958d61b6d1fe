//! What the [`Proxy`](crate::Proxy) answers itself, for APIs the emulator lacks or gets wrong:
//! who is calling ([`Identities`]), Account region opt-in ([`Regions`]), KMS rotation periods
//! ([`KmsPeriods`]) and IAM's centralized root access features ([`RootFeatures`]).

use std::collections::BTreeSet;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde_json::{json, Value};

/// The account moto gives the static `testing` key (and any key the proxy has not seen issued).
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// An answer the proxy writes without asking the emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(status: u16, body: &Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "application/json".to_string())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A REST-JSON error: code in `x-amzn-ErrorType`, `message` (and `extra` fields) in the body.
    pub(crate) fn rest_error(status: u16, code: &str, message: &str, extra: Value) -> Reply {
        let mut body = json!({ "message": message });
        if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
            body.extend(extra);
        }
        let mut reply = Reply::json(status, &body);
        reply.headers.push(("x-amzn-errortype", code.to_string()));
        reply
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ---------------------------------------------------------------------------------------------
// Caller identity

/// `AccessKeyId → account id`, learnt from STS AssumeRole traffic through the proxy.
#[derive(Debug, Default)]
pub struct Identities {
    keys: Mutex<HashMap<String, String>>,
}

impl Identities {
    /// The account a key belongs to: the one it was issued for by an AssumeRole seen by the proxy,
    /// else [`DEFAULT_ACCOUNT`].
    pub fn account_of_key(&self, access_key_id: &str) -> String {
        lock(&self.keys)
            .get(access_key_id)
            .cloned()
            .unwrap_or_else(|| DEFAULT_ACCOUNT.to_string())
    }

    /// The calling account of a signed request (from its Authorization header's access key).
    pub(crate) fn caller_account(&self, headers: &http::HeaderMap) -> String {
        match access_key_id(headers) {
            Some(key) => self.account_of_key(&key),
            None => DEFAULT_ACCOUNT.to_string(),
        }
    }

    /// Records the key an AssumeRole answer issued, for the account in the request's RoleArn.
    pub(crate) fn observe_assume_role(&self, request_body: &[u8], response_body: &[u8]) {
        let Some(arn) = form_param(request_body, "RoleArn") else {
            return;
        };
        // arn:aws:iam::<account>:role/<name>
        let Some(account) = arn.split(':').nth(4).filter(|a| !a.is_empty()) else {
            return;
        };
        let response = String::from_utf8_lossy(response_body);
        if let Some(key) = xml_text(&response, "AccessKeyId") {
            lock(&self.keys).insert(key.to_string(), account.to_string());
        }
    }
}

/// The access key of `Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...`.
pub(crate) fn access_key_id(headers: &http::HeaderMap) -> Option<String> {
    credential_scope(headers).map(|parts| parts[0].clone())
}

/// The service of the Authorization header's credential scope.
pub(crate) fn credential_service(headers: &http::HeaderMap) -> Option<String> {
    credential_scope(headers).and_then(|parts| parts.get(3).cloned())
}

/// The region of the Authorization header's credential scope.
pub(crate) fn credential_region(headers: &http::HeaderMap) -> Option<String> {
    credential_scope(headers).and_then(|parts| parts.get(2).cloned())
}

fn credential_scope(headers: &http::HeaderMap) -> Option<Vec<String>> {
    let auth = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let start = auth.find("Credential=")? + "Credential=".len();
    let credential = auth[start..].split([',', ' ']).next()?;
    let parts: Vec<String> = credential.split('/').map(str::to_string).collect();
    (parts.len() >= 5 && !parts[0].is_empty()).then_some(parts)
}

/// The text of the first `<tag>…</tag>` in `xml`.
pub(crate) fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find("</")? + start;
    Some(xml[start..end].trim())
}

/// One decoded parameter of an `application/x-www-form-urlencoded` body or query string.
pub(crate) fn form_param(form: &[u8], name: &str) -> Option<String> {
    let form = std::str::from_utf8(form).ok()?;
    form.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (form_decode(key) == name).then(|| form_decode(value))
    })
}

fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ASCII hex digits");
                out.push(u8::from_str_radix(hex, 16).expect("two hex digits"));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Region opt-in

/// Regions enabled by default in every account (`ENABLED_BY_DEFAULT`; cannot be disabled).
pub const DEFAULT_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Opt-in regions (`DISABLED` unless set otherwise).
pub const OPT_IN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/// The Account API's `RegionOptStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OptStatus {
    Enabled,
    Enabling,
    Disabling,
    Disabled,
    EnabledByDefault,
}

impl OptStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OptStatus::Enabled => "ENABLED",
            OptStatus::Enabling => "ENABLING",
            OptStatus::Disabling => "DISABLING",
            OptStatus::Disabled => "DISABLED",
            OptStatus::EnabledByDefault => "ENABLED_BY_DEFAULT",
        }
    }

    pub fn parse(s: &str) -> Option<OptStatus> {
        Some(match s {
            "ENABLED" => OptStatus::Enabled,
            "ENABLING" => OptStatus::Enabling,
            "DISABLING" => OptStatus::Disabling,
            "DISABLED" => OptStatus::Disabled,
            "ENABLED_BY_DEFAULT" => OptStatus::EnabledByDefault,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct RegionState {
    status: OptStatus,
    /// Reads left that still show the transitional status (ENABLING/DISABLING).
    transitional_reads: u32,
}

impl RegionState {
    fn settled(status: OptStatus) -> RegionState {
        RegionState {
            status,
            transitional_reads: 0,
        }
    }

    /// What a read shows now (and counts the read).
    fn read(&mut self) -> OptStatus {
        if self.transitional_reads == 0 {
            return self.status;
        }
        self.transitional_reads -= 1;
        match self.status {
            OptStatus::Enabled => OptStatus::Enabling,
            OptStatus::Disabled => OptStatus::Disabling,
            other => other,
        }
    }
}

/// Region opt-in state per (account, region), answering ListRegions, GetRegionOptStatus,
/// EnableRegion and DisableRegion (moto answers 404 for them).
///
/// Enable/Disable take effect at once by default; with [`Regions::set_transition_reads`]`(n)` the
/// next `n` reads of that region show `ENABLING`/`DISABLING` first.
#[derive(Debug, Default)]
pub struct Regions {
    state: Mutex<RegionsInner>,
}

#[derive(Debug, Default)]
struct RegionsInner {
    by_account: HashMap<String, BTreeMap<String, RegionState>>,
    transition_reads: u32,
}

fn default_status(region: &str) -> Option<OptStatus> {
    if DEFAULT_REGIONS.contains(&region) {
        Some(OptStatus::EnabledByDefault)
    } else if OPT_IN_REGIONS.contains(&region) {
        Some(OptStatus::Disabled)
    } else {
        None
    }
}

impl RegionsInner {
    /// Operations in progress (ENABLING/DISABLING) in `account`, or in every account.
    fn busy(&self, account: Option<&str>) -> usize {
        self.by_account
            .iter()
            .filter(|(a, _)| account.is_none_or(|want| want == a.as_str()))
            .flat_map(|(_, regions)| regions.values())
            .filter(|s| s.transitional_reads > 0)
            .count()
    }

    fn account(&mut self, account: &str) -> &mut BTreeMap<String, RegionState> {
        self.by_account
            .entry(account.to_string())
            .or_insert_with(|| {
                DEFAULT_REGIONS
                    .iter()
                    .chain(OPT_IN_REGIONS)
                    .map(|r| {
                        let status = default_status(r).expect("a known region");
                        (r.to_string(), RegionState::settled(status))
                    })
                    .collect()
            })
    }
}

impl Regions {
    /// Seeds (or overrides) one region's status for an account; unknown region names are added.
    pub fn set(&self, account: &str, region: &str, status: OptStatus) {
        lock(&self.state)
            .account(account)
            .insert(region.to_string(), RegionState::settled(status));
    }

    /// The settled status (never the transitional one), or None for a region the proxy does not know.
    pub fn get(&self, account: &str, region: &str) -> Option<OptStatus> {
        lock(&self.state)
            .account(account)
            .get(region)
            .map(|s| s.status)
    }

    /// After Enable/DisableRegion, the next `reads` reads of that region show ENABLING/DISABLING.
    pub fn set_transition_reads(&self, reads: u32) {
        lock(&self.state).transition_reads = reads;
    }

    /// Starts a transition as Enable/DisableRegion would: the settled status becomes `target`, and
    /// the next `reads` reads show ENABLING/DISABLING (an operation in progress until then).
    pub fn start(&self, account: &str, region: &str, target: OptStatus, reads: u32) {
        lock(&self.state).account(account).insert(
            region.to_string(),
            RegionState {
                status: target,
                transitional_reads: reads,
            },
        );
    }

    /// Whether the account can use the region now: enabled (by default or settled ENABLED, not
    /// still ENABLING). A region the proxy does not know counts as usable. Reads nothing.
    pub fn usable(&self, account: &str, region: &str) -> bool {
        let mut state = lock(&self.state);
        match state.account(account).get(region) {
            None => true,
            Some(s) => {
                s.transitional_reads == 0
                    && matches!(s.status, OptStatus::Enabled | OptStatus::EnabledByDefault)
            }
        }
    }

    /// Region opt-in operations in progress (ENABLING or DISABLING): in `account`, or in every
    /// account when None.
    pub fn in_progress(&self, account: Option<&str>) -> usize {
        lock(&self.state).busy(account)
    }

    /// Answers one of the Account region operations (`op` is e.g. "ListRegions") for `caller`.
    pub(crate) fn handle(&self, op: &str, caller: &str, body: &[u8]) -> Reply {
        self.answer(op, caller, body, None)
    }

    /// [`Regions::handle`], with Enable/DisableRegion as AWS runs them when `transitions` is set
    /// (the strict layer's [`crate::Behaviour::RegionTransitions`]): each change is an operation
    /// in progress for that many reads; the opposite call is refused while one runs (409
    /// ConflictException, "a Region that is currently being disabled (in a status of DISABLING)",
    /// https://docs.aws.amazon.com/accounts/latest/reference/API_EnableRegion.html#API_EnableRegion_Errors),
    /// and so is a change beyond the quotas of 6 operations in progress per account and 50 per
    /// organization ("Number of concurrent region-opt requests", https://docs.aws.amazon.com/accounts/latest/reference/quotas.html).
    /// AWS documents the quota but not the error code it answers beyond it; this answers
    /// ConflictException too, which the SDK does not retry (retrying would not help for hours).
    pub(crate) fn handle_transitions(
        &self,
        op: &str,
        caller: &str,
        body: &[u8],
        reads: u32,
    ) -> Reply {
        self.answer(op, caller, body, Some(reads))
    }

    fn answer(&self, op: &str, caller: &str, body: &[u8], transitions: Option<u32>) -> Reply {
        let input: Value = if body.iter().all(u8::is_ascii_whitespace) {
            json!({})
        } else {
            match serde_json::from_slice(body) {
                Ok(v @ Value::Object(_)) => v,
                _ => {
                    return validation(
                        "the request body is not a JSON object",
                        "fieldValidationFailed",
                    )
                }
            }
        };
        let account = match input.get("AccountId") {
            None | Some(Value::Null) => caller.to_string(),
            Some(Value::String(id)) if id == caller => {
                return validation(
                    "The account can't specify its own AccountId: omit AccountId to act on the calling account",
                    "fieldValidationFailed",
                )
            }
            Some(Value::String(id)) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => {
                id.clone()
            }
            Some(_) => return validation("AccountId must be 12 digits", "fieldValidationFailed"),
        };
        let mut state = lock(&self.state);
        let transition_reads = transitions.unwrap_or(state.transition_reads);
        let (account_busy, org_busy) = (state.busy(Some(&account)), state.busy(None));
        let regions = state.account(&account);
        if op == "ListRegions" {
            return list_regions(regions, &input);
        }
        let Some(name) = input.get("RegionName").and_then(Value::as_str) else {
            return validation("RegionName is required", "fieldValidationFailed");
        };
        let Some(region) = regions.get_mut(name) else {
            return validation(
                &format!("{name} is not a valid region name"),
                "fieldValidationFailed",
            );
        };
        match op {
            "GetRegionOptStatus" => Reply::json(
                200,
                &json!({ "RegionName": name, "RegionOptStatus": region.read().as_str() }),
            ),
            "EnableRegion" | "DisableRegion" => {
                if region.status == OptStatus::EnabledByDefault {
                    return validation(
                        &format!(
                            "{name} is enabled by default and its opt-in status cannot be changed"
                        ),
                        "invalidRegionOptTarget",
                    );
                }
                let target = if op == "EnableRegion" {
                    OptStatus::Enabled
                } else {
                    OptStatus::Disabled
                };
                if transitions.is_some() {
                    let running = region.transitional_reads > 0;
                    if running && region.status != target {
                        let now = if region.status == OptStatus::Enabled {
                            "ENABLING"
                        } else {
                            "DISABLING"
                        };
                        return conflict(&format!(
                            "{name} is {now}: {op} is refused until that finishes"
                        ));
                    }
                    if region.status != target && !running {
                        if account_busy >= 6 {
                            return conflict(&format!(
                                "{account} already has {account_busy} Region opt-in operations in progress (at most 6 per account)"
                            ));
                        }
                        if org_busy >= 50 {
                            return conflict(&format!(
                                "the organization already has {org_busy} Region opt-in operations in progress (at most 50)"
                            ));
                        }
                    }
                }
                if region.status != target {
                    *region = RegionState {
                        status: target,
                        transitional_reads: transition_reads,
                    };
                }
                Reply {
                    status: 200,
                    headers: vec![],
                    body: vec![],
                }
            }
            other => Reply::rest_error(
                404,
                "UnknownOperationException",
                &format!("the proxy does not emulate {other}"),
                json!({}),
            ),
        }
    }
}

fn conflict(message: &str) -> Reply {
    Reply::rest_error(409, "ConflictException", message, json!({}))
}

fn validation(message: &str, reason: &str) -> Reply {
    Reply::rest_error(
        400,
        "ValidationException",
        message,
        json!({ "reason": reason }),
    )
}

fn list_regions(regions: &mut BTreeMap<String, RegionState>, input: &Value) -> Reply {
    let filter: Option<Vec<OptStatus>> = match input.get("RegionOptStatusContains") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut statuses = Vec::new();
            for item in items {
                match item.as_str().and_then(OptStatus::parse) {
                    Some(s) => statuses.push(s),
                    None => {
                        return validation(
                            &format!("invalid RegionOptStatusContains value {item}"),
                            "fieldValidationFailed",
                        )
                    }
                }
            }
            Some(statuses)
        }
        Some(_) => {
            return validation(
                "RegionOptStatusContains must be a list",
                "fieldValidationFailed",
            )
        }
    };
    let max = match input.get("MaxResults").and_then(Value::as_u64) {
        None => 50,
        Some(n @ 1..=50) => n as usize,
        Some(_) => {
            return validation(
                "MaxResults must be between 1 and 50",
                "fieldValidationFailed",
            )
        }
    };
    let start = match input.get("NextToken").and_then(Value::as_str) {
        None => 0,
        Some(token) => match token.parse::<usize>() {
            Ok(n) => n,
            Err(_) => return validation("invalid NextToken", "fieldValidationFailed"),
        },
    };
    let mut matching: Vec<(String, OptStatus)> = Vec::new();
    for (name, state) in regions.iter_mut() {
        let shown = state.read();
        if filter.as_ref().is_none_or(|f| f.contains(&shown)) {
            matching.push((name.clone(), shown));
        }
    }
    let page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(max)
        .map(|(name, status)| json!({ "RegionName": name, "RegionOptStatus": status.as_str() }))
        .collect();
    let mut out = json!({ "Regions": page });
    if start + max < matching.len() {
        out["NextToken"] = json!((start + max).to_string());
    }
    Reply::json(200, &out)
}

// ---------------------------------------------------------------------------------------------
// KMS rotation periods

/// Rotation periods per KMS key id, recorded from EnableKeyRotation requests and added to
/// GetKeyRotationStatus answers (moto drops `RotationPeriodInDays`).
#[derive(Debug, Default)]
pub struct KmsPeriods {
    periods: Mutex<HashMap<String, u32>>,
}

/// The period KMS uses when EnableKeyRotation names none.
pub const DEFAULT_ROTATION_DAYS: u32 = 365;

/// `arn:aws:kms:REGION:ACCOUNT:key/ID` or `ID` → `ID`.
fn key_id(id_or_arn: &str) -> String {
    match id_or_arn.rsplit_once(":key/") {
        Some((_, id)) => id.to_string(),
        None => id_or_arn.to_string(),
    }
}

fn request_key(body: &[u8]) -> Option<(String, Value)> {
    let input: Value = serde_json::from_slice(body).ok()?;
    let id = key_id(input.get("KeyId")?.as_str()?);
    Some((id, input))
}

impl KmsPeriods {
    /// Seeds the period for a key (id or ARN) whose rotation a test enabled directly.
    pub fn set(&self, key_id_or_arn: &str, days: u32) {
        lock(&self.periods).insert(key_id(key_id_or_arn), days);
    }

    /// The recorded period, if any.
    pub fn get(&self, key_id_or_arn: &str) -> Option<u32> {
        lock(&self.periods).get(&key_id(key_id_or_arn)).copied()
    }

    /// After the emulator accepted EnableKeyRotation (or DisableKeyRotation).
    pub(crate) fn observe(&self, op: &str, request_body: &[u8]) {
        let Some((id, input)) = request_key(request_body) else {
            return;
        };
        match op {
            "EnableKeyRotation" => {
                let days = input
                    .get("RotationPeriodInDays")
                    .and_then(Value::as_u64)
                    .and_then(|d| u32::try_from(d).ok())
                    .unwrap_or(DEFAULT_ROTATION_DAYS);
                lock(&self.periods).insert(id, days);
            }
            "DisableKeyRotation" => {
                lock(&self.periods).remove(&id);
            }
            _ => {}
        }
    }

    /// A GetKeyRotationStatus answer with `RotationPeriodInDays` added when rotation is enabled;
    /// None to pass the emulator's answer through unchanged.
    pub(crate) fn patch_status(
        &self,
        request_body: &[u8],
        response_body: &[u8],
    ) -> Option<Vec<u8>> {
        let (id, _) = request_key(request_body)?;
        let mut out: Value = serde_json::from_slice(response_body).ok()?;
        if out.get("KeyRotationEnabled").and_then(Value::as_bool) != Some(true) {
            return None;
        }
        let days = self.get(&id).unwrap_or(DEFAULT_ROTATION_DAYS);
        let obj = out.as_object_mut()?;
        obj.insert("RotationPeriodInDays".into(), json!(days));
        obj.entry("KeyId").or_insert_with(|| json!(id));
        Some(out.to_string().into_bytes())
    }
}

// ---------------------------------------------------------------------------------------------
// IAM centralized root access

/// The organization's centralized root access features. moto implements none of IAM's
/// ListOrganizationsFeatures, EnableOrganizationsRootCredentialsManagement,
/// EnableOrganizationsRootSessions or their Disable counterparts, so the proxy answers them as the
/// IAM API reference documents: query protocol, XML, `EnabledFeatures` as `member` items beside
/// `OrganizationId`; OrganizationNotFoundException outside an organization,
/// AccountNotManagementOrDelegatedAdministratorException for a caller other than the management
/// account, and ServiceAccessNotEnabledException while trusted access for `iam.amazonaws.com` is
/// off. moto also refuses `iam.amazonaws.com` as a service principal (InvalidInputException: "You
/// specified an unrecognized service principal"), so the proxy keeps that trusted access itself:
/// it answers Enable/DisableAWSServiceAccess for it and adds it to
/// ListAWSServiceAccessForOrganization's answers.
#[derive(Debug, Default)]
pub struct RootFeatures {
    enabled: Mutex<BTreeSet<String>>,
    iam_trusted: Mutex<bool>,
}

/// The service principal whose trusted access the proxy keeps (moto does not know it).
pub(crate) const IAM_PRINCIPAL: &str = "iam.amazonaws.com";

/// The IAM operations [`RootFeatures`] answers.
pub(crate) const ROOT_FEATURE_OPS: &[&str] = &[
    "iam:ListOrganizationsFeatures",
    "iam:EnableOrganizationsRootCredentialsManagement",
    "iam:DisableOrganizationsRootCredentialsManagement",
    "iam:EnableOrganizationsRootSessions",
    "iam:DisableOrganizationsRootSessions",
];

/// What the emulator's Organizations says about the caller's organization, for one IAM call:
/// its id and management account; `None` when DescribeOrganization failed (no organization).
pub(crate) struct OrgView {
    pub organization: Option<(String, String)>,
}

impl RootFeatures {
    /// Turns a feature (`RootCredentialsManagement`, `RootSessions`) on or off directly, as a
    /// change made outside govern would.
    pub fn set(&self, feature: &str, on: bool) {
        let mut enabled = lock(&self.enabled);
        if on {
            enabled.insert(feature.to_string());
        } else {
            enabled.remove(feature);
        }
    }

    /// The features on.
    pub fn get(&self) -> BTreeSet<String> {
        lock(&self.enabled).clone()
    }

    /// Whether trusted access for `iam.amazonaws.com` is on.
    pub fn iam_trusted(&self) -> bool {
        *lock(&self.iam_trusted)
    }

    /// Enable/DisableAWSServiceAccess for `iam.amazonaws.com` (moto refuses the principal);
    /// `None` for any other request, which goes to the emulator.
    pub(crate) fn service_access(&self, op: &str, body: &[u8]) -> Option<Reply> {
        let on = match op {
            "organizations:EnableAWSServiceAccess" => true,
            "organizations:DisableAWSServiceAccess" => false,
            _ => return None,
        };
        let input: Value = serde_json::from_slice(body).ok()?;
        if input.get("ServicePrincipal")?.as_str()? != IAM_PRINCIPAL {
            return None;
        }
        *lock(&self.iam_trusted) = on;
        Some(Reply {
            status: 200,
            headers: vec![("content-type", "application/x-amz-json-1.1".to_string())],
            body: b"{}".to_vec(),
        })
    }

    /// The emulator's ListAWSServiceAccessForOrganization page, with `iam.amazonaws.com` added to
    /// the last page while its trusted access is on.
    pub(crate) fn patch_service_access(&self, response_body: &[u8]) -> Option<Vec<u8>> {
        if !self.iam_trusted() {
            return None;
        }
        let mut out: Value = serde_json::from_slice(response_body).ok()?;
        if out
            .get("NextToken")
            .and_then(Value::as_str)
            .is_some_and(|t| !t.is_empty())
        {
            return None;
        }
        let list = out
            .as_object_mut()?
            .entry("EnabledServicePrincipals")
            .or_insert_with(|| json!([]))
            .as_array_mut()?;
        list.push(json!({ "ServicePrincipal": IAM_PRINCIPAL, "DateEnabled": 1.7e9 }));
        Some(out.to_string().into_bytes())
    }

    /// Answers `op` (e.g. "EnableOrganizationsRootSessions") for `caller`.
    pub(crate) fn handle(&self, op: &str, caller: &str, org: &OrgView) -> Reply {
        let Some((org_id, management)) = &org.organization else {
            return iam_error(
                404,
                "OrganizationNotFoundException",
                "The request was rejected because no organization is associated with your account.",
            );
        };
        if caller != management {
            return iam_error(
                400,
                "AccountNotManagementOrDelegatedAdministratorException",
                "The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.",
            );
        }
        if !self.iam_trusted() {
            return iam_error(
                400,
                "ServiceAccessNotEnabledException",
                "The request was rejected because trusted access is not enabled for IAM in AWS Organizations.",
            );
        }
        let mut enabled = lock(&self.enabled);
        match op {
            "EnableOrganizationsRootCredentialsManagement" => {
                enabled.insert("RootCredentialsManagement".into());
            }
            "DisableOrganizationsRootCredentialsManagement" => {
                enabled.remove("RootCredentialsManagement");
            }
            "EnableOrganizationsRootSessions" => {
                enabled.insert("RootSessions".into());
            }
            "DisableOrganizationsRootSessions" => {
                enabled.remove("RootSessions");
            }
            _ => {}
        }
        let members: String = enabled
            .iter()
            .map(|f| format!("<member>{f}</member>"))
            .collect();
        let body = format!(
            "<{op}Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><{op}Result><OrganizationId>{org_id}</OrganizationId><EnabledFeatures>{members}</EnabledFeatures></{op}Result><ResponseMetadata><RequestId>proxy-root-access</RequestId></ResponseMetadata></{op}Response>"
        );
        Reply {
            status: 200,
            headers: vec![("content-type", "text/xml".to_string())],
            body: body.into_bytes(),
        }
    }
}

/// IAM's query-protocol error document.
fn iam_error(status: u16, code: &str, message: &str) -> Reply {
    let body = format!(
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>proxy-root-access</RequestId></ErrorResponse>"
    );
    Reply {
        status,
        headers: vec![("content-type", "text/xml".to_string())],
        body: body.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_features_answer_and_refuse_as_iam_documents() {
        let f = RootFeatures::default();
        let org = OrgView {
            organization: Some(("o-abcdefghij".into(), "111111111111".into())),
        };
        let code =
            |r: &Reply| xml_text(std::str::from_utf8(&r.body).unwrap(), "Code").map(String::from);
        let none = OrgView { organization: None };
        let r = f.handle("ListOrganizationsFeatures", "111111111111", &none);
        assert_eq!(
            (r.status, code(&r).as_deref()),
            (404, Some("OrganizationNotFoundException"))
        );
        let r = f.handle("EnableOrganizationsRootSessions", "222222222222", &org);
        assert_eq!(
            code(&r).as_deref(),
            Some("AccountNotManagementOrDelegatedAdministratorException")
        );
        let r = f.handle("EnableOrganizationsRootSessions", "111111111111", &org);
        assert_eq!(
            code(&r).as_deref(),
            Some("ServiceAccessNotEnabledException")
        );
        assert!(f.get().is_empty());

        let body = br#"{"ServicePrincipal":"iam.amazonaws.com"}"#;
        assert!(f
            .service_access("organizations:EnableAWSServiceAccess", body)
            .is_some());
        let r = f.handle("EnableOrganizationsRootSessions", "111111111111", &org);
        assert_eq!(r.status, 200);
        let xml = String::from_utf8(r.body).unwrap();
        assert!(
            xml.contains("<EnabledFeatures><member>RootSessions</member></EnabledFeatures>"),
            "{xml}"
        );
        assert!(xml.contains("<OrganizationId>o-abcdefghij</OrganizationId>"));
        let listed = f
            .patch_service_access(br#"{"EnabledServicePrincipals":[]}"#)
            .unwrap();
        assert!(String::from_utf8(listed)
            .unwrap()
            .contains("iam.amazonaws.com"));
        // Other principals are the emulator's.
        let other = br#"{"ServicePrincipal":"cloudtrail.amazonaws.com"}"#;
        assert!(f
            .service_access("organizations:EnableAWSServiceAccess", other)
            .is_none());
    }

    #[test]
    fn form_params_are_decoded() {
        let body = b"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FX&RoleSessionName=a+b";
        assert_eq!(form_param(body, "Action").unwrap(), "AssumeRole");
        assert_eq!(
            form_param(body, "RoleArn").unwrap(),
            "arn:aws:iam::111122223333:role/X"
        );
        assert_eq!(form_param(body, "RoleSessionName").unwrap(), "a b");
        assert_eq!(form_param(b"x=%4", "x").unwrap(), "%4");
        assert_eq!(form_param(b"x=%", "x").unwrap(), "%");
        assert!(form_param(body, "Missing").is_none());
    }

    #[test]
    fn key_ids_from_arns() {
        assert_eq!(
            key_id("arn:aws:kms:us-east-1:123456789012:key/abc-1"),
            "abc-1"
        );
        assert_eq!(key_id("abc-1"), "abc-1");
    }

    #[test]
    fn regions_paginate_and_filter() {
        let regions = Regions::default();
        regions.set("111122223333", "af-south-1", OptStatus::Enabled);
        let reply = regions.handle(
            "ListRegions",
            "111122223333",
            br#"{"RegionOptStatusContains":["ENABLED","DISABLED"],"MaxResults":10}"#,
        );
        let page: Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(page["Regions"].as_array().unwrap().len(), 10);
        assert_eq!(page["Regions"][0]["RegionName"], "af-south-1");
        assert_eq!(page["Regions"][0]["RegionOptStatus"], "ENABLED");
        assert_eq!(page["NextToken"], "10");
        let reply = regions.handle(
            "ListRegions",
            "111122223333",
            br#"{"RegionOptStatusContains":["ENABLED","DISABLED"],"NextToken":"10"}"#,
        );
        let page: Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(
            page["Regions"].as_array().unwrap().len(),
            OPT_IN_REGIONS.len() - 10
        );
        assert!(page.get("NextToken").is_none());
    }

    #[test]
    fn strict_transitions_refuse_the_opposite_call_and_count_changes_in_progress() {
        let regions = Regions::default();
        let acct = "111122223333";
        let call = |op: &str, region: &str| {
            regions
                .handle_transitions(
                    op,
                    acct,
                    format!(r#"{{"RegionName":"{region}"}}"#).as_bytes(),
                    2,
                )
                .status
        };
        assert_eq!(call("EnableRegion", "me-south-1"), 200);
        // ENABLING: DisableRegion is a conflict until two reads have shown it.
        assert_eq!(call("DisableRegion", "me-south-1"), 409);
        assert_eq!(regions.in_progress(Some(acct)), 1);
        for r in [
            "af-south-1",
            "ap-east-1",
            "ap-south-2",
            "ap-southeast-3",
            "ap-southeast-4",
        ] {
            assert_eq!(call("EnableRegion", r), 200, "{r}");
        }
        // Six in progress: a seventh change waits, whatever the requests in flight.
        assert_eq!(call("EnableRegion", "eu-south-1"), 409);
        for _ in 0..2 {
            regions.handle("ListRegions", acct, b"{}");
        }
        assert_eq!(regions.in_progress(Some(acct)), 0);
        assert!(regions.usable(acct, "me-south-1"));
        assert_eq!(call("EnableRegion", "eu-south-1"), 200);
        assert_eq!(call("DisableRegion", "me-south-1"), 200);
        assert!(!regions.usable(acct, "me-south-1"), "DISABLING");
    }

    #[test]
    fn transitions_show_for_the_configured_reads() {
        let regions = Regions::default();
        regions.set_transition_reads(1);
        let acct = "111122223333";
        let get = |r: &Regions| {
            let reply = r.handle(
                "GetRegionOptStatus",
                acct,
                br#"{"RegionName":"me-south-1"}"#,
            );
            let v: Value = serde_json::from_slice(&reply.body).unwrap();
            v["RegionOptStatus"].as_str().unwrap().to_string()
        };
        assert_eq!(
            regions
                .handle("EnableRegion", acct, br#"{"RegionName":"me-south-1"}"#)
                .status,
            200
        );
        assert_eq!(get(&regions), "ENABLING");
        assert_eq!(get(&regions), "ENABLED");
        let refused = regions.handle("DisableRegion", acct, br#"{"RegionName":"us-east-1"}"#);
        assert_eq!(refused.status, 400);
        assert!(String::from_utf8_lossy(&refused.body).contains("invalidRegionOptTarget"));
    }
}

/// CloudTrail refuses an organization trail (CreateTrail or UpdateTrail with IsOrganizationTrail)
/// while the organization has not enabled trusted access for `cloudtrail.amazonaws.com`
/// (CloudTrailAccessNotEnabledException, CloudTrail API reference); moto creates it anyway, so the
/// proxy answers the refusal itself, from the emulator's own trusted access list.
pub(crate) async fn org_trail_refusal(
    op: &str,
    body: &[u8],
    upstream: &impl crate::uniqueness::Upstream,
) -> Option<Reply> {
    if op != "cloudtrail:CreateTrail" && op != "cloudtrail:UpdateTrail" {
        return None;
    }
    let request: Value = serde_json::from_slice(body).ok()?;
    if request.get("IsOrganizationTrail").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let enabled = upstream
        .organizations("ListAWSServiceAccessForOrganization", json!({}))
        .await?;
    let on = enabled
        .get("EnabledServicePrincipals")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter().any(|p| {
                p.get("ServicePrincipal").and_then(Value::as_str)
                    == Some("cloudtrail.amazonaws.com")
            })
        });
    (!on).then(|| {
        crate::proxy::json_error(
            400,
            "CloudTrailAccessNotEnabledException",
            "This organization has not enabled trusted access for AWS CloudTrail. Enable trusted access, then try again.",
        )
    })
}

/// moto answers S3 GetBucketVersioning with the root element `GetBucketVersioningResponse`; S3
/// answers `VersioningConfiguration` (S3 API reference, GetBucketVersioning response syntax), and
/// the Rust SDK refuses any other root element as not an S3 answer. The proxy renames it, leaving
/// the `Status` (and `MfaDelete`) inside as moto wrote them.
pub(crate) fn patch_s3_versioning(body: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(body).ok()?;
    if !text.contains("<GetBucketVersioningResponse") {
        return None;
    }
    Some(
        text.replace("<GetBucketVersioningResponse", "<VersioningConfiguration")
            .replace(
                "</GetBucketVersioningResponse>",
                "</VersioningConfiguration>",
            )
            .into_bytes(),
    )
}

#[cfg(test)]
mod s3_tests {
    #[test]
    fn versioning_answers_get_s3s_root_element() {
        let moto = br#"<?xml version="1.0" encoding="utf-8"?>
<GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></GetBucketVersioningResponse>"#;
        let patched = String::from_utf8(super::patch_s3_versioning(moto).unwrap()).unwrap();
        assert!(patched.contains(
            r#"<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>"#
        ));
        assert_eq!(
            super::patch_s3_versioning(b"<VersioningConfiguration/>"),
            None
        );
    }
}
