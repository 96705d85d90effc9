//! Where synced records are kept: one page of provider records is stored in one transaction
//! together with the run's checkpoint (the cursor of the next page), so a run killed at any point
//! resumes from its last stored page with nothing lost and nothing stored twice. A record only
//! counts as updated when its content hash changed; a full run marks what it did not see as
//! deleted instead of removing it.

use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::SyncModel;
use crate::{Db, Error, Result, time::now_ms};

/// The longest provider id Patchbay keeps.
const MAX_REMOTE_ID: usize = 255;

/// Whose records: one model of one connection of one organisation.
#[derive(Debug, Clone)]
pub struct SyncScope {
    pub org_id: String,
    pub connection_id: String,
    pub model: SyncModel,
}

/// One record as a provider page gave it, already mapped to the unified fields.
#[derive(Debug, Clone)]
pub struct SyncedRecord {
    pub remote_id: String,
    /// The unified fields (the unified API's mapping).
    pub data: Value,
    /// The provider's JSON, as received.
    pub raw: Value,
    pub remote_updated_at: Option<i64>,
}

/// Where a run is: written with each page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub run_id: String,
    /// The cursor of the next page; `None` once the last page is stored.
    pub cursor: Option<String>,
    /// Pages stored so far in this run.
    pub pages: u32,
}

/// What storing one page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageCounts {
    pub added: u32,
    pub updated: u32,
    pub unchanged: u32,
}

/// Stores one page and the checkpoint after it, all or nothing.
pub async fn store_page(
    db: &Db,
    scope: &SyncScope,
    records: &[SyncedRecord],
    checkpoint: &Checkpoint,
) -> Result<PageCounts> {
    let now = now_ms();
    let mut counts = PageCounts::default();
    let mut tx = db.begin_write().await?;
    for record in records {
        check_remote_id(&record.remote_id)?;
        let hash = content_hash(record)?;
        let stored = sqlx::query(
            "SELECT content_hash, deleted_at FROM sync_records \
             WHERE connection_id = $1 AND model = $2 AND remote_id = $3",
        )
        .bind(&scope.connection_id)
        .bind(scope.model.as_str())
        .bind(&record.remote_id)
        .fetch_optional(&mut *tx)
        .await?;
        let data = json_text(&record.data)?;
        let raw = json_text(&record.raw)?;
        match stored {
            None => {
                sqlx::query(
                    "INSERT INTO sync_records (id, org_id, connection_id, model, remote_id, data, \
                     raw, content_hash, remote_updated_at, seen_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $10)",
                )
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(&scope.org_id)
                .bind(&scope.connection_id)
                .bind(scope.model.as_str())
                .bind(&record.remote_id)
                .bind(&data)
                .bind(&raw)
                .bind(&hash)
                .bind(record.remote_updated_at)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                counts.added += 1;
            }
            Some(row) => {
                let old_hash: String = row.try_get("content_hash")?;
                let deleted_at: Option<i64> = row.try_get("deleted_at")?;
                let changed = old_hash != hash || deleted_at.is_some();
                let update = if changed {
                    sqlx::query(
                        "UPDATE sync_records SET data = $1, raw = $2, content_hash = $3, \
                         remote_updated_at = $4, deleted_at = NULL, seen_at = $5, updated_at = $5 \
                         WHERE connection_id = $6 AND model = $7 AND remote_id = $8",
                    )
                    .bind(&data)
                    .bind(&raw)
                    .bind(&hash)
                    .bind(record.remote_updated_at)
                } else {
                    // Only seen again: the deletion check of a full run must not count it gone.
                    sqlx::query(
                        "UPDATE sync_records SET seen_at = $1 \
                         WHERE connection_id = $2 AND model = $3 AND remote_id = $4",
                    )
                };
                update
                    .bind(now)
                    .bind(&scope.connection_id)
                    .bind(scope.model.as_str())
                    .bind(&record.remote_id)
                    .execute(&mut *tx)
                    .await?;
                if changed {
                    counts.updated += 1;
                } else {
                    counts.unchanged += 1;
                }
            }
        }
    }
    sqlx::query(
        "INSERT INTO sync_checkpoints (connection_id, model, run_id, cursor, pages, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (connection_id, model) DO UPDATE SET \
         run_id = excluded.run_id, cursor = excluded.cursor, pages = excluded.pages, \
         updated_at = excluded.updated_at",
    )
    .bind(&scope.connection_id)
    .bind(scope.model.as_str())
    .bind(&checkpoint.run_id)
    .bind(checkpoint.cursor.as_deref())
    .bind(i64::from(checkpoint.pages))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(counts)
}

/// The checkpoint of the run in progress for this scope, if any.
pub async fn checkpoint(db: &Db, scope: &SyncScope) -> Result<Option<Checkpoint>> {
    let row = sqlx::query(
        "SELECT run_id, cursor, pages FROM sync_checkpoints WHERE connection_id = $1 AND model = $2",
    )
    .bind(&scope.connection_id)
    .bind(scope.model.as_str())
    .fetch_optional(db.pool())
    .await?;
    row.map(|row| {
        let pages: i64 = row.try_get("pages")?;
        Ok(Checkpoint {
            run_id: row.try_get("run_id")?,
            cursor: row.try_get("cursor")?,
            pages: u32::try_from(pages).unwrap_or(u32::MAX),
        })
    })
    .transpose()
}

/// Ends a run: its checkpoint goes, so the next run starts afresh.
pub async fn clear_checkpoint(db: &Db, scope: &SyncScope) -> Result<()> {
    sqlx::query("DELETE FROM sync_checkpoints WHERE connection_id = $1 AND model = $2")
        .bind(&scope.connection_id)
        .bind(scope.model.as_str())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// After a full run that started at `run_started_at`: every live record it did not see is marked
/// deleted (kept, with `deleted_at`). Returns how many.
pub async fn mark_unseen_deleted(db: &Db, scope: &SyncScope, run_started_at: i64) -> Result<u64> {
    let now = now_ms();
    Ok(sqlx::query(
        "UPDATE sync_records SET deleted_at = $1, updated_at = $1 WHERE connection_id = $2 \
         AND model = $3 AND deleted_at IS NULL AND seen_at < $4",
    )
    .bind(now)
    .bind(&scope.connection_id)
    .bind(scope.model.as_str())
    .bind(run_started_at)
    .execute(db.pool())
    .await?
    .rows_affected())
}

fn check_remote_id(remote_id: &str) -> Result<()> {
    if remote_id.is_empty()
        || remote_id.len() > MAX_REMOTE_ID
        || remote_id.contains(char::is_control)
    {
        return Err(Error::validation(
            "remote_id",
            format!("a provider record id must be 1 to {MAX_REMOTE_ID} printable characters"),
        ));
    }
    Ok(())
}

/// SHA-256 of the provider's JSON and the mapped fields (serde_json writes object keys sorted).
fn content_hash(record: &SyncedRecord) -> Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(json_text(&record.raw)?.as_bytes());
    hasher.update([0]);
    hasher.update(json_text(&record.data)?.as_bytes());
    Ok(hex::encode(hasher.finalize()))
}

fn json_text(value: &Value) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::internal("cannot serialise a synced record", e))
}
