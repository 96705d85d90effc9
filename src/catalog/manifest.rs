//! Reading and validating the connector manifests. A bad manifest is a build-time mistake, so
//! validation collects every problem with its file and slug, and a unit test runs it on the
//! shipped files.

use std::collections::HashSet;

use serde::Deserialize;

use super::{Connector, Status, category, connector_id};

/// The shipped manifests, one file per category.
pub const EMBEDDED_MANIFESTS: &[(&str, &str)] = &[
    (
        "communication.json",
        include_str!("manifests/communication.json"),
    ),
    ("crm.json", include_str!("manifests/crm.json")),
    ("hr.json", include_str!("manifests/hr.json")),
    (
        "project-management.json",
        include_str!("manifests/project-management.json"),
    ),
    (
        "file-storage.json",
        include_str!("manifests/file-storage.json"),
    ),
    ("ecommerce.json", include_str!("manifests/ecommerce.json")),
    (
        "social-media.json",
        include_str!("manifests/social-media.json"),
    ),
    ("analytics.json", include_str!("manifests/analytics.json")),
    (
        "developer-tools.json",
        include_str!("manifests/developer-tools.json"),
    ),
    ("ai.json", include_str!("manifests/ai.json")),
    (
        "productivity.json",
        include_str!("manifests/productivity.json"),
    ),
    ("calendar.json", include_str!("manifests/calendar.json")),
    ("marketing.json", include_str!("manifests/marketing.json")),
    ("support.json", include_str!("manifests/support.json")),
    ("accounting.json", include_str!("manifests/accounting.json")),
    ("cloud.json", include_str!("manifests/cloud.json")),
];

/// The auth modes Nango knows for providers.
const AUTH_MODES: &[&str] = &[
    "OAUTH2",
    "OAUTH1",
    "API_KEY",
    "BASIC",
    "APP",
    "OAUTH2_CC",
    "JWT",
    "TBA",
    "NONE",
];

/// Every problem found in the manifests, one line each.
#[derive(Debug, thiserror::Error)]
#[error("invalid connector manifests:\n{}", .problems.join("\n"))]
pub struct ManifestError {
    pub problems: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    category: String,
    connectors: Vec<ManifestEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestEntry {
    slug: String,
    name: String,
    description: String,
    nango_provider_key: Option<String>,
    auth_mode: String,
    docs_url: String,
    status: Status,
    version: String,
    /// The simple-icons slug the logo build uses; the core only needs the logo's URL.
    #[allow(dead_code)]
    icon: Option<String>,
}

/// Parses every file and checks the whole set; all problems are reported at once.
pub(super) fn parse_all(files: &[(&str, &str)]) -> Result<Vec<Connector>, ManifestError> {
    let mut problems = Vec::new();
    let mut connectors = Vec::new();
    let mut slugs = HashSet::new();
    for (file, text) in files {
        let manifest: ManifestFile = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("{file}: not a valid manifest: {e}"));
                continue;
            }
        };
        let Some(cat) = category(&manifest.category) else {
            problems.push(format!("{file}: unknown category {:?}", manifest.category));
            continue;
        };
        for entry in manifest.connectors {
            let at = format!("{file}: {}", entry.slug);
            check_entry(&entry, &at, &mut problems);
            if !slugs.insert(entry.slug.clone()) {
                problems.push(format!("{at}: duplicate slug"));
            }
            connectors.push(Connector {
                id: connector_id(&entry.slug),
                logo_url: format!("/logos/{}.svg", entry.slug),
                slug: entry.slug,
                name: entry.name.trim().to_owned(),
                description: entry.description.trim().to_owned(),
                category: cat,
                nango_provider_key: entry.nango_provider_key.filter(|k| !k.trim().is_empty()),
                auth_mode: entry.auth_mode,
                docs_url: entry.docs_url,
                status: entry.status,
                version: entry.version,
            });
        }
    }
    if problems.is_empty() {
        Ok(connectors)
    } else {
        Err(ManifestError { problems })
    }
}

fn check_entry(entry: &ManifestEntry, at: &str, problems: &mut Vec<String>) {
    let slug_ok = !entry.slug.is_empty()
        && entry
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !entry.slug.starts_with('-')
        && !entry.slug.ends_with('-');
    if !slug_ok {
        problems.push(format!(
            "{at}: slug must be lowercase letters, digits and dashes"
        ));
    }
    for (field, value) in [
        ("name", &entry.name),
        ("description", &entry.description),
        ("docs_url", &entry.docs_url),
        ("version", &entry.version),
    ] {
        if value.trim().is_empty() {
            problems.push(format!("{at}: {field} is required"));
        }
    }
    if entry.description.chars().count() > 120 {
        problems.push(format!(
            "{at}: description must fit on one line (120 characters)"
        ));
    }
    if !entry.docs_url.starts_with("https://") {
        problems.push(format!("{at}: docs_url must be an https URL"));
    }
    if !AUTH_MODES.contains(&entry.auth_mode.as_str()) {
        problems.push(format!(
            "{at}: auth_mode {:?} is not one of {}",
            entry.auth_mode,
            AUTH_MODES.join(", ")
        ));
    }
    let semver = entry.version.split('.').count() == 3
        && entry
            .version
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if !semver {
        problems.push(format!(
            "{at}: version {:?} is not MAJOR.MINOR.PATCH",
            entry.version
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CATEGORIES, Catalog};

    #[test]
    fn shipped_manifests_are_valid_and_complete() {
        let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
        assert!(catalog.len() >= 120, "only {} connectors", catalog.len());
        let categories: HashSet<&str> = catalog.all().iter().map(|c| c.category.slug).collect();
        assert!(
            categories.len() >= 12,
            "only {} categories",
            categories.len()
        );
        for slug in [
            "gmail",
            "google-calendar",
            "google-sheets",
            "slack",
            "hubspot",
            "salesforce",
            "pipedrive",
            "gohighlevel",
            "notion",
            "linear",
            "stripe",
            "whatsapp-business",
            "twilio",
            "twitter",
            "aws",
        ] {
            assert!(catalog.get(slug).is_some(), "the seeds need {slug}");
        }
        assert!(catalog.all().iter().any(|c| !c.nango_enabled()));
    }

    #[test]
    fn every_manifest_file_is_embedded_once_per_category() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/catalog/manifests");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = EMBEDDED_MANIFESTS
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
        let mut from_categories: Vec<String> = CATEGORIES
            .iter()
            .map(|c| format!("{}.json", c.slug))
            .collect();
        from_categories.sort();
        assert_eq!(embedded, from_categories);
    }

    fn manifest(category: &str, entries: &str) -> String {
        format!(r#"{{"category":"{category}","connectors":[{entries}]}}"#)
    }

    const GOOD: &str = r#"{"slug":"acme","name":"Acme","description":"Does things.","nango_provider_key":"acme","auth_mode":"OAUTH2","docs_url":"https://acme.dev","status":"stable","version":"1.0.0","icon":null}"#;

    #[test]
    fn duplicate_slugs_are_refused() {
        let a = manifest("crm", GOOD);
        let b = manifest("hr", GOOD);
        let err = parse_all(&[("a.json", &a), ("b.json", &b)]).unwrap_err();
        assert!(
            err.problems.iter().any(|p| p.contains("duplicate slug")),
            "{err}"
        );
    }

    #[test]
    fn unknown_categories_and_bad_fields_are_reported_together() {
        let unknown = manifest("gardening", GOOD);
        let bad = manifest(
            "crm",
            r#"{"slug":"Bad Slug","name":" ","description":"x","nango_provider_key":null,"auth_mode":"MAGIC","docs_url":"http://x","status":"stable","version":"1.0","icon":null}"#,
        );
        let err = parse_all(&[("u.json", &unknown), ("b.json", &bad)]).unwrap_err();
        let text = err.to_string();
        for needle in [
            "unknown category",
            "slug must be",
            "name is required",
            "auth_mode",
            "https",
            "MAJOR",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in {text}");
        }
    }

    #[test]
    fn missing_required_fields_fail_to_parse() {
        let missing = manifest("crm", r#"{"slug":"acme","name":"Acme"}"#);
        let err = parse_all(&[("m.json", &missing)]).unwrap_err();
        assert!(err.problems[0].contains("missing field"), "{err}");
    }
}
