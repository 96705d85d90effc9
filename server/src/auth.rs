//! Who is calling a REST route: `Authorization: Bearer <api key>` for backends and agents, or
//! the session cookie for the signed-in browser. Without either, a 401 in the JSON envelope.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use patchbay::{accounts::sessions, api_keys, caller::Caller, client_ip::ClientIp};

use crate::{
    api_error::{ApiError, envelope},
    state::AppState,
};

/// The authenticated caller of a route.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub caller: Caller,
    /// The client's IP, for the audit log (`PATCHBAY_TRUSTED_PROXY` decides whose
    /// `X-Forwarded-For` counts; see `crate::client_ip`).
    pub ip: Option<String>,
}

fn unauthenticated(message: &str) -> Response {
    let mut response = envelope(StatusCode::UNAUTHORIZED, "unauthenticated", message);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"patchbay\""),
    );
    response
}

fn session_cookie(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(sessions::token_in_cookie_header)
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let ip = match parts.extensions.get::<ClientIp>() {
            Some(ip) => Some(ip.to_string()),
            None => parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string()),
        };
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let key = value
                .to_str()
                .ok()
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .ok_or_else(|| {
                    unauthenticated("send the API key as `Authorization: Bearer pbk_…`")
                })?;
            let caller = api_keys::authenticate(&state.hub, key)
                .await
                .map_err(|e| ApiError(e).into_response())?;
            return Ok(Self { caller, ip });
        }
        let Some(token) = session_cookie(parts) else {
            return Err(unauthenticated(
                "send an API key as `Authorization: Bearer pbk_…` (an admin creates one in Settings), or sign in",
            ));
        };
        let viewer = sessions::load(&state.hub, token)
            .await
            .map_err(|e| ApiError(e).into_response())?
            .ok_or_else(|| unauthenticated("your session has ended; sign in again"))?;
        let caller = Caller::from_viewer(&viewer).map_err(|e| ApiError(e).into_response())?;
        Ok(Self { caller, ip })
    }
}
