//! `POST /api/integrations/unified`: authenticates, hands the raw body to the core's unified
//! API and answers its result (201 for a create) or its error in the envelope.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};

use crate::{api_error::ApiError, auth::Authenticated, state::AppState};

/// Bodies above this are refused before they are read.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

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
