//! `GET /api/v1/connectors` and `GET /api/v1/connectors/categories`: the public catalog for
//! backends and agents.

use axum::{
    Json,
    extract::{Query, State},
};
use patchbay::catalog::{CATEGORIES, CatalogQuery, Connector, Status, parse_category};
use serde::{Deserialize, Serialize};
use utoipa::{
    IntoParams, PartialSchema, ToSchema,
    openapi::{ObjectBuilder, RefOr, Schema, schema::Type},
};

use crate::{
    api_error::{ApiError, BadRequest},
    state::AppState,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConnectorsQuery {
    /// A category slug; empty means every category.
    #[param(value_type = Option<CategorySlug>)]
    pub category: Option<String>,
    /// Free text, case-insensitive and tolerant of small typos, matched against name, slug,
    /// description and category; every word must match.
    pub q: Option<String>,
}

/// A category's slug, as the catalog defines them (the document's enum follows the catalog).
pub struct CategorySlug;

impl PartialSchema for CategorySlug {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(CATEGORIES.iter().map(|c| c.slug)))
            .into()
    }
}

impl ToSchema for CategorySlug {}

/// One connector of the catalog.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Connector)]
pub struct ConnectorJson {
    /// Stable identifier derived from the slug.
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(examples("hubspot"))]
    pub slug: String,
    #[schema(examples("HubSpot"))]
    pub name: String,
    /// Whether the connector is ready for production use.
    pub status: Status,
    /// The category's slug.
    #[schema(value_type = CategorySlug)]
    pub category: &'static str,
    pub description: String,
    /// True when the connector can be connected through Nango.
    pub nango_enabled: bool,
    /// Nango's provider key, `null` when Nango does not serve it.
    pub nango_provider_key: Option<String>,
    /// How the provider authenticates, e.g. `OAUTH2`, `API_KEY`, `BASIC`.
    pub auth_mode: String,
    /// Absolute URL of the logo, served by Patchbay itself.
    #[schema(format = "uri")]
    pub logo_url: String,
    /// The catalog entry's version.
    pub latest_version: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ConnectorList)]
pub struct ConnectorsJson {
    pub connectors: Vec<ConnectorJson>,
    pub total_count: usize,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Category)]
pub struct CategoryJson {
    #[schema(value_type = CategorySlug)]
    pub slug: &'static str,
    #[schema(examples("CRM & sales"))]
    pub label: &'static str,
    /// Connectors in the category.
    pub count: usize,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CategoryList)]
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

/// Search the connector catalog
///
/// Every connector Patchbay knows about, filtered by category and free text; with `q`, the
/// likeliest match comes first. Public: no key needed.
#[utoipa::path(
    get,
    path = "/api/v1/connectors",
    operation_id = "listConnectors",
    tag = "catalog",
    security(()),
    params(ConnectorsQuery),
    responses(
        (status = 200, description = "The matching connectors.", body = ConnectorsJson,
            example = json!({"connectors": [{"id": "6f1c0a34-6f0e-5b8e-9b1e-2a4f3c1d9e77", "slug": "hubspot", "name": "HubSpot", "status": "stable", "category": "crm", "description": "CRM platform for marketing, sales and service.", "nango_enabled": true, "nango_provider_key": "hubspot", "auth_mode": "OAUTH2", "logo_url": "https://patchbay.example.com/logos/hubspot.svg", "latest_version": "1.0.0"}], "total_count": 1})),
        (status = 400, response = BadRequest),
    )
)]
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

/// List the catalog's categories
///
/// The catalog's categories in catalog order, each with its label and how many connectors it
/// holds (categories without connectors are left out). Public: no key needed.
#[utoipa::path(
    get,
    path = "/api/v1/connectors/categories",
    operation_id = "listCategories",
    tag = "catalog",
    security(()),
    responses(
        (status = 200, description = "The categories.", body = CategoriesJson,
            example = json!({"categories": [{"slug": "crm", "label": "CRM & sales", "count": 42}, {"slug": "hr", "label": "HR & recruiting", "count": 17}]})),
    )
)]
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
