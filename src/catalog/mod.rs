//! The connector catalog: curated manifests (JSON data files under `src/catalog/manifests/`,
//! one per category) embedded at compile time, validated once at start-up, and searched in
//! memory. The catalog is read-only at run time, so it is shared behind an `Arc`.

mod manifest;
pub mod search;

use std::collections::HashMap;

use serde::Serialize;

pub use manifest::{EMBEDDED_MANIFESTS, ManifestError};
pub use search::CatalogQuery;

/// A category of the catalog, as shown on the chips.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Category {
    pub slug: &'static str,
    pub label: &'static str,
}

/// Every category a manifest may use, in the order the catalog shows them.
pub const CATEGORIES: &[Category] = &[
    Category {
        slug: "communication",
        label: "Communication",
    },
    Category {
        slug: "crm",
        label: "CRM & sales",
    },
    Category {
        slug: "hr",
        label: "HR & recruiting",
    },
    Category {
        slug: "project-management",
        label: "Project management",
    },
    Category {
        slug: "file-storage",
        label: "File storage",
    },
    Category {
        slug: "ecommerce",
        label: "E-commerce & payments",
    },
    Category {
        slug: "social-media",
        label: "Social media",
    },
    Category {
        slug: "analytics",
        label: "Analytics",
    },
    Category {
        slug: "developer-tools",
        label: "Developer tools",
    },
    Category {
        slug: "ai",
        label: "AI",
    },
    Category {
        slug: "productivity",
        label: "Productivity",
    },
    Category {
        slug: "calendar",
        label: "Calendar & scheduling",
    },
    Category {
        slug: "marketing",
        label: "Marketing",
    },
    Category {
        slug: "support",
        label: "Customer support",
    },
    Category {
        slug: "accounting",
        label: "Accounting & finance",
    },
    Category {
        slug: "cloud",
        label: "Cloud & infrastructure",
    },
];

/// The category with this slug, if it exists.
pub fn category(slug: &str) -> Option<Category> {
    CATEGORIES.iter().copied().find(|c| c.slug == slug)
}

/// Parses the `category` filter of a URL or API call: empty means every category.
pub fn parse_category(raw: Option<&str>) -> crate::Result<Option<Category>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(slug) => category(slug)
            .map(Some)
            .ok_or_else(|| crate::Error::InvalidChoice {
                field: "category",
                value: slug.to_owned(),
                allowed: CATEGORIES.iter().map(|c| c.slug.to_owned()).collect(),
            }),
    }
}

/// One page of the catalog for one viewer: the matching connectors with the organisation's
/// accounts of each, and the category counts for the chips.
#[derive(Debug)]
pub struct Browse<'a> {
    pub connectors: Vec<(&'a Connector, crate::connections::ConnectorUsage)>,
    pub categories: Vec<(Category, usize)>,
    pub category: Option<Category>,
}

/// Searches the catalog and, for a signed-in organisation, joins its connection counts.
pub async fn browse<'a>(
    catalog: &'a Catalog,
    db: &crate::Db,
    org_id: Option<&str>,
    text: &str,
    category: Option<&str>,
) -> crate::Result<Browse<'a>> {
    let category = parse_category(category)?;
    let query = CatalogQuery {
        text: text.to_owned(),
        category: category.map(|c| c.slug.to_owned()),
    };
    let usage = match org_id {
        Some(org_id) => crate::connections::usage_by_connector(db, org_id).await?,
        None => HashMap::new(),
    };
    let connectors = catalog
        .search(&query)
        .into_iter()
        .map(|c| (c, usage.get(&c.slug).cloned().unwrap_or_default()))
        .collect();
    Ok(Browse {
        connectors,
        categories: catalog.category_counts(&query),
        category,
    })
}

/// One connector and, for a signed-in organisation, its connections of it.
#[derive(Debug)]
pub struct Detail<'a> {
    pub connector: &'a Connector,
    pub usage: crate::connections::ConnectorUsage,
    pub connections: Vec<crate::connections::ConnectionSummary>,
}

/// The connector with this slug and the organisation's connections of it.
pub async fn detail<'a>(
    catalog: &'a Catalog,
    db: &crate::Db,
    org_id: Option<&str>,
    slug: &str,
) -> crate::Result<Detail<'a>> {
    let connector = catalog
        .get(slug)
        .ok_or(crate::Error::NotFound("connector"))?;
    let connections = match org_id {
        Some(org_id) => crate::connections::list_for_connector(db, org_id, slug).await?,
        None => Vec::new(),
    };
    let live = connections
        .iter()
        .filter(|c| c.status != crate::connections::ConnectionStatus::Disconnected);
    let usage = crate::connections::ConnectorUsage {
        accounts: u32::try_from(live.clone().count()).unwrap_or(u32::MAX),
        needing_attention: u32::try_from(
            live.filter(|c| {
                matches!(
                    c.status,
                    crate::connections::ConnectionStatus::Error
                        | crate::connections::ConnectionStatus::NeedsReconnect
                )
            })
            .count(),
        )
        .unwrap_or(u32::MAX),
    };
    Ok(Detail {
        connector,
        usage,
        connections,
    })
}

/// Whether a connector is ready for production use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Status {
    Stable,
    Beta,
}

/// One connector of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Connector {
    /// Stable identifier derived from the slug (UUID v5), for API clients that want one.
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub category: Category,
    /// Nango's provider key; `None` for connectors Nango does not power.
    pub nango_provider_key: Option<String>,
    pub auth_mode: String,
    pub docs_url: String,
    pub status: Status,
    pub version: String,
    pub logo_url: String,
}

impl Connector {
    pub fn nango_enabled(&self) -> bool {
        self.nango_provider_key.is_some()
    }
}

/// The whole catalog, sorted by name, indexed by slug.
#[derive(Debug, Clone)]
pub struct Catalog {
    connectors: Vec<Connector>,
    by_slug: HashMap<String, usize>,
    search_keys: Vec<search::SearchKey>,
}

impl Catalog {
    /// The catalog shipped with Patchbay (the embedded manifests).
    pub fn builtin() -> Result<Self, ManifestError> {
        Self::from_manifests(EMBEDDED_MANIFESTS)
    }

    /// Parses and validates manifests given as `(file name, JSON text)` pairs.
    pub fn from_manifests(files: &[(&str, &str)]) -> Result<Self, ManifestError> {
        Ok(Self::from_connectors(manifest::parse_all(files)?))
    }

    /// A synthetic catalog of `n` connectors spread over every category (benchmarks, load tests).
    pub fn generated(n: usize) -> Self {
        let connectors = (0..n)
            .map(|i| {
                let category = CATEGORIES[i % CATEGORIES.len()];
                let slug = format!("generated-{i:04}");
                Connector {
                    id: connector_id(&slug),
                    name: format!("Generated {i:04}"),
                    description: format!(
                        "Synthetic {} connector number {i} for load tests.",
                        category.label
                    ),
                    category,
                    nango_provider_key: (i % 10 != 0).then(|| slug.clone()),
                    auth_mode: if i % 3 == 0 { "API_KEY" } else { "OAUTH2" }.to_owned(),
                    docs_url: format!("https://example.com/docs/{slug}"),
                    status: if i % 7 == 0 {
                        Status::Beta
                    } else {
                        Status::Stable
                    },
                    version: "1.0.0".to_owned(),
                    logo_url: format!("/logos/{slug}.svg"),
                    slug,
                }
            })
            .collect();
        Self::from_connectors(connectors)
    }

    fn from_connectors(mut connectors: Vec<Connector>) -> Self {
        connectors.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then_with(|| a.slug.cmp(&b.slug))
        });
        let by_slug = connectors
            .iter()
            .enumerate()
            .map(|(i, c)| (c.slug.clone(), i))
            .collect();
        let search_keys = connectors.iter().map(search::SearchKey::new).collect();
        Self {
            connectors,
            by_slug,
            search_keys,
        }
    }

    /// Every connector, by name.
    pub fn all(&self) -> &[Connector] {
        &self.connectors
    }

    pub fn len(&self) -> usize {
        self.connectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.connectors.is_empty()
    }

    pub fn get(&self, slug: &str) -> Option<&Connector> {
        self.by_slug.get(slug).map(|&i| &self.connectors[i])
    }

    /// The connector a Nango integration belongs to: the one whose provider key is the
    /// integration's unique key (Patchbay names integrations after their provider).
    pub fn find_by_nango_key(&self, key: &str) -> Option<&Connector> {
        self.connectors
            .iter()
            .find(|c| c.nango_provider_key.as_deref() == Some(key))
    }

    /// The connectors matching `query`, best match first (by name when there is no text).
    pub fn search(&self, query: &CatalogQuery) -> Vec<&Connector> {
        search::run(self, query)
    }

    /// How many connectors of each category match the text of `query` (its category ignored),
    /// in catalog order, leaving out categories with no connector at all.
    pub fn category_counts(&self, query: &CatalogQuery) -> Vec<(Category, usize)> {
        let text_only = CatalogQuery {
            text: query.text.clone(),
            category: None,
        };
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for connector in self.search(&text_only) {
            *counts.entry(connector.category.slug).or_default() += 1;
        }
        let present: std::collections::HashSet<&str> =
            self.connectors.iter().map(|c| c.category.slug).collect();
        CATEGORIES
            .iter()
            .filter(|c| present.contains(c.slug))
            .map(|c| (*c, counts.get(c.slug).copied().unwrap_or(0)))
            .collect()
    }
}

/// The stable id of a connector: a UUID v5 of its slug in Patchbay's namespace.
pub fn connector_id(slug: &str) -> String {
    const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x7061_7463_6862_6179_0000_0000_0000_0001);
    uuid::Uuid::new_v5(&NAMESPACE, slug.as_bytes()).to_string()
}
