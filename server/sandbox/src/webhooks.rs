//! The `auth` webhooks the sandbox sends, exactly as Nango does (docs/nango.md, Webhooks): keys sorted,
//! no whitespace, signed with `X-Nango-Hmac-Sha256` and the legacy `X-Nango-Signature`,
//! retried twice on network errors and 5xx, never on 4xx.

use std::{sync::Arc, time::Duration};

use serde_json::{Value, json};

use super::{
    signature::{self, HMAC_HEADER, LEGACY_HEADER},
    state::{Connection, SentWebhook, Shared},
};

/// The body of an `auth` event for `connection`.
pub fn auth_body(
    shared: &Shared,
    connection: &Connection,
    operation: &str,
    error: Option<(&str, &str)>,
) -> Value {
    let tag = |k: &str| connection.tags.get(k).cloned();
    let mut end_user = json!({ "tags": {} });
    if let Some(id) = tag("end_user_id") {
        end_user["endUserId"] = json!(id);
    }
    if let Some(email) = tag("end_user_email") {
        end_user["endUserEmail"] = json!(email);
    }
    if let Some(org) = tag("organization_id") {
        end_user["organizationId"] = json!(org);
    }
    let mut body = json!({
        "from": "nango",
        "type": "auth",
        "operation": operation,
        "success": error.is_none(),
        "connectionId": connection.connection_id,
        "providerConfigKey": connection.provider_config_key,
        "provider": connection.provider,
        "authMode": connection.auth_mode,
        "environment": shared.config.environment,
        "tags": connection.tags,
    });
    if tag("end_user_id").is_some() {
        body["endUser"] = end_user;
    }
    if let Some((kind, description)) = error {
        body["error"] = json!({ "type": kind, "description": description });
    }
    body
}

/// Sends an `auth` event in the background and records how it went.
pub fn send_auth(
    shared: &Arc<Shared>,
    connection: &Connection,
    operation: &str,
    error: Option<(&str, &str)>,
) {
    let body = auth_body(shared, connection, operation, error);
    // A connection's own webhook URL replaces the environment's, as in Nango.
    let url = connection
        .webhook_url_override
        .clone()
        .or_else(|| shared.config.webhook_url.clone());
    let shared = shared.clone();
    tokio::spawn(async move { deliver(&shared, url, body).await });
}

async fn deliver(shared: &Shared, url: Option<String>, body: Value) {
    let Ok(bytes) = serde_json::to_vec(&body) else {
        return;
    };
    let signed = signature::sign(&shared.config.webhook_signing_key, &bytes);
    let signature = signed.hmac.clone();
    let Some(url) = url else {
        shared.memory().log_webhook(SentWebhook {
            body,
            signature,
            status: None,
            error: Some("no webhook URL is configured".to_owned()),
        });
        return;
    };
    let mut outcome = (None, None);
    for attempt in 0..3u32 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
        }
        let sent = shared
            .http
            .post(&url)
            .header("content-type", "application/json")
            .header("user-agent", "nango-sandbox/patchbay")
            .header(HMAC_HEADER, &signed.hmac)
            .header(LEGACY_HEADER, &signed.legacy)
            .body(bytes.clone())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status();
                outcome = (Some(status.as_u16()), None);
                if !status.is_server_error() {
                    break;
                }
            }
            Err(e) => outcome = (None, Some(e.without_url().to_string())),
        }
    }
    shared.memory().log_webhook(SentWebhook {
        body,
        signature,
        status: outcome.0,
        error: outcome.1,
    });
}
