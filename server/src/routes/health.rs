//! Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database answers).

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// A probe's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Probe {
    #[schema(value_type = String, examples("ok", "ready", "not_ready"))]
    pub status: &'static str,
    /// Only on `/readyz`: `ok` or `unreachable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub database: Option<&'static str>,
}

/// Liveness probe
///
/// Answers 200 as long as the process serves requests. Public.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "health",
    security(()),
    responses((status = 200, description = "Alive.", body = Probe, example = json!({"status": "ok"})))
)]
pub async fn healthz() -> Json<Probe> {
    Json(Probe {
        status: "ok",
        database: None,
    })
}

/// Readiness probe
///
/// Answers 200 when the database answers, 503 otherwise. Public.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "Ready.", body = Probe,
            example = json!({"status": "ready", "database": "ok"})),
        (status = 503, description = "The database is unreachable.", body = Probe,
            example = json!({"status": "not_ready", "database": "unreachable"})),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Probe>) {
    match state.hub.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Probe {
                status: "ready",
                database: Some("ok"),
            }),
        ),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Probe {
                    status: "not_ready",
                    database: Some("unreachable"),
                }),
            )
        }
    }
}
