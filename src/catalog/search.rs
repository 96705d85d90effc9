//! Catalog search: case-insensitive, word-aware, tolerant of small typos, ranked so that the
//! connector a person most likely means comes first. Every word of the query must match
//! somewhere; each word scores by where and how well it matched.

use super::{Catalog, Connector};

/// What the catalog page and the connectors API filter by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogQuery {
    /// Free text (name, slug, description, category).
    pub text: String,
    /// A category slug; `None` for every category.
    pub category: Option<String>,
}

/// The normalised text of one connector, computed once when the catalog is built.
#[derive(Debug, Clone)]
pub(super) struct SearchKey {
    name: String,
    name_words: Vec<String>,
    slug: String,
    category: String,
    description_words: Vec<String>,
}

impl SearchKey {
    pub(super) fn new(c: &Connector) -> Self {
        let name = normalise(&c.name);
        Self {
            name_words: words(&name),
            name,
            slug: c.slug.clone(),
            category: normalise(&format!("{} {}", c.category.slug, c.category.label)),
            description_words: words(&normalise(&c.description)),
        }
    }
}

/// Lower case, with every run of non-alphanumeric characters turned into one space.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_owned()
}

fn words(normalised: &str) -> Vec<String> {
    normalised
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The score of the whole query against one connector; `None` when a word matches nowhere.
pub(super) fn score(key: &SearchKey, query_words: &[String], whole_query: &str) -> Option<u32> {
    let mut total = 0;
    if key.name == whole_query || key.slug == whole_query {
        total += 100;
    }
    for word in query_words {
        total += word_score(key, word)?;
    }
    Some(total)
}

fn word_score(key: &SearchKey, word: &str) -> Option<u32> {
    if key.name.starts_with(word) {
        return Some(60);
    }
    if key.name_words.iter().any(|w| w.starts_with(word)) {
        return Some(50);
    }
    if key.slug.contains(word) || key.name.contains(word) {
        return Some(40);
    }
    let typo_budget = match word.chars().count() {
        0..=3 => 0,
        4..=6 => 1,
        _ => 2,
    };
    if typo_budget > 0
        && key
            .name_words
            .iter()
            .chain(std::iter::once(&key.slug))
            .any(|w| within_distance(w, word, typo_budget) || prefix_within(w, word, typo_budget))
    {
        return Some(30);
    }
    if key.category.split(' ').any(|w| w.starts_with(word)) {
        return Some(20);
    }
    if key.description_words.iter().any(|w| w.starts_with(word)) {
        return Some(10);
    }
    if typo_budget > 0
        && key
            .description_words
            .iter()
            .any(|w| w.chars().count() >= 4 && within_distance(w, word, 1))
    {
        return Some(5);
    }
    None
}

/// A query word that is a slightly mistyped prefix of a longer word ("hubsp" → "hubspot" is a
/// plain prefix, "hbspot" → "hubspot" is within distance, "salesfroce" → "salesforce" too).
fn prefix_within(candidate: &str, word: &str, budget: usize) -> bool {
    let len = word.chars().count();
    candidate.chars().count() > len && {
        let prefix: String = candidate.chars().take(len).collect();
        within_distance(&prefix, word, budget)
    }
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent swaps) of at most `budget`.
pub fn within_distance(a: &str, b: &str, budget: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > budget {
        return false;
    }
    let width = b.len() + 1;
    let mut rows = vec![vec![0usize; width]; a.len() + 1];
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i][0] = i;
        let mut row_min = rows[i][0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
            row_min = row_min.min(best);
        }
        if row_min > budget {
            return false;
        }
    }
    rows[a.len()][b.len()] <= budget
}

pub(super) fn run<'a>(catalog: &'a Catalog, query: &CatalogQuery) -> Vec<&'a Connector> {
    let whole = normalise(&query.text);
    let query_words = words(&whole);
    let in_category = |c: &Connector| {
        query
            .category
            .as_deref()
            .is_none_or(|slug| c.category.slug == slug)
    };
    if query_words.is_empty() {
        return catalog
            .connectors
            .iter()
            .filter(|c| in_category(c))
            .collect();
    }
    let mut scored: Vec<(u32, usize)> = catalog
        .connectors
        .iter()
        .zip(&catalog.search_keys)
        .enumerate()
        .filter(|(_, (c, _))| in_category(c))
        .filter_map(|(i, (_, key))| score(key, &query_words, &whole).map(|s| (s, i)))
        .collect();
    // Best score first; ties keep the catalog's alphabetical order.
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .map(|(_, i)| &catalog.connectors[i])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn slugs(catalog: &Catalog, text: &str, category: Option<&str>) -> Vec<String> {
        catalog
            .search(&CatalogQuery {
                text: text.to_owned(),
                category: category.map(str::to_owned),
            })
            .into_iter()
            .map(|c| c.slug.clone())
            .collect()
    }

    fn builtin() -> Catalog {
        Catalog::builtin().unwrap()
    }

    #[test]
    fn distance_counts_edits_and_swaps() {
        assert!(within_distance("hubspot", "hubspot", 0));
        assert!(within_distance("hubspot", "hubspto", 1), "adjacent swap");
        assert!(within_distance("hubspot", "hubsot", 1), "deletion");
        assert!(within_distance("salesforce", "salesfroce", 1));
        assert!(!within_distance("slack", "stripe", 2));
        assert!(!within_distance("gmail", "gm", 2));
    }

    #[test]
    fn exact_name_ranks_first_and_case_is_ignored() {
        let c = builtin();
        assert_eq!(slugs(&c, "HubSpot", None)[0], "hubspot");
        assert_eq!(slugs(&c, "SLACK", None)[0], "slack");
        assert_eq!(slugs(&c, "stripe", None)[0], "stripe");
    }

    #[test]
    fn prefixes_find_names() {
        let c = builtin();
        assert_eq!(slugs(&c, "hub", None)[0], "hubspot");
        let google = slugs(&c, "goog", None);
        let named = google
            .iter()
            .take_while(|s| s.starts_with("google"))
            .count();
        assert!(named >= 5, "{google:?}");
        assert!(
            google[named..].iter().all(|s| !s.starts_with("google")),
            "every Google connector ranks before other matches: {google:?}"
        );
    }

    #[test]
    fn small_typos_are_forgiven() {
        let c = builtin();
        assert_eq!(slugs(&c, "hubspto", None)[0], "hubspot");
        assert_eq!(slugs(&c, "salesfroce", None)[0], "salesforce");
        assert_eq!(slugs(&c, "pipedriv", None)[0], "pipedrive");
        assert!(slugs(&c, "zzzzqqqq", None).is_empty());
    }

    #[test]
    fn every_word_must_match() {
        let c = builtin();
        let both = slugs(&c, "google calendar", None);
        assert_eq!(both[0], "google-calendar");
        assert!(!both.contains(&"gmail".to_owned()));
    }

    #[test]
    fn name_matches_beat_description_matches() {
        let c = builtin();
        let results = slugs(&c, "calendar", None);
        let google = results.iter().position(|s| s == "google-calendar").unwrap();
        let described_only = results
            .iter()
            .position(|s| {
                let conn = c.get(s).unwrap();
                !normalise(&conn.name).contains("calendar")
            })
            .unwrap_or(usize::MAX);
        assert!(google < described_only, "{results:?}");
    }

    #[test]
    fn category_filters_and_counts() {
        let c = builtin();
        let crm = slugs(&c, "", Some("crm"));
        assert!(crm.contains(&"hubspot".to_owned()));
        assert!(crm.iter().all(|s| c.get(s).unwrap().category.slug == "crm"));
        assert!(slugs(&c, "slack", Some("crm")).is_empty());
        let counts = c.category_counts(&CatalogQuery {
            text: "hub".to_owned(),
            category: Some("hr".to_owned()),
        });
        let crm_count = counts.iter().find(|(cat, _)| cat.slug == "crm").unwrap().1;
        assert!(crm_count >= 1, "counts ignore the selected category");
        let total: usize = c
            .category_counts(&CatalogQuery::default())
            .iter()
            .map(|(_, n)| n)
            .sum();
        assert_eq!(total, c.len());
    }

    #[test]
    fn the_category_name_is_searchable() {
        let c = builtin();
        assert!(slugs(&c, "crm", None).contains(&"pipedrive".to_owned()));
    }
}
