// TEMP STUB until the helper's file lands.
pub async fn spec() -> axum::response::Response {
    axum::response::IntoResponse::into_response("{}")
}
pub async fn docs_page() -> axum::response::Html<String> {
    axum::response::Html(String::new())
}
