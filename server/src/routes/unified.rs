//! `POST /api/integrations/unified`: authenticates, hands the raw body to the core's unified
//! API and answers its result (201 for a create) or its error in the envelope.
//!
//! The core parses the body by hand (for field-level errors), so the request's schema is
//! described here with types of its own, and the endpoint's documented examples are kept here,
//! once: the document shows them and the tests send them verbatim.

use std::collections::BTreeMap;

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use patchbay::{
    error::ConnectionRef,
    unified::model::{EmailAddress, MessageReceipt, PhoneNumber, UnifiedContact, UnifiedEmployee},
};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{
    Modify, ToSchema,
    openapi::{OpenApi, RefOr, example::ExampleBuilder},
};

use crate::{
    api_error::{
        ApiError, BadGateway, BadRequest, ErrorEnvelope, GatewayTimeout, NotFound, TooManyRequests,
        Unauthorized,
    },
    auth::Authenticated,
    state::AppState,
};

/// Bodies above this are refused before they are read.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The route's path.
pub const PATH: &str = "/api/integrations/unified";

/// Call the unified API
///
/// One request shape for `crm.contact` (HubSpot, Pipedrive, Salesforce, GoHighLevel over
/// Nango; Panora), `hr.employee` (BambooHR over Nango; Panora), `whatsapp.message` and
/// `twilio.sms` (over Nango). Name the connection with `connectionId`/`providerConfigKey`, or
/// leave them out when exactly one of the organisation's connections serves the resource.
/// Lists are paged with `params.page_size` and the opaque `next_cursor`; any other member of
/// `params` is passed to the provider as a query parameter (encoded, never overriding the
/// ones Patchbay sets). The provider's 429s and 5xx are retried with backoff; a provider 4xx
/// comes back with the same status and code `upstream_rejected` (with `upstream_status`),
/// failures after retries as 502 `upstream_unavailable`, and timeouts as 504
/// `upstream_timeout`. Bodies are limited to 256 KiB.
#[utoipa::path(
    post,
    path = "/api/integrations/unified",
    operation_id = "callUnified",
    tag = "unified",
    request_body(content = UnifiedRequest),
    responses(
        (status = 200, description = "`list` or `get`: the record(s).", body = UnifiedResponse,
            example = json!({"data": [{"id": "hubspot:51", "remote_id": "51", "first_name": "Ada", "last_name": "Lovelace", "email_addresses": [{"email_address": "ada@analytical.example", "email_address_type": "WORK"}], "phone_numbers": [{"phone_number": "+442071234567", "phone_type": "WORK"}], "company": "Analytical Engines Ltd", "created_at": "2026-01-12T09:30:00.000Z", "updated_at": "2026-11-20T16:02:11.000Z"}], "next_cursor": "eyJwIjoyLCJhIjoiNTEifQ", "meta": {"provider": "nango", "resource": "crm.contact", "operation": "list", "connection": {"provider_config_key": "hubspot", "connection_id": "3f2c9a1e-acme"}, "page_size": 25}})),
        (status = 201, description = "`create`: the created contact, or the message receipt.", body = UnifiedResponse,
            example = json!({"data": {"message_id": "SM5f8a2c1e9b7d4e6f8a0b1c2d3e4f5a6b", "to": "+14155550100", "status": "queued", "remote_data": {"sid": "SM5f8a2c1e9b7d4e6f8a0b1c2d3e4f5a6b", "status": "queued"}}, "meta": {"provider": "nango", "resource": "twilio.sms", "operation": "create", "connection": {"provider_config_key": "twilio", "connection_id": "acme-twilio"}}})),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, description = "The named connection needs reconnecting in Patchbay first (`conflict`, field `connectionId`).", body = ErrorEnvelope),
        (status = 429, response = TooManyRequests),
        (status = "4XX", description = "Any other refusal by the provider, passed through with its status: code `upstream_rejected`, `upstream_status` and the provider's message.", body = ErrorEnvelope,
            example = json!({"error": {"code": "upstream_rejected", "message": "hubspot refused the request (422): Property \"email\" is invalid", "upstream_status": 422}})),
        (status = 502, response = BadGateway),
        (status = 504, response = GatewayTimeout),
    )
)]
pub async fn unified(
    State(state): State<AppState>,
    auth: Authenticated,
    body: Bytes,
) -> Result<Response, ApiError> {
    let answer = patchbay::unified::execute(&state.hub, &auth.caller, &body).await?;
    let status = if answer.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(answer)).into_response())
}

/// The endpoint's documented examples: `(name, summary, body)`. Each works as written.
pub fn documented_examples() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "listPanoraContacts",
            "List CRM contacts over Panora",
            json!({"provider":"panora","resource":"crm.contact","operation":"list","params":{"page":1,"page_size":50}}),
        ),
        (
            "getNangoEmployee",
            "Get an HR employee via Nango",
            json!({"provider":"nango","resource":"hr.employee","operation":"get","id":"emp_123"}),
        ),
        (
            "createNangoContact",
            "Create CRM contact via Nango",
            json!({"provider":"nango","resource":"crm.contact","operation":"create","data":{"email":"test@example.com","first_name":"Test"}}),
        ),
        (
            "sendWhatsappText",
            "Send a WhatsApp text",
            json!({"provider":"nango","resource":"whatsapp.message","operation":"create","data":{"providerConfigKey":"whatsapp-business","connectionId":"acme-whatsapp","phoneNumberId":"109876543210987","type":"text","to":"+14155550100","body":"Your order #4821 has shipped."}}),
        ),
        (
            "sendWhatsappTemplate",
            "Send a WhatsApp template",
            json!({"provider":"nango","resource":"whatsapp.message","operation":"create","data":{"providerConfigKey":"whatsapp-business","connectionId":"acme-whatsapp","phoneNumberId":"109876543210987","type":"template","to":"+14155550100","template":{"name":"order_shipped","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"#4821"}]}]}}}),
        ),
        (
            "sendTwilioSms",
            "Send a Twilio SMS",
            json!({"provider":"nango","resource":"twilio.sms","operation":"create","data":{"providerConfigKey":"twilio","connectionId":"acme-twilio","from":"+14155550123","to":"+14155550100","body":"Your order #4821 has shipped."}}),
        ),
    ]
}

/// Puts [`documented_examples`] into the document, on the route's JSON request body.
pub struct DocumentedExamples;

impl Modify for DocumentedExamples {
    fn modify(&self, openapi: &mut OpenApi) {
        let body = openapi
            .paths
            .paths
            .get_mut(PATH)
            .and_then(|item| item.post.as_mut())
            .and_then(|operation| operation.request_body.as_mut())
            .and_then(|body| body.content.get_mut("application/json"));
        if let Some(content) = body {
            let examples: BTreeMap<_, _> = documented_examples()
                .into_iter()
                .map(|(name, summary, value)| {
                    let example = ExampleBuilder::new()
                        .summary(summary)
                        .value(Some(value))
                        .build();
                    (name.to_owned(), RefOr::T(example))
                })
                .collect();
            content.examples.extend(examples);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The request and the answer, as the document describes them

/// One unified call. Unknown fields are refused with `validation_failed` naming them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnifiedRequest {
    /// Panora serves `crm.contact` and `hr.employee` only.
    pub provider: ProviderName,
    pub resource: ResourceName,
    /// `crm.contact`: list, get, create; `hr.employee`: list, get; `whatsapp.message` and
    /// `twilio.sms`: create.
    pub operation: OperationName,
    /// Required for `get`: the record's `id` or `remote_id`.
    #[schema(nullable = false)]
    pub id: Option<String>,
    #[schema(nullable = false)]
    pub params: Option<ListParams>,
    /// Required for `create`; its shape depends on `resource`.
    #[schema(nullable = false)]
    pub data: Option<CreateData>,
    /// The Nango connection to use; optional when exactly one of the organisation's
    /// connections serves the resource.
    #[serde(rename = "connectionId")]
    #[schema(nullable = false)]
    pub connection_id: Option<String>,
    /// The Nango integration key (e.g. `hubspot`), to choose among connections.
    #[serde(rename = "providerConfigKey")]
    #[schema(nullable = false)]
    pub provider_config_key: Option<String>,
    /// Panora only: the `x-connection-token`; defaults to the one saved in Settings.
    #[serde(rename = "connectionToken")]
    #[schema(nullable = false)]
    pub connection_token: Option<String>,
    /// Same as `params.remote_data`.
    #[schema(nullable = false)]
    pub remote_data: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProviderName {
    Nango,
    Panora,
}

#[derive(Debug, Deserialize, ToSchema)]
pub enum ResourceName {
    #[serde(rename = "crm.contact")]
    CrmContact,
    #[serde(rename = "hr.employee")]
    HrEmployee,
    #[serde(rename = "whatsapp.message")]
    WhatsappMessage,
    #[serde(rename = "twilio.sms")]
    TwilioSms,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OperationName {
    List,
    Get,
    Create,
}

/// Paging of a `list` (ignored by other operations). Any other member is passed to the
/// provider as a query parameter, encoded, and never overrides the ones Patchbay sets.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ListParams {
    /// 1-based page number, used when no cursor is given.
    #[schema(nullable = false, minimum = 1, default = 1)]
    pub page: Option<u32>,
    #[schema(nullable = false, minimum = 1, maximum = 100, default = 25)]
    pub page_size: Option<u32>,
    /// The previous answer's `next_cursor`, unchanged.
    #[schema(nullable = false)]
    pub cursor: Option<String>,
    /// Include each provider record as `remote_data`.
    #[schema(nullable = false, default = false)]
    pub remote_data: Option<bool>,
}

/// `data` of a `create`, by resource.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CreateData {
    Contact(ContactInput),
    Whatsapp(WhatsappMessageInput),
    Sms(SmsInput),
}

/// `data` of a `crm.contact` `create`: at least a name or an email address. `email` and
/// `phone` are the simple forms of one address and one number, beside the arrays.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(title = "crm.contact create")]
pub struct ContactInput {
    #[schema(nullable = false)]
    pub first_name: Option<String>,
    #[schema(nullable = false)]
    pub last_name: Option<String>,
    /// One email address, as a string (the same as one entry of `email_addresses`).
    #[schema(nullable = false, format = Email)]
    pub email: Option<String>,
    /// One phone number, as a string (the same as one entry of `phone_numbers`).
    #[schema(nullable = false)]
    pub phone: Option<String>,
    #[schema(nullable = false, value_type = Option<Vec<EmailAddress>>)]
    pub email_addresses: Option<Vec<Value>>,
    #[schema(nullable = false, value_type = Option<Vec<PhoneNumber>>)]
    pub phone_numbers: Option<Vec<Value>>,
    /// The company's name.
    #[schema(nullable = false)]
    pub company: Option<String>,
}

/// `data` of a `whatsapp.message` `create`, sent through the WhatsApp Business Cloud API.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(title = "whatsapp.message create")]
pub struct WhatsappMessageInput {
    /// Overrides the top-level `providerConfigKey`.
    #[serde(rename = "providerConfigKey")]
    #[schema(nullable = false)]
    pub provider_config_key: Option<String>,
    /// Overrides the top-level `connectionId`.
    #[serde(rename = "connectionId")]
    #[schema(nullable = false)]
    pub connection_id: Option<String>,
    /// The WhatsApp Business phone number id that sends.
    #[serde(rename = "phoneNumberId")]
    pub phone_number_id: String,
    /// The recipient in international form, e.g. +14155550100.
    pub to: String,
    #[serde(rename = "type")]
    #[schema(nullable = false, default = "text")]
    pub kind: Option<WhatsappKind>,
    /// The text; required when `type` is `text`.
    #[schema(nullable = false)]
    pub body: Option<String>,
    /// Required when `type` is `template`.
    #[schema(nullable = false)]
    pub template: Option<WhatsappTemplate>,
    /// The Graph API version.
    #[serde(rename = "apiVersion")]
    #[schema(nullable = false, default = "v20.0")]
    pub api_version: Option<String>,
    /// The Graph API base URL: `https://graph.facebook.com` or a base the operator allows in
    /// `PATCHBAY_WHATSAPP_BASE_URLS`; anything else is a 400 naming `data.baseUrlOverride`
    /// with the allowed bases in `allowed`.
    #[serde(rename = "baseUrlOverride")]
    #[schema(nullable = false, default = "https://graph.facebook.com")]
    pub base_url_override: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WhatsappKind {
    Text,
    Template,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatsappTemplate {
    /// An approved template's name.
    pub name: String,
    /// `{"code": "en_US"}`, or the code alone (`"en_US"`).
    pub language: TemplateLanguage,
    /// The template's parameters, as the Cloud API takes them.
    #[schema(nullable = false)]
    pub components: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum TemplateLanguage {
    Object { code: String },
    Code(String),
}

/// `data` of a `twilio.sms` `create`. Twilio's own capitalised names (`From`, `To`, `Body`)
/// are accepted as well.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(title = "twilio.sms create")]
pub struct SmsInput {
    /// Overrides the top-level `providerConfigKey`.
    #[serde(rename = "providerConfigKey")]
    #[schema(nullable = false)]
    pub provider_config_key: Option<String>,
    /// Overrides the top-level `connectionId`.
    #[serde(rename = "connectionId")]
    #[schema(nullable = false)]
    pub connection_id: Option<String>,
    /// A Twilio number or messaging service sender, E.164 (or `From`).
    #[serde(alias = "From")]
    pub from: String,
    /// The recipient, E.164 (or `To`).
    #[serde(alias = "To")]
    pub to: String,
    /// The text (or `Body`).
    #[serde(alias = "Body")]
    #[schema(max_length = 1600)]
    pub body: String,
    /// `AC…`; defaults to the connection's account.
    #[serde(rename = "accountSid")]
    #[schema(nullable = false)]
    pub account_sid: Option<String>,
}

/// The answer of a unified call.
#[derive(ToSchema)]
pub struct UnifiedResponse {
    pub data: Records,
    /// Only on `list`: pass it as `params.cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    pub meta: UnifiedMeta,
}

/// `get`: one record; `list`: an array; `create`: the created contact or the message receipt.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum Records {
    Contact(UnifiedContact),
    Contacts(Vec<UnifiedContact>),
    Employee(UnifiedEmployee),
    Employees(Vec<UnifiedEmployee>),
    Receipt(MessageReceipt),
}

/// What was called, and through which connection.
#[derive(ToSchema)]
pub struct UnifiedMeta {
    pub provider: ProviderName,
    pub resource: ResourceName,
    pub operation: OperationName,
    /// The Nango connection that served the call; `null` over Panora.
    #[schema(required = true)]
    pub connection: Option<ConnectionRef>,
    /// Only on `list`: the page size used.
    #[schema(nullable = false)]
    pub page_size: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_example_matches_the_documented_schema() {
        let examples = documented_examples();
        assert_eq!(examples.len(), 6);
        for (name, _, body) in examples {
            let parsed: Result<UnifiedRequest, _> = serde_json::from_value(body);
            assert!(parsed.is_ok(), "{name}: {parsed:?}");
        }
    }

    #[test]
    fn the_schema_refuses_what_the_endpoint_refuses() {
        for body in [
            json!({"provider": "nango", "resource": "crm.contacts", "operation": "list"}),
            json!({"provider": "nango", "resource": "crm.contact", "operation": "list", "extra": 1}),
            json!({"provider": "nango", "resource": "twilio.sms", "operation": "create", "data": {"from": "+1", "to": "+2"}}),
        ] {
            assert!(
                serde_json::from_value::<UnifiedRequest>(body.clone()).is_err(),
                "{body}"
            );
        }
    }
}
