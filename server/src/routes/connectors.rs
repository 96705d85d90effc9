//! `GET /api/v1/connectors` and `GET /api/v1/connectors/categories`: the public catalog for
//! backends and agents.

use axum::{
    Json,
    extract::{Query, State},
};
use patchbay::catalog::{CatalogQuery, Connector, Status, parse_category};
use serde::{Deserialize, Serialize};

use crate::{api_error::ApiError, state::AppState};

#[derive(Debug, Deserialize)]
pub struct ConnectorsQuery {
    pub category: Option<String>,
    pub q: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ConnectorJson {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub status: Status,
    pub category: &'static str,
    pub description: String,
    pub nango_enabled: bool,
    pub nango_provider_key: Option<String>,
    pub auth_mode: String,
    pub logo_url: String,
    pub latest_version: String,
}

#[derive(Debug, Serialize)]
pub struct ConnectorsJson {
    pub connectors: Vec<ConnectorJson>,
    pub total_count: usize,
}

#[derive(Debug, Serialize)]
pub struct CategoryJson {
    pub slug: &'static str,
    pub label: &'static str,
    pub count: usize,
}

#[derive(Debug, Serialize)]
pub struct CategoriesJson {
    pub categories: Vec<CategoryJson>,
}

fn connector_json(c: &Connector, base: &str) -> ConnectorJson {
    ConnectorJson {
        id: c.id.clone(),
        slug: c.slug.clone(),
        name: c.name.clone(),
        status: c.status,
        category: c.category.slug,
        description: c.description.clone(),
        nango_enabled: c.nango_enabled(),
        nango_provider_key: c.nango_provider_key.clone(),
        auth_mode: c.auth_mode.clone(),
        logo_url: format!("{base}{}", c.logo_url),
        latest_version: c.version.clone(),
    }
}

pub async fn list_connectors(
    State(state): State<AppState>,
    Query(query): Query<ConnectorsQuery>,
) -> Result<Json<ConnectorsJson>, ApiError> {
    let category = parse_category(query.category.as_deref())?;
    let found = state.hub.catalog.search(&CatalogQuery {
        text: query.q.unwrap_or_default(),
        category: category.map(|c| c.slug.to_owned()),
    });
    let base = state.config.public_url.as_str().trim_end_matches('/');
    Ok(Json(ConnectorsJson {
        total_count: found.len(),
        connectors: found.into_iter().map(|c| connector_json(c, base)).collect(),
    }))
}

pub async fn list_categories(State(state): State<AppState>) -> Json<CategoriesJson> {
    let counts = state.hub.catalog.category_counts(&CatalogQuery::default());
    Json(CategoriesJson {
        categories: counts
            .into_iter()
            .map(|(c, count)| CategoryJson {
                slug: c.slug,
                label: c.label,
                count,
            })
            .collect(),
    })
}
