//! The sync engine's record store (`patchbay::sync::store`) on both backends: counts by content,
//! the checkpoint written with its page and nothing written when a page fails, deletion by
//! difference after a full run, and records kept apart per connection.

use patchbay::{
    Db,
    sync::{
        SyncModel,
        store::{self, Checkpoint, PageCounts, SyncScope, SyncedRecord},
    },
    time::now_ms,
};
use serde_json::json;

use crate::helpers::{Backend, TestApp};

fn scope(connection: &str) -> SyncScope {
    SyncScope {
        org_id: "org-a".into(),
        connection_id: connection.into(),
        model: SyncModel::Contacts,
    }
}

fn contact(id: &str, email: &str) -> SyncedRecord {
    SyncedRecord {
        remote_id: id.into(),
        data: json!({ "email_addresses": [{ "email_address": email }] }),
        raw: json!({ "id": id, "properties": { "email": email } }),
        remote_updated_at: Some(1_700_000_000_000),
    }
}

fn page(run: &str, cursor: Option<&str>, pages: u32) -> Checkpoint {
    Checkpoint {
        run_id: run.into(),
        cursor: cursor.map(str::to_owned),
        pages,
    }
}

async fn live_rows(db: &Db, connection: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM sync_records WHERE connection_id = $1 AND deleted_at IS NULL",
    )
    .bind(connection)
    .fetch_one(db.pool())
    .await
    .expect("count")
}

fn counts(added: u32, updated: u32, unchanged: u32) -> PageCounts {
    PageCounts {
        added,
        updated,
        unchanged,
    }
}

async fn a_record_counts_as_updated_only_when_its_content_changed(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let db = &app.hub.db;
    let c1 = scope("conn-1");
    let first = [
        contact("1", "a@x.test"),
        contact("2", "b@x.test"),
        contact("3", "c@x.test"),
    ];
    let stored = store::store_page(db, &c1, &first, &page("run-1", Some("p2"), 1))
        .await
        .unwrap();
    assert_eq!(stored, counts(3, 0, 0));
    assert_eq!(
        store::checkpoint(db, &c1).await.unwrap(),
        Some(page("run-1", Some("p2"), 1))
    );
    let again = store::store_page(db, &c1, &first, &page("run-2", None, 1))
        .await
        .unwrap();
    assert_eq!(again, counts(0, 0, 3));
    let changed = [
        contact("1", "a@x.test"),
        contact("2", "new@x.test"),
        contact("3", "c@x.test"),
    ];
    let stored = store::store_page(db, &c1, &changed, &page("run-3", None, 1))
        .await
        .unwrap();
    assert_eq!(stored, counts(0, 1, 2));
    assert_eq!(live_rows(db, "conn-1").await, 3, "never stored twice");
    store::clear_checkpoint(db, &c1).await.unwrap();
    assert_eq!(store::checkpoint(db, &c1).await.unwrap(), None);
}

async fn a_failing_page_stores_nothing_not_even_its_checkpoint(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let db = &app.hub.db;
    let c1 = scope("conn-1");
    store::store_page(
        db,
        &c1,
        &[contact("1", "a@x.test")],
        &page("run-1", Some("p2"), 1),
    )
    .await
    .unwrap();
    let broken = [contact("2", "b@x.test"), contact("", "no-id@x.test")];
    let err = store::store_page(db, &c1, &broken, &page("run-1", Some("p3"), 2)).await;
    assert!(err.is_err(), "an empty provider id is refused");
    assert_eq!(
        live_rows(db, "conn-1").await,
        1,
        "the page's first record was rolled back"
    );
    assert_eq!(
        store::checkpoint(db, &c1).await.unwrap(),
        Some(page("run-1", Some("p2"), 1)),
        "the run resumes from the last stored page"
    );
}

async fn a_full_run_marks_what_it_did_not_see_as_deleted(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let db = &app.hub.db;
    let c1 = scope("conn-1");
    let all = [
        contact("1", "a@x.test"),
        contact("2", "b@x.test"),
        contact("3", "c@x.test"),
    ];
    store::store_page(db, &c1, &all, &page("run-1", None, 1))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let started = now_ms();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    // Record 3 is gone upstream: the full run sees 1 and 2 only.
    let seen = [contact("1", "a@x.test"), contact("2", "b@x.test")];
    assert_eq!(
        store::store_page(db, &c1, &seen, &page("run-2", None, 1))
            .await
            .unwrap(),
        counts(0, 0, 2)
    );
    assert_eq!(
        store::mark_unseen_deleted(db, &c1, started).await.unwrap(),
        1
    );
    assert_eq!(live_rows(db, "conn-1").await, 2);
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_records WHERE remote_id = '3'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(kept, 1, "a deleted record is kept, marked");
    // It comes back: that is an update, and it is live again.
    let back = [contact("3", "c@x.test")];
    assert_eq!(
        store::store_page(db, &c1, &back, &page("run-3", None, 1))
            .await
            .unwrap(),
        counts(0, 1, 0)
    );
    assert_eq!(live_rows(db, "conn-1").await, 3);
}

async fn records_of_two_connections_stay_apart(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let db = &app.hub.db;
    let same = [contact("1", "a@x.test")];
    let c1 = scope("conn-1");
    let c2 = SyncScope {
        org_id: "org-b".into(),
        ..scope("conn-2")
    };
    assert_eq!(
        store::store_page(db, &c1, &same, &page("r1", None, 1))
            .await
            .unwrap(),
        counts(1, 0, 0)
    );
    assert_eq!(
        store::store_page(db, &c2, &same, &page("r2", None, 1))
            .await
            .unwrap(),
        counts(1, 0, 0)
    );
    // A full run of one connection never marks the other's records.
    store::mark_unseen_deleted(db, &c1, now_ms() + 1)
        .await
        .unwrap();
    assert_eq!(live_rows(db, "conn-1").await, 0);
    assert_eq!(live_rows(db, "conn-2").await, 1);
}

crate::on_both_backends!(
    a_record_counts_as_updated_only_when_its_content_changed,
    a_failing_page_stores_nothing_not_even_its_checkpoint,
    a_full_run_marks_what_it_did_not_see_as_deleted,
    records_of_two_connections_stay_apart,
);
