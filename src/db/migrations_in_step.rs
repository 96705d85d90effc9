//! Keeps `migrations/sqlite` and `migrations/postgres` in step: the same files in the same order,
//! and, replayed statement by statement, the same tables with the same columns (name and type)
//! and the same indexes. The two folders are written by hand because their dialects differ
//! (SQLite rebuilds a table where PostgreSQL alters it), so only the resulting schema is compared.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// A table as the migrations leave it: column name → type (upper case), and its index names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Table {
    columns: BTreeMap<String, String>,
    indexes: BTreeSet<String>,
}

/// Every table by name.
type Schema = BTreeMap<String, Table>;

fn folder(backend: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend)
}

/// The `.sql` file names of a folder, in the order sqlx applies them (by name, i.e. version).
fn migration_files(backend: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder(backend))
        .expect("the migrations folder exists")
        .map(|entry| {
            entry
                .expect("a readable folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

/// The statements of a migration, without `--` comments, each on one line of single spaces.
fn statements(sql: &str) -> Vec<String> {
    let without_comments: String = sql
        .lines()
        .map(|line| line.split_once("--").map_or(line, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n");
    without_comments
        .split(';')
        .map(|statement| statement.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|statement| !statement.is_empty())
        .collect()
}

/// The top-level comma-separated items between the outermost parentheses of `text`.
fn parenthesised_items(text: &str) -> Vec<String> {
    let open = text.find('(').expect("a column list");
    let close = text.rfind(')').expect("a closed column list");
    let mut items = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in text[open + 1..close].chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut current).trim().to_owned());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    items.push(current.trim().to_owned());
    items
}

/// A column definition's (name, type), or `None` for a table constraint.
fn column(item: &str) -> Option<(String, String)> {
    let mut words = item.split_whitespace();
    let name = words.next()?.to_lowercase();
    if ["primary", "unique", "check", "foreign", "constraint"].contains(&name.as_str()) {
        return None;
    }
    Some((name, words.next()?.to_uppercase()))
}

/// Applies one statement to the schema; statements that change no table shape are skipped.
fn apply(schema: &mut Schema, statement: &str) {
    let words: Vec<String> = statement
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    let word = |i: usize| words.get(i).map_or("", String::as_str);
    match (word(0), word(1)) {
        ("create", "table") => {
            let columns = parenthesised_items(statement)
                .iter()
                .filter_map(|item| column(item))
                .collect();
            let table = Table {
                columns,
                indexes: BTreeSet::new(),
            };
            assert!(
                schema.insert(word(2).to_owned(), table).is_none(),
                "{statement}"
            );
        }
        ("create", "index" | "unique") => {
            let on = words
                .iter()
                .position(|w| w == "on")
                .expect("CREATE INDEX … ON");
            let name = words[on - 1].clone();
            let table = schema
                .get_mut(word(on + 1))
                .expect("an index on a known table");
            table.indexes.insert(name);
        }
        ("drop", "table") => {
            schema.remove(word(2)).expect("a known table is dropped");
        }
        ("drop", "index") => {
            for table in schema.values_mut() {
                table.indexes.remove(word(2));
            }
        }
        ("alter", "table") => alter(schema, &words, statement),
        _ => {}
    }
}

/// `ALTER TABLE t RENAME TO u | ADD [COLUMN] c TYPE | DROP COLUMN c | RENAME COLUMN a TO b`.
fn alter(schema: &mut Schema, words: &[String], statement: &str) {
    let name = words[2].as_str();
    let rest: Vec<&str> = words[3..].iter().map(String::as_str).collect();
    match rest.as_slice() {
        ["rename", "to", new_name] => {
            let table = schema.remove(name).expect("a known table is renamed");
            schema.insert((*new_name).to_owned(), table);
        }
        ["add", "column", column, kind, ..] | ["add", column, kind, ..]
            if !["constraint", "primary", "unique", "check", "foreign"].contains(column) =>
        {
            let table = schema.get_mut(name).expect("a known table");
            table
                .columns
                .insert((*column).to_owned(), kind.to_uppercase());
        }
        ["drop", "column", column, ..] => {
            let table = schema.get_mut(name).expect("a known table");
            table.columns.remove(*column).expect("a known column");
        }
        ["rename", "column", old, "to", new] => {
            let table = schema.get_mut(name).expect("a known table");
            let kind = table.columns.remove(*old).expect("a known column");
            table.columns.insert((*new).to_owned(), kind);
        }
        // Constraints (`DROP CONSTRAINT`, `ADD CONSTRAINT`) change no column.
        ["drop" | "add", "constraint", ..] => {}
        _ => panic!("an ALTER TABLE this check does not understand: {statement}"),
    }
}

/// The schema the folder's migrations leave behind.
fn schema_of(backend: &str) -> Schema {
    let mut schema = Schema::new();
    for file in migration_files(backend) {
        let sql = std::fs::read_to_string(folder(backend).join(&file)).expect("a readable file");
        for statement in statements(&sql) {
            apply(&mut schema, &statement);
        }
    }
    schema
}

#[test]
fn both_backends_have_the_same_migration_files_in_the_same_order() {
    let sqlite = migration_files("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, migration_files("postgres"));
}

#[test]
fn both_backends_end_with_the_same_tables_columns_and_indexes() {
    let sqlite = schema_of("sqlite");
    let postgres = schema_of("postgres");
    for name in ["users", "connections", "webhook_events", "api_keys"] {
        assert!(sqlite.contains_key(name), "{name} is missing: {sqlite:#?}");
    }
    for (name, table) in &sqlite {
        assert_eq!(Some(table), postgres.get(name), "table {name}");
    }
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>()
    );
}

#[test]
fn the_replay_follows_a_rebuild_and_an_alter_to_the_same_shape() {
    let mut rebuilt = Schema::new();
    for statement in statements(
        "CREATE TABLE t (id TEXT PRIMARY KEY, a BIGINT NOT NULL, UNIQUE (a)); -- old
         CREATE TABLE t_v2 (id TEXT PRIMARY KEY, b TEXT, a BIGINT NOT NULL CHECK (a IN (1, 2)));
         INSERT INTO t_v2 (id, a) SELECT id, a FROM t;
         DROP TABLE t;
         ALTER TABLE t_v2 RENAME TO t;
         CREATE INDEX t_b ON t (b);",
    ) {
        apply(&mut rebuilt, &statement);
    }
    let mut altered = Schema::new();
    for statement in statements(
        "CREATE TABLE t (id TEXT PRIMARY KEY, a BIGINT NOT NULL, UNIQUE (a));
         ALTER TABLE t DROP CONSTRAINT t_a_key;
         ALTER TABLE t ADD COLUMN b TEXT UNIQUE;
         CREATE INDEX t_b ON t (b);",
    ) {
        apply(&mut altered, &statement);
    }
    assert_eq!(rebuilt, altered);
    assert_eq!(rebuilt["t"].columns.len(), 3);

    let mut drifted = altered.clone();
    apply(&mut drifted, "ALTER TABLE t ADD COLUMN c BIGINT");
    assert_ne!(drifted, rebuilt, "a column on one side only is seen");
}
