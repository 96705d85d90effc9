// TEMP STUB until the helper's file lands.
pub const SANDBOX_PANORA_CRM_TOKEN: &str = "7f0c7a52-8b4e-4d2a-9d55-0a4f6c1e3b01";
pub const SANDBOX_PANORA_HRIS_TOKEN: &str = "2c9e1f7a-4b3d-4e8f-a6c2-5d7b9e0f1a02";
pub fn router(_api_key: String) -> axum::Router {
    axum::Router::new()
}
