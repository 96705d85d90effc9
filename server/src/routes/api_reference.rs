//! The REST API's reference: the OpenAPI document kept in the repository
//! (`server/api/openapi.json`) served at `/api/openapi.json`, and a readable page rendered from
//! it at `/api/docs`, with nothing fetched from elsewhere.

use std::sync::LazyLock;

use axum::{
    http::header,
    response::{Html, IntoResponse, Response},
};
use serde_json::Value;

pub const SPEC_JSON: &str = include_str!("../../api/openapi.json");

static PAGE: LazyLock<String> = LazyLock::new(|| match serde_json::from_str::<Value>(SPEC_JSON) {
    Ok(spec) => render(&spec),
    Err(e) => format!(
        "<!doctype html><title>API reference</title><p>The API description could not be read: {}</p>",
        escape(&e.to_string())
    ),
});

pub async fn spec() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], SPEC_JSON).into_response()
}

pub async fn docs_page() -> Html<String> {
    Html(PAGE.clone())
}

/// Escapes text for HTML.
pub fn escape(raw: &str) -> String {
    raw.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// `code` spans for Markdown backticks, the rest escaped.
fn prose(raw: &str) -> String {
    escape(raw)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_owned()
            }
        })
        .collect()
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f8fafc;color:#0f172a}\
main{max-width:960px;margin:0 auto;padding:2rem 1rem}h1{font-size:1.8rem}h2{margin-top:2.5rem;border-bottom:1px solid #e2e8f0}\
.op{background:#fff;border:1px solid #e2e8f0;border-radius:.75rem;padding:1rem 1.25rem;margin:1rem 0}\
.m{display:inline-block;min-width:4.5rem;text-align:center;font:600 .75rem ui-monospace,monospace;border-radius:.4rem;padding:.15rem .4rem;color:#fff;background:#4f46e5}\
.m.get{background:#059669}.m.delete{background:#dc2626}.m.put,.m.patch{background:#d97706}\
.path{font:600 .95rem ui-monospace,monospace;margin-left:.5rem}code{font:.85em ui-monospace,monospace;background:#f1f5f9;padding:0 .25rem;border-radius:.25rem}\
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{text-align:left;padding:.3rem .5rem;border-top:1px solid #e2e8f0;vertical-align:top}\
.muted{color:#64748b}nav a{margin-right:1rem;color:#4f46e5}\
@media (prefers-color-scheme:dark){body{background:#020617;color:#e2e8f0}.op{background:#0f172a;border-color:#1e293b}\
code{background:#1e293b}td,th,h2{border-color:#1e293b}.muted{color:#94a3b8}nav a{color:#a5b4fc}}";

/// The whole page.
pub fn render(spec: &Value) -> String {
    let title = spec
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("API");
    let description = spec
        .pointer("/info/description")
        .and_then(Value::as_str)
        .unwrap_or("");
    let tags: Vec<&Value> = spec
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| t.iter().collect())
        .unwrap_or_default();
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{0} reference</title><style>{STYLE}</style></head><body><main><h1>{0} reference</h1><p>{1}</p>\
<p class=\"muted\">Machine-readable: <a href=\"/api/openapi.json\">/api/openapi.json</a></p><nav>",
        escape(title),
        prose(description)
    );
    for tag in &tags {
        let name = tag.get("name").and_then(Value::as_str).unwrap_or("");
        html.push_str(&format!("<a href=\"#tag-{0}\">{0}</a>", escape(name)));
    }
    html.push_str("</nav>");
    for tag in &tags {
        let name = tag.get("name").and_then(Value::as_str).unwrap_or("");
        let about = tag.get("description").and_then(Value::as_str).unwrap_or("");
        html.push_str(&format!(
            "<h2 id=\"tag-{0}\">{0}</h2><p class=\"muted\">{1}</p>",
            escape(name),
            prose(about)
        ));
        for (path, item) in spec
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(op) = item.get(method)
                    && op
                        .get("tags")
                        .and_then(Value::as_array)
                        .is_some_and(|t| t.iter().any(|t| t == name))
                {
                    html.push_str(&operation(spec, path, method, item, op));
                }
            }
        }
    }
    html.push_str("</main></body></html>");
    html
}

fn operation(spec: &Value, path: &str, method: &str, item: &Value, op: &Value) -> String {
    let text = |k: &str| op.get(k).and_then(Value::as_str).unwrap_or("");
    let public = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty);
    let mut html = format!(
        "<section class=\"op\" id=\"op-{id}\"><div><span class=\"m {method}\">{upper}</span><span class=\"path\">{path}</span></div>\
<p><strong>{summary}</strong> <span class=\"muted\">· {auth}</span></p><p>{description}</p>",
        id = escape(text("operationId")),
        upper = method.to_uppercase(),
        path = escape(path),
        summary = escape(text("summary")),
        auth = if public {
            "public"
        } else {
            "API key or session"
        },
        description = prose(text("description")),
    );
    let params: Vec<&Value> = [item.get("parameters"), op.get("parameters")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .collect();
    if !params.is_empty() {
        html.push_str("<h4>Parameters</h4><table><tr><th>Name</th><th>In</th><th>Type</th><th>About</th></tr>");
        for p in params {
            let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("");
            let required = if p.get("required") == Some(&Value::Bool(true)) {
                " (required)"
            } else {
                ""
            };
            html.push_str(&format!(
                "<tr><td><code>{}</code>{required}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(s("name")),
                escape(s("in")),
                escape(&type_of(spec, p.get("schema").unwrap_or(&Value::Null))),
                prose(s("description"))
            ));
        }
        html.push_str("</table>");
    }
    if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
        html.push_str("<h4>Request body</h4>");
        html.push_str(&fields(spec, schema, 0));
    }
    html.push_str("<h4>Responses</h4><table>");
    for (status, response) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let description = response
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("");
        html.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            escape(status),
            prose(description)
        ));
    }
    html.push_str("</table></section>");
    html
}

/// Follows a `$ref` into `components`.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix('#')
            .and_then(|p| spec.pointer(p))
            .unwrap_or(schema),
        None => schema,
    }
}

/// A short type description: `string`, `integer`, one of an enum, a schema name.
fn type_of(spec: &Value, schema: &Value) -> String {
    if let Some(name) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
    {
        return name.to_owned();
    }
    let schema = resolve(spec, schema);
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let list: Vec<String> = values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        return format!("one of {}", list.join(" | "));
    }
    match schema.get("type") {
        Some(Value::String(t)) if t == "array" => {
            format!(
                "array of {}",
                type_of(spec, schema.get("items").unwrap_or(&Value::Null))
            )
        }
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ if schema.get("oneOf").is_some() => "one of several shapes".to_owned(),
        _ => "any".to_owned(),
    }
}

/// An object's fields as a table (nested objects one level deep).
fn fields(spec: &Value, schema: &Value, depth: usize) -> String {
    let schema = resolve(spec, schema);
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return format!("<p><code>{}</code></p>", escape(&type_of(spec, schema)));
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut html = String::from("<table><tr><th>Field</th><th>Type</th><th>About</th></tr>");
    for (name, field) in properties {
        let about = resolve(spec, field)
            .get("description")
            .or_else(|| field.get("description"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let mark = if required.contains(&name.as_str()) {
            " (required)"
        } else {
            ""
        };
        let nested = if depth == 0 && resolve(spec, field).get("properties").is_some() {
            fields(spec, field, depth + 1)
        } else {
            String::new()
        };
        html.push_str(&format!(
            "<tr><td><code>{}</code>{mark}</td><td>{}</td><td>{}{nested}</td></tr>",
            escape(name),
            escape(&type_of(spec, field)),
            prose(about)
        ));
    }
    html.push_str("</table>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Value {
        serde_json::from_str(SPEC_JSON).unwrap()
    }

    fn refs(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    found.push(r.clone());
                }
                map.values().for_each(|v| refs(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }

    #[test]
    fn every_operation_is_described_and_every_ref_resolves() {
        let spec = spec();
        for (path, item) in spec["paths"].as_object().unwrap() {
            for (method, op) in item
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| *k != "parameters")
            {
                for key in ["operationId", "summary", "description"] {
                    assert!(op[key].is_string(), "{method} {path} has no {key}");
                }
                assert!(
                    op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                    "{method} {path}"
                );
            }
        }
        let mut found = Vec::new();
        refs(&spec, &mut found);
        for r in found {
            assert!(
                spec.pointer(r.trim_start_matches('#')).is_some(),
                "{r} points nowhere"
            );
        }
    }

    #[test]
    fn the_page_shows_every_path_and_loads_nothing_from_elsewhere() {
        let page = render(&spec());
        for path in spec()["paths"].as_object().unwrap().keys() {
            assert!(page.contains(&escape(path)), "{path}");
        }
        assert!(
            !page.contains("src=\"http") && !page.contains("<script"),
            "no CDN, no script"
        );
        assert!(!page.contains("<link"), "no external stylesheet");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(prose("send `a<b`"), "send <code>a&lt;b</code>");
    }
}
