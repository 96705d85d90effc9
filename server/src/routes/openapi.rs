//! The REST API's reference: the OpenAPI 3.1 document generated from the handlers'
//! annotations and DTOs (the route list is [`crate::router::rest_api`], the one the router is
//! built from), served as JSON, and a self-contained HTML page rendered from it (no CDN, no
//! script, no external font; inline styles only, light and dark).

use std::sync::LazyLock;

use axum::{
    http::header,
    response::{Html, IntoResponse, Response},
};
use serde_json::{Map, Value};
use utoipa::{
    Modify, OpenApi,
    openapi::{
        InfoBuilder,
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

use crate::api_error::{
    BadGateway, BadRequest, ErrorEnvelope, Forbidden, GatewayTimeout, NotFound, PayloadTooLarge,
    TooManyRequests, Unauthorized,
};

/// What the document says around the routes: info, servers, tags, default security and the
/// shared components. The routes themselves come from the router.
#[derive(OpenApi)]
#[openapi(
    servers((url = "/", description = "The Patchbay instance serving this document.")),
    tags(
        (name = "catalog", description = "The connector catalog: every integration Patchbay knows about. Public."),
        (name = "connections", description = "The organisation's connected accounts (Nango connections)."),
        (name = "api-keys", description = "The organisation's API keys, for admins signed in as themselves."),
        (name = "unified", description = "One request shape for CRM contacts, HR employees, WhatsApp messages and SMS, over Nango or Panora."),
        (name = "proxy", description = "Raw provider API calls forwarded through Nango's proxy with the connection's credentials."),
        (name = "webhooks", description = "Webhooks Nango sends to Patchbay, verified by their HMAC signature."),
        (name = "health", description = "Liveness and readiness probes, and this document."),
    ),
    security(("apiKey" = []), ("session" = [])),
    components(
        schemas(ErrorEnvelope),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, PayloadTooLarge, TooManyRequests,
            BadGateway, GatewayTimeout
        )
    ),
    modifiers(&Frame)
)]
pub struct ApiDoc;

/// The title, the introduction and the security schemes.
struct Frame;

/// The document's introduction (`info.description`).
const DESCRIPTION: &str = "Patchbay's REST surface for backends and AI agents.

**Authentication.** Send an API key an admin created in Settings as `Authorization: Bearer pbk_…`, or call from the signed-in browser with the `patchbay_session` cookie (state-changing browser calls must also come from Patchbay's own origin). Every key and session acts for exactly one organisation: the connections, keys and data you reach are that organisation's. The catalog, the health probes and this document are public; the Nango webhook is authenticated by its HMAC signature instead. Managing API keys needs an admin signed in as themselves (a session), never an API key.

**Errors.** Every failure answers `{\"error\": {\"code\", \"message\", \"field\"?, \"allowed\"?, \"upstream_status\"?, \"connections\"?}}` with a stable machine-readable `code` (for example `validation_failed`, `invalid_choice`, `unauthenticated`, `invalid_api_key`, `forbidden`, `not_found`, `connection_not_found`, `connection_ambiguous`, `upstream_rejected`, `upstream_unavailable`, `upstream_timeout`); an unknown `/api/…` path answers 404 `not_found`. Times are RFC 3339 in UTC with milliseconds.";

/// `info.summary` (OpenAPI 3.1; utoipa's `Info` has no field for it).
const SUMMARY: &str = "Patchbay's REST surface: the connector catalog, connections, API keys, the unified API and the Nango proxy.";

impl Modify for Frame {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.info = InfoBuilder::new()
            .title("Patchbay API")
            .version(env!("CARGO_PKG_VERSION"))
            .description(Some(DESCRIPTION))
            .build();
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("pbk_…")
                    .description(Some(
                        "An API key an admin created in Settings; send `Authorization: Bearer <key>`",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "patchbay_session",
                "The signed-in browser's session cookie; state-changing calls must also come from Patchbay's own origin.",
            ))),
        );
    }
}

/// The document as served, generated once from the router's route list.
pub static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    let mut document = serde_json::to_value(crate::router::rest_api().into_openapi())
        .unwrap_or_else(
            |err| serde_json::json!({ "openapi": "3.1.0", "x-error": err.to_string() }),
        );
    if let Some(info) = document.get_mut("info").and_then(Value::as_object_mut) {
        info.insert("summary".to_owned(), Value::from(SUMMARY));
    }
    document
});

/// [`DOCUMENT`] as JSON text.
static SPEC_JSON: LazyLock<String> =
    LazyLock::new(|| serde_json::to_string_pretty(&*DOCUMENT).unwrap_or_default());

/// The HTTP methods an OpenAPI path item may hold, in display order.
pub const METHODS: [&str; 8] = [
    "get", "post", "put", "patch", "delete", "head", "options", "trace",
];

/// How deep nested schemas are unfolded in a field list.
const MAX_DEPTH: usize = 3;

/// Past this depth nothing more is rendered, whatever the schema (guards against cycles).
const HARD_DEPTH: usize = MAX_DEPTH + 2;

/// How many `$ref` hops are followed before giving up (guards against cycles).
const MAX_REF_HOPS: usize = 8;

/// The page's title when the document has no `info.title`.
const FALLBACK_TITLE: &str = "Patchbay API";

/// The page, rendered once from [`DOCUMENT`].
pub static PAGE: LazyLock<String> = LazyLock::new(|| render_docs(&DOCUMENT));

/// This OpenAPI document
///
/// The OpenAPI 3.1 description of the REST API, generated from the code. Public.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    operation_id = "getOpenApi",
    tag = "health",
    security(()),
    responses((status = 200, description = "The document.", body = Object))
)]
pub async fn spec() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        SPEC_JSON.as_str(),
    )
        .into_response()
}

/// This reference, as a page
///
/// The document rendered as one self-contained HTML page (no script). Public.
#[utoipa::path(
    get,
    path = "/api/docs",
    operation_id = "getApiDocs",
    tag = "health",
    security(()),
    responses((status = 200, description = "The page.", content_type = "text/html", body = String))
)]
pub async fn docs_page() -> Html<&'static str> {
    Html(PAGE.as_str())
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The page

/// The whole reference page for an OpenAPI document. Never panics: whatever is missing from the
/// document is left out of the page.
pub fn render_docs(spec: &Value) -> String {
    let ops = operations(spec);
    let tags = tags(spec, &ops);
    let sections: String = tags.iter().map(|t| tag_section(spec, t, &ops)).collect();
    let body = format!(
        "{}{}{}",
        intro_html(spec),
        index_html(&tags, &ops),
        sections
    );
    page(&page_title(spec), &body)
}

fn page_title(spec: &Value) -> String {
    let title = text_at(spec, "/info/title");
    let title = if title.is_empty() {
        FALLBACK_TITLE
    } else {
        title
    };
    format!("{title} reference")
}

/// The HTML document around `body`.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>{}</title><style>{STYLE}</style></head>\
         <body><main>{body}</main></body></html>\n",
        escape_html(title)
    )
}

/// Title, version, the info description and the security schemes.
fn intro_html(spec: &Value) -> String {
    let version = text_at(spec, "/info/version");
    let version = if version.is_empty() {
        String::new()
    } else {
        format!(" <span class=\"version\">v{}</span>", escape_html(version))
    };
    format!(
        "<header class=\"intro\"><h1>{}{version}</h1>{}\
         <p class=\"muted\">Machine-readable: <a href=\"/api/openapi.json\">/api/openapi.json</a></p>\
         {}</header>",
        escape_html(&page_title(spec)),
        prose(text_at(spec, "/info/description")),
        schemes_html(spec)
    )
}

/// The document's security schemes as a definition list.
fn schemes_html(spec: &Value) -> String {
    let Some(schemes) = spec
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    else {
        return String::new();
    };
    let items: String = schemes
        .iter()
        .map(|(name, scheme)| {
            format!(
                "<dt>{} <span class=\"muted\">(<code>{}</code>)</span></dt><dd>{}</dd>",
                escape_html(&scheme_label(name)),
                escape_html(&scheme_kind(resolve(spec, scheme))),
                inline(text(resolve(spec, scheme), "description"))
            )
        })
        .collect();
    format!("<h2 id=\"authentication\">Authentication</h2><dl class=\"schemes\">{items}</dl>")
}

/// How a security scheme is sent, in a few words.
fn scheme_kind(scheme: &Value) -> String {
    match text(scheme, "type") {
        "http" => format!(
            "{} {}",
            text(scheme, "scheme"),
            text(scheme, "bearerFormat")
        )
        .trim()
        .to_owned(),
        "apiKey" => format!("{} {}", text(scheme, "in"), text(scheme, "name")),
        other => other.to_owned(),
    }
}

/// The list of tags with their operations.
fn index_html(tags: &[Tag], ops: &[Operation]) -> String {
    let items: String = tags
        .iter()
        .map(|tag| {
            let links: String = ops
                .iter()
                .filter(|op| op.tags().contains(&tag.name.as_str()))
                .map(|op| {
                    format!(
                        "<li><a href=\"#{}\">{} <code>{}</code></a></li>",
                        escape_html(&op.anchor(&tag.name)),
                        method_badge(op.method),
                        escape_html(op.path)
                    )
                })
                .collect();
            format!(
                "<li><a href=\"#{}\"><strong>{}</strong></a> <span class=\"muted\">{}</span><ul>{links}</ul></li>",
                escape_html(&tag.anchor()),
                escape_html(&tag.name),
                inline(&tag.description)
            )
        })
        .collect();
    format!("<nav class=\"index\"><h2>Contents</h2><ul>{items}</ul></nav>")
}

/// One tag's heading and the cards of its operations.
fn tag_section(spec: &Value, tag: &Tag, ops: &[Operation]) -> String {
    let cards: String = ops
        .iter()
        .filter(|op| op.tags().contains(&tag.name.as_str()))
        .map(|op| operation_card(spec, op, &tag.name))
        .collect();
    format!(
        "<section id=\"{}\"><h2>{}</h2>{}{cards}</section>",
        escape_html(&tag.anchor()),
        escape_html(&tag.name),
        prose(&tag.description)
    )
}

/// One operation: method, path, security, summary, description, parameters, body, responses.
fn operation_card(spec: &Value, op: &Operation, tag: &str) -> String {
    let id = text(op.op, "operationId");
    let id_line = if id.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"muted small\">operationId <code>{}</code></p>",
            escape_html(id)
        )
    };
    format!(
        "<article class=\"op\" id=\"{}\"><div class=\"op-head\">{}<code class=\"path\">{}</code>\
         <span class=\"security\">{}</span></div><h3>{}</h3>{}{id_line}{}{}{}</article>",
        escape_html(&op.anchor(tag)),
        method_badge(op.method),
        escape_html(op.path),
        escape_html(&security_label(spec, op.op)),
        escape_html(text(op.op, "summary")),
        prose(text(op.op, "description")),
        parameters_html(spec, op),
        request_body_html(spec, op.op),
        responses_html(spec, op.op)
    )
}

fn method_badge(method: &str) -> String {
    format!(
        "<span class=\"method {}\">{}</span>",
        escape_html(method),
        escape_html(&method.to_uppercase())
    )
}

// ---------------------------------------------------------------------------------------------
// Security

/// "public" when no credentials are needed, else the accepted schemes ("API key or session").
fn security_label(spec: &Value, op: &Value) -> String {
    let requirements = op.get("security").or_else(|| spec.get("security"));
    let Some(requirements) = requirements.and_then(Value::as_array) else {
        return "public".to_owned();
    };
    let alternatives: Vec<String> = requirements
        .iter()
        .filter_map(Value::as_object)
        .map(|schemes| {
            schemes
                .keys()
                .map(|name| scheme_label(name))
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect();
    if alternatives.is_empty() || alternatives.iter().any(String::is_empty) {
        "public".to_owned()
    } else {
        alternatives.join(" or ")
    }
}

/// The reader's name of a security scheme.
fn scheme_label(name: &str) -> String {
    match name {
        "apiKey" => "API key".to_owned(),
        other => other.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters

/// The operation's parameters, as a table (the generated document puts every parameter on
/// its operation, none on the path item).
fn parameters_html(spec: &Value, op: &Operation) -> String {
    let Some(params) = op.op.get("parameters").and_then(Value::as_array) else {
        return String::new();
    };
    let rows: String = params
        .iter()
        .map(|p| parameter_row(spec, resolve(spec, p)))
        .collect();
    format!(
        "<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Required</th>\
         <th>Type</th><th>Description</th></tr></thead><tbody>{rows}</tbody></table>"
    )
}

fn parameter_row(spec: &Value, param: &Value) -> String {
    let schema = param.get("schema").unwrap_or(&Value::Null);
    let required = param
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    format!(
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
        escape_html(text(param, "name")),
        escape_html(text(param, "in")),
        if required { "yes" } else { "no" },
        escape_html(&type_label(spec, schema)),
        enum_html(resolve(spec, schema)),
        inline(text(param, "description"))
    )
}

// ---------------------------------------------------------------------------------------------
// Request body

/// Each media type of the request body: its type, its fields and its examples.
fn request_body_html(spec: &Value, op: &Value) -> String {
    let Some(body) = op.get("requestBody").map(|b| resolve(spec, b)) else {
        return String::new();
    };
    let required = body
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let media: String = body
        .get("content")
        .and_then(Value::as_object)
        .map(|content| {
            content
                .iter()
                .map(|(kind, m)| media_html(spec, kind, m))
                .collect()
        })
        .unwrap_or_default();
    format!(
        "<h4>Request body{}</h4>{}{media}",
        if required {
            ""
        } else {
            " <span class=\"muted\">(optional)</span>"
        },
        prose(text(body, "description"))
    )
}

fn media_html(spec: &Value, kind: &str, media: &Value) -> String {
    let schema = media.get("schema").unwrap_or(&Value::Null);
    format!(
        "<p><code>{}</code> · <span class=\"type\">{}</span></p>{}{}{}",
        escape_html(kind),
        escape_html(&type_label(spec, schema)),
        prose(text(resolve(spec, schema), "description")),
        schema_html(spec, schema, 0),
        examples_html(media)
    )
}

/// The media type's `example` or named `examples`, pretty-printed and folded.
fn examples_html(media: &Value) -> String {
    let mut out = String::new();
    if let Some(example) = media.get("example") {
        out.push_str(&example_block("Example", example));
    }
    if let Some(examples) = media.get("examples").and_then(Value::as_object) {
        for (name, example) in examples {
            let summary = text(example, "summary");
            let label = if summary.is_empty() { name } else { summary };
            let value = example.get("value").unwrap_or(&Value::Null);
            out.push_str(&example_block(&format!("Example: {label}"), value));
        }
    }
    out
}

fn example_block(label: &str, value: &Value) -> String {
    let json = serde_json::to_string_pretty(value).unwrap_or_default();
    format!(
        "<details class=\"example\"><summary>{}</summary><pre><code>{}</code></pre></details>",
        escape_html(label),
        escape_html(&json)
    )
}

// ---------------------------------------------------------------------------------------------
// Schemas

/// The fields of a schema as a nested list, `$ref`s resolved, unfolded to [`MAX_DEPTH`].
fn schema_html(spec: &Value, schema: &Value, depth: usize) -> String {
    if depth > HARD_DEPTH {
        return String::new();
    }
    let schema = resolve(spec, schema);
    let mut out = String::new();
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            out.push_str(&schema_html(spec, part, depth + 1));
        }
    }
    if let Some(variants) = alternatives(schema) {
        out.push_str(&variants_html(spec, variants, depth));
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.push_str(&fields_html(spec, schema, props, depth));
    }
    if out.is_empty()
        && let Some(items) = schema.get("items")
    {
        out.push_str(&schema_html(spec, items, depth + 1));
    }
    out
}

/// `oneOf`/`anyOf` alternatives that have fields of their own, each under its name.
fn variants_html(spec: &Value, variants: &[Value], depth: usize) -> String {
    let items: String = variants
        .iter()
        .filter(|v| has_fields(resolve(spec, v)))
        .map(|variant| {
            let resolved = resolve(spec, variant);
            let title = text(resolved, "title");
            let name = if title.is_empty() {
                type_label(spec, variant)
            } else {
                title.to_owned()
            };
            format!(
                "<li><span class=\"variant\">{}</span> {}{}</li>",
                escape_html(&name),
                inline(text(resolved, "description")),
                schema_html(spec, variant, depth + 1)
            )
        })
        .collect();
    if items.is_empty() {
        String::new()
    } else {
        format!("<p class=\"muted small\">One of:</p><ul class=\"variants\">{items}</ul>")
    }
}

/// One list item per property: name, type, required, description, enum, default, nested fields.
fn fields_html(spec: &Value, schema: &Value, props: &Map<String, Value>, depth: usize) -> String {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let items: String = props
        .iter()
        .map(|(name, prop)| field_html(spec, name, prop, required.contains(&name.as_str()), depth))
        .collect();
    format!("<ul class=\"fields\">{items}</ul>")
}

fn field_html(spec: &Value, name: &str, prop: &Value, required: bool, depth: usize) -> String {
    let resolved = resolve(spec, prop);
    let nested = if depth < MAX_DEPTH {
        nested_html(spec, resolved, depth + 1)
    } else {
        String::new()
    };
    format!(
        "<li><code class=\"field\">{}</code> <span class=\"type\">{}</span>{} {}{}{}{nested}</li>",
        escape_html(name),
        escape_html(&type_label(spec, prop)),
        if required {
            " <span class=\"required\">required</span>"
        } else {
            ""
        },
        inline(text(resolved, "description")),
        enum_html(resolved),
        default_html(resolved)
    )
}

/// The fields inside a property: its own object, its array's items or its alternatives.
fn nested_html(spec: &Value, prop: &Value, depth: usize) -> String {
    let inner = match prop.get("items") {
        Some(items) if !has_fields(prop) => resolve(spec, items),
        _ => prop,
    };
    if has_fields(inner) {
        schema_html(spec, inner, depth)
    } else {
        String::new()
    }
}

/// True when a schema lists properties, directly or through `allOf`/`oneOf`/`anyOf`.
fn has_fields(schema: &Value) -> bool {
    schema.get("properties").is_some()
        || schema.get("allOf").is_some()
        || alternatives(schema).is_some()
}

fn alternatives(schema: &Value) -> Option<&Vec<Value>> {
    schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
}

/// A schema's type in a few words: a `$ref`'s name, `array of X`, `string | null`, `A | B`.
fn type_label(spec: &Value, schema: &Value) -> String {
    if let Some(name) = ref_name(schema) {
        return name.to_owned();
    }
    if let Some(variants) = alternatives(schema) {
        return join_labels(spec, variants, " | ");
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        return join_labels(spec, parts, " & ");
    }
    let base = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ if schema.get("properties").is_some() => "object".to_owned(),
        _ => "any".to_owned(),
    };
    with_details(spec, schema, base)
}

/// Adds the items of an array and the format of a scalar to a type.
fn with_details(spec: &Value, schema: &Value, base: String) -> String {
    if let Some(items) = schema.get("items") {
        return base.replacen("array", &format!("array of {}", type_label(spec, items)), 1);
    }
    match schema.get("format").and_then(Value::as_str) {
        Some(format) => format!("{base} ({format})"),
        None => base,
    }
}

fn join_labels(spec: &Value, schemas: &[Value], separator: &str) -> String {
    schemas
        .iter()
        .map(|s| type_label(spec, s))
        .collect::<Vec<_>>()
        .join(separator)
}

/// The allowed values of an enum, as code.
fn enum_html(schema: &Value) -> String {
    let Some(values) = schema.get("enum").and_then(Value::as_array) else {
        return String::new();
    };
    let codes: Vec<String> = values
        .iter()
        .map(|v| format!("<code>{}</code>", escape_html(&value_text(v))))
        .collect();
    format!(" <span class=\"enum\">one of: {}</span>", codes.join(", "))
}

fn default_html(schema: &Value) -> String {
    match schema.get("default") {
        Some(v) => format!(
            " <span class=\"default\">default <code>{}</code></span>",
            escape_html(&value_text(v))
        ),
        None => String::new(),
    }
}

/// A JSON value as a reader writes it: strings without quotes, the rest as JSON.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Responses

/// One row per status: the status, its description and its body's type.
fn responses_html(spec: &Value, op: &Value) -> String {
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return String::new();
    };
    let rows: String = responses
        .iter()
        .map(|(status, response)| response_row(spec, status, response))
        .collect();
    format!(
        "<h4>Responses</h4><table class=\"responses\"><thead><tr><th>Status</th>\
         <th>Description</th><th>Body</th></tr></thead><tbody>{rows}</tbody></table>"
    )
}

fn response_row(spec: &Value, status: &str, response: &Value) -> String {
    let resolved = resolve(spec, response);
    let description = text(resolved, "description");
    let body = resolved
        .get("content")
        .and_then(Value::as_object)
        .and_then(|content| content.iter().next())
        .map(|(kind, media)| {
            let schema = media.get("schema").unwrap_or(&Value::Null);
            format!(
                "<code>{}</code> {}",
                escape_html(kind),
                escape_html(&type_label(spec, schema))
            )
        })
        .unwrap_or_default();
    format!(
        "<tr><td><span class=\"status s{}\">{}</span></td><td>{}</td><td>{body}</td></tr>",
        escape_html(&status.chars().take(1).collect::<String>()),
        escape_html(status),
        inline(description)
    )
}

// ---------------------------------------------------------------------------------------------
// The document's structure

/// One operation of the document.
struct Operation<'a> {
    method: &'static str,
    path: &'a str,
    op: &'a Value,
}

impl Operation<'_> {
    /// The operation's tags; `other` when it has none.
    fn tags(&self) -> Vec<&str> {
        let tags: Vec<&str> = self
            .op
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| t.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if tags.is_empty() { vec!["other"] } else { tags }
    }

    /// The card's id under `tag` (an operation with several tags has a card under each).
    fn anchor(&self, tag: &str) -> String {
        let id = text(self.op, "operationId");
        let id = if id.is_empty() {
            format!("{}-{}", self.method, self.path)
        } else {
            id.to_owned()
        };
        format!("op-{}-{}", slug(tag), slug(&id))
    }
}

/// Every operation of the document, in the document's path order.
fn operations(spec: &Value) -> Vec<Operation<'_>> {
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS.into_iter().filter_map(move |method| {
                item.get(method).map(|op| Operation {
                    method,
                    path: path.as_str(),
                    op,
                })
            })
        })
        .collect()
}

/// A section of the page.
struct Tag {
    name: String,
    description: String,
}

impl Tag {
    fn anchor(&self) -> String {
        format!("tag-{}", slug(&self.name))
    }
}

/// The declared tags in their order, then any tag only operations name.
fn tags(spec: &Value, ops: &[Operation]) -> Vec<Tag> {
    let mut tags: Vec<Tag> = spec
        .get("tags")
        .and_then(Value::as_array)
        .map(|declared| {
            declared
                .iter()
                .map(|t| Tag {
                    name: text(t, "name").to_owned(),
                    description: text(t, "description").to_owned(),
                })
                .filter(|t| !t.name.is_empty())
                .collect()
        })
        .unwrap_or_default();
    for op in ops {
        for name in op.tags() {
            if !tags.iter().any(|t| t.name == name) {
                tags.push(Tag {
                    name: name.to_owned(),
                    description: String::new(),
                });
            }
        }
    }
    tags.retain(|t| ops.iter().any(|op| op.tags().contains(&t.name.as_str())));
    tags
}

/// Follows local `$ref`s (`#/components/…`) to what they name; anything else stays as it is.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    let mut current = value;
    for _ in 0..MAX_REF_HOPS {
        let target = current
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| spec.pointer(pointer));
        match target {
            Some(next) => current = next,
            None => break,
        }
    }
    current
}

/// The last segment of a `$ref`: the component's name.
fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
}

/// A string member of an object, or "".
fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A string at a JSON pointer, or "".
fn text_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// An id-safe form of a name: lowercase letters and digits, the rest as `-`.
fn slug(raw: &str) -> String {
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Text

/// Paragraphs (blank-line separated) of [`inline`] text.
fn prose(raw: &str) -> String {
    raw.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", inline(p)))
        .collect()
}

/// Escaped text with Markdown's `code` spans and **bold**.
fn inline(raw: &str) -> String {
    escape_html(raw)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                bold(part)
            }
        })
        .collect()
}

fn bold(part: &str) -> String {
    let pieces: Vec<&str> = part.split("**").collect();
    // An unmatched `**` is kept as it is.
    if pieces.len().is_multiple_of(2) {
        return part.to_owned();
    }
    pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| {
            if i % 2 == 1 {
                format!("<strong>{piece}</strong>")
            } else {
                (*piece).to_owned()
            }
        })
        .collect()
}

const STYLE: &str = "\
:root{--bg:#f8fafc;--fg:#0f172a;--card:#fff;--line:#e2e8f0;--muted:#64748b;--code:#f1f5f9;--link:#4f46e5}\
@media (prefers-color-scheme:dark){:root{--bg:#020617;--fg:#e2e8f0;--card:#0f172a;--line:#1e293b;--muted:#94a3b8;--code:#1e293b;--link:#a5b4fc}}\
*{box-sizing:border-box}\
body{font:15px/1.55 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:var(--bg);color:var(--fg)}\
main{max-width:980px;margin:0 auto;padding:2rem 1rem 4rem}\
a{color:var(--link)}h1{font-size:1.9rem;margin:0 0 .5rem}\
h2{margin-top:2.5rem;padding-bottom:.3rem;border-bottom:1px solid var(--line)}\
h3{margin:.6rem 0 .3rem;font-size:1.1rem}h4{margin:1rem 0 .4rem;font-size:.95rem}\
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\
code{font-size:.85em;background:var(--code);padding:0 .25rem;border-radius:.25rem}\
pre{background:var(--code);padding:.75rem;border-radius:.5rem;overflow-x:auto;font-size:.85em}\
pre code{background:none;padding:0}\
.muted{color:var(--muted)}.small{font-size:.85rem}.error{color:#dc2626}\
.version{font-size:.9rem;font-weight:500;color:var(--muted)}\
.index ul{list-style:none;padding-left:0}.index ul ul{padding-left:1.25rem;margin:.25rem 0 .75rem}\
.index ul ul a{text-decoration:none}\
.schemes dt{font-weight:600}.schemes dd{margin:0 0 .5rem 1rem}\
.op{background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:1rem 1.25rem;margin:1rem 0}\
.op-head{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem}\
.path{font-weight:600;font-size:.95rem;background:none}\
.security{margin-left:auto;font-size:.8rem;color:var(--muted);border:1px solid var(--line);border-radius:999px;padding:.05rem .6rem}\
.method{display:inline-block;min-width:4.2rem;text-align:center;font:600 .75rem ui-monospace,monospace;border-radius:.4rem;padding:.15rem .4rem;color:#fff;background:#4f46e5}\
.method.get{background:#059669}.method.post{background:#2563eb}.method.put,.method.patch{background:#d97706}.method.delete{background:#dc2626}\
table{border-collapse:collapse;width:100%;font-size:.9rem}\
th,td{text-align:left;padding:.35rem .5rem;border-top:1px solid var(--line);vertical-align:top}\
ul.fields,ul.variants{margin:.25rem 0;padding-left:1.25rem}ul.fields li{margin:.2rem 0}\
.type{color:var(--muted);font-size:.85em}.required{color:#dc2626;font-size:.75em;font-weight:600}\
.enum,.default{font-size:.85em}.variant{font-weight:600}\
.status{font:600 .85rem ui-monospace,monospace}.status.s2{color:#059669}.status.s4{color:#d97706}.status.s5{color:#dc2626}\
details.example{margin:.5rem 0}details.example summary{cursor:pointer;color:var(--muted);font-size:.9rem}";

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_value() -> Value {
        DOCUMENT.clone()
    }

    fn all_operations(spec: &Value) -> Vec<(String, &'static str, Value)> {
        operations(spec)
            .into_iter()
            .map(|op| (op.path.to_owned(), op.method, op.op.clone()))
            .collect()
    }

    fn collect_refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r);
                }
                map.values().for_each(|v| collect_refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn spec_json_parses_as_openapi_3_1() {
        let spec = spec_value();
        assert!(text(&spec, "openapi").starts_with("3.1"));
        assert_eq!(text_at(&spec, "/info/title"), "Patchbay API");
        assert!(!all_operations(&spec).is_empty());
    }

    #[test]
    fn every_operation_has_an_id_a_summary_a_description_and_declared_tags() {
        let spec = spec_value();
        let declared: Vec<&str> = spec["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        let mut ids = Vec::new();
        for (path, method, op) in all_operations(&spec) {
            let at = format!("{method} {path}");
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{at} has no operationId");
            assert!(
                !ids.contains(&id.to_owned()),
                "{at}: operationId {id} repeats"
            );
            ids.push(id.to_owned());
            assert!(!text(&op, "summary").is_empty(), "{at} has no summary");
            assert!(
                !text(&op, "description").is_empty(),
                "{at} has no description"
            );
            let tags = op["tags"].as_array().cloned().unwrap_or_default();
            assert!(!tags.is_empty(), "{at} has no tags");
            for tag in tags {
                assert!(
                    declared.contains(&tag.as_str().unwrap()),
                    "{at}: undeclared tag {tag}"
                );
            }
        }
    }

    #[test]
    fn every_ref_points_to_an_existing_component() {
        let spec = spec_value();
        let mut refs = Vec::new();
        collect_refs(&spec, &mut refs);
        assert!(!refs.is_empty());
        for r in refs {
            assert!(
                r.starts_with("#/components/"),
                "{r} is not a local component"
            );
            assert!(spec.pointer(&r[1..]).is_some(), "{r} points nowhere");
        }
    }

    #[test]
    fn the_documented_surface_is_complete() {
        let spec = spec_value();
        for path in [
            "/api/v1/connectors",
            "/api/v1/connectors/categories",
            "/api/v1/connections",
            "/api/v1/api-keys",
            "/api/v1/api-keys/{id}",
            "/api/integrations/unified",
            "/api/proxy/{connection}/{path}",
            "/api/webhooks/nango",
            "/healthz",
            "/readyz",
            "/api/openapi.json",
            "/api/docs",
        ] {
            assert!(
                spec["paths"].get(path).is_some(),
                "{path} is not documented"
            );
        }
        for name in [
            "BadRequest",
            "Unauthorized",
            "Forbidden",
            "NotFound",
            "TooManyRequests",
            "BadGateway",
            "GatewayTimeout",
        ] {
            let schema =
                &spec["components"]["responses"][name]["content"]["application/json"]["schema"];
            assert_eq!(schema["$ref"], "#/components/schemas/Error", "{name}");
        }
    }

    #[test]
    fn the_page_lists_every_path_and_loads_nothing_from_elsewhere() {
        let spec = spec_value();
        let page = render_docs(&spec);
        assert!(page.contains("<title>Patchbay API reference</title>"));
        for path in spec["paths"].as_object().unwrap().keys() {
            assert!(
                page.contains(&escape_html(path)),
                "{path} is missing from the page"
            );
        }
        for attribute in ["src=", "href=", "SRC=", "HREF="] {
            for (at, _) in page.match_indices(attribute) {
                let value = page[at + attribute.len()..].trim_start_matches(['"', '\'']);
                for external in ["http://", "https://", "//"] {
                    assert!(
                        !value.starts_with(external),
                        "external {attribute}: {}",
                        &value[..value.len().min(60)]
                    );
                }
            }
        }
        assert!(!page.contains("<script"));
        assert!(!page.contains("<link"));
        assert!(!page.contains("@import"));
        assert!(!page.contains("url("));
        assert!(page.contains("prefers-color-scheme:dark"));
    }

    #[test]
    fn the_page_shows_security_bodies_and_responses() {
        let page = render_docs(&spec_value());
        assert!(page.contains(">public</span>"));
        assert!(page.contains(">API key or session</span>"));
        assert!(page.contains(">session</span>"));
        // The unified request's `data` is unfolded through its `$ref`s, with enums and defaults.
        for needle in [
            "<code class=\"field\">email_address</code>",
            "<code class=\"field\">phoneNumberId</code>",
            "<code class=\"field\">accountSid</code>",
            "<code>crm.contact</code>",
            "<code>v20.0</code>",
            "<code class=\"field\">page_size</code>",
            "Example: Create CRM contact via Nango",
            "<code class=\"field\">email</code>",
            "UnifiedResponse",
            ">504</span>",
        ] {
            assert!(page.contains(needle), "the page lacks {needle}");
        }
    }

    #[test]
    fn text_from_the_document_is_escaped() {
        let spec = serde_json::json!({
            "info": {"title": "<T>", "description": "a <b>bold</b> & `x<y`"},
            "tags": [{"name": "t\"x", "description": "<i>"}],
            "paths": {"/a/{b}": {"get": {
                "tags": ["t\"x"], "summary": "<script>alert(1)</script>",
                "operationId": "o'p", "responses": {"200": {"description": "<ok>"}}
            }}}
        });
        let page = render_docs(&spec);
        assert!(!page.contains("<script>"));
        assert!(!page.contains("<b>"));
        assert!(!page.contains("<i>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("<code>x&lt;y</code>"));
        assert!(page.contains("<title>&lt;T&gt; reference</title>"));
        assert!(page.contains("/a/{b}"));
    }

    #[test]
    fn odd_documents_render_without_panicking() {
        for spec in [
            serde_json::json!({}),
            serde_json::json!(null),
            serde_json::json!("x"),
            serde_json::json!({"paths": {"/x": {"get": {"parameters": [{"$ref": "#/nowhere"}],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}},
                "responses": {"200": {"$ref": "#/components/responses/R"}}}}},
                "components": {"schemas": {"A": {"$ref": "#/components/schemas/A"}}}}),
        ] {
            let page = render_docs(&spec);
            assert!(page.contains("Patchbay API reference"));
        }
    }

    #[test]
    fn escape_html_escapes_the_five_specials() {
        assert_eq!(
            escape_html(r#"<a href="x">'Tom' & Jerry</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;Tom&#39; &amp; Jerry&lt;/a&gt;"
        );
        assert_eq!(escape_html("plain — text"), "plain — text");
    }

    #[test]
    fn security_labels() {
        let spec = spec_value();
        let op = |path: &str, method: &str| spec["paths"][path][method].clone();
        assert_eq!(
            security_label(&spec, &op("/api/v1/connectors", "get")),
            "public"
        );
        assert_eq!(
            security_label(&spec, &op("/api/integrations/unified", "post")),
            "API key or session"
        );
        assert_eq!(
            security_label(&spec, &op("/api/v1/api-keys", "post")),
            "session"
        );
    }

    #[tokio::test]
    async fn the_handlers_serve_json_and_html() {
        let response = spec().await;
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/json"
        );
        let Html(page) = docs_page().await;
        assert_eq!(
            serde_json::from_str::<Value>(&SPEC_JSON).expect("the served document is JSON"),
            *DOCUMENT
        );
        assert!(page.starts_with("<!doctype html>"));
        assert!(page.contains("/api/integrations/unified"));
    }
}
