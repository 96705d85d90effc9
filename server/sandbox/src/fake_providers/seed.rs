//! The seeded people every fake CRM and HR system shares: the same data on every run.

const FIRST_NAMES: &[&str] = &[
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken",
];
const LAST_NAMES: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Hamilton",
    "Thompson",
];
pub const COMPANIES: &[&str] = &[
    "Analytical Engines",
    "Cobol Corp",
    "Enigma Labs",
    "Structured Ltd",
    "Abstraction Inc",
];

/// How many records each fake CRM holds.
pub const SEEDED: usize = 30;

/// The seeded person number `i` (1-based): first name, last name, email, phone.
pub fn person(i: usize) -> (String, String, String, String) {
    let first = FIRST_NAMES[(i - 1) % FIRST_NAMES.len()].to_owned();
    let last = LAST_NAMES[(i * 7 + 3) % LAST_NAMES.len()].to_owned();
    let email = format!(
        "{}.{}{i}@example.com",
        first.to_lowercase(),
        last.to_lowercase()
    );
    let phone = format!("+1555010{i:04}");
    (first, last, email, phone)
}

/// The company of seeded record `i`.
pub fn company(i: usize) -> &'static str {
    COMPANIES[i % COMPANIES.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_people_are_deterministic_and_distinct() {
        assert_eq!(person(1), person(1));
        let emails: std::collections::HashSet<String> = (1..=SEEDED).map(|i| person(i).2).collect();
        assert_eq!(emails.len(), SEEDED);
    }
}
