//! `GET /api/v1/connectors` and `/api/v1/connectors/categories` with each filter.

use axum::http::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, TestApp};

fn slugs(body: &Value) -> Vec<String> {
    body["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn lists_every_connector_with_the_documented_fields(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let response = app.get("/api/v1/connectors").await;
    assert_eq!(response.status, StatusCode::OK);
    let body = response.json();
    let total = app.hub.catalog.len();
    assert_eq!(body["total_count"], total);
    assert_eq!(body["connectors"].as_array().unwrap().len(), total);
    let hubspot = body["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == "hubspot")
        .unwrap();
    let mut keys: Vec<&str> = hubspot
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "auth_mode",
            "category",
            "description",
            "id",
            "latest_version",
            "logo_url",
            "name",
            "nango_enabled",
            "nango_provider_key",
            "slug",
            "status"
        ]
    );
    assert_eq!(hubspot["category"], "crm");
    assert_eq!(hubspot["nango_enabled"], true);
    assert_eq!(
        hubspot["logo_url"],
        "http://patchbay.test/logos/hubspot.svg"
    );
}

async fn filters_by_category_text_and_both(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let crm = app.get("/api/v1/connectors?category=crm").await.json();
    assert!(
        crm["connectors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["category"] == "crm")
    );
    assert!(slugs(&crm).contains(&"salesforce".to_owned()));
    assert_eq!(
        crm["total_count"],
        crm["connectors"].as_array().unwrap().len()
    );

    let text = app.get("/api/v1/connectors?q=HubSpot").await.json();
    assert_eq!(slugs(&text)[0], "hubspot");

    let typo = app.get("/api/v1/connectors?q=salesfroce").await.json();
    assert_eq!(slugs(&typo)[0], "salesforce");

    let both = app
        .get("/api/v1/connectors?category=crm&q=hub")
        .await
        .json();
    assert_eq!(slugs(&both)[0], "hubspot");
    let none = app
        .get("/api/v1/connectors?category=hr&q=hubspot")
        .await
        .json();
    assert_eq!(none["total_count"], 0);

    let empty_category = app.get("/api/v1/connectors?category=").await.json();
    assert_eq!(empty_category["total_count"], app.hub.catalog.len());
}

async fn an_unknown_category_is_a_400_listing_the_allowed_values(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let response = app.get("/api/v1/connectors?category=gardening").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let error = &response.json()["error"];
    assert_eq!(error["code"], "invalid_choice");
    assert_eq!(error["field"], "category");
    let allowed = error["allowed"].as_array().unwrap();
    assert!(allowed.iter().any(|v| v == "crm"));
    assert!(error["message"].as_str().unwrap().contains("gardening"));
}

async fn categories_come_with_counts(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let body = app.get("/api/v1/connectors/categories").await.json();
    let categories = body["categories"].as_array().unwrap();
    assert!(categories.len() >= 12);
    let sum: u64 = categories
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(sum as usize, app.hub.catalog.len());
    assert!(
        categories
            .iter()
            .all(|c| c["label"].is_string() && c["slug"].is_string())
    );
}

crate::on_both_backends!(
    lists_every_connector_with_the_documented_fields,
    filters_by_category_text_and_both,
    an_unknown_category_is_a_400_listing_the_allowed_values,
    categories_come_with_counts,
);
