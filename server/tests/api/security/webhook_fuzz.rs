//! `POST /api/webhooks/nango` under fuzz: random bytes and mutated Nango bodies (flipped,
//! inserted and deleted bytes, type confusion, deep nesting, huge strings at and over the body
//! limit, NULs, invalid UTF-8, lone surrogates, duplicate keys, another organisation's ids,
//! unknown types), half signed with the right key, half unsigned or signed wrongly. No 5xx,
//! no panic, every stored row a distinct accepted signed delivery, nothing unsigned stored.

use std::{
    collections::HashSet,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use axum::{body::Body, http::Request};
use patchbay::nango::signature::hmac_sha256_hex;
use patchbay_server::routes::webhooks::MAX_BODY_BYTES;
use rand::{Rng, SeedableRng, rngs::StdRng};
use sha2::{Digest, Sha256};

use crate::helpers::{Backend, TestApp, WEBHOOK_SECRET};

/// Bodies per backend run: the same generator and seed on SQLite and PostgreSQL.
const BODIES: usize = 10_000;

fn valid_body(rng: &mut StdRng, org: &str, n: usize) -> String {
    let op = ["creation", "override", "refresh", "deletion"][rng.random_range(0..4)];
    format!(
        r#"{{"from":"nango","type":"auth","operation":"{op}","success":{},"connectionId":"fuzz-{n}","providerConfigKey":"hubspot","provider":"hubspot","authMode":"OAUTH2","environment":"dev","tags":{{"end_user_id":"u","organization_id":"{org}"}},"endUser":{{"endUserId":"u","organizationId":"{org}","tags":{{}}}}}}"#,
        rng.random_bool(0.7)
    )
}

/// One hostile body (raw bytes) built from a valid one, or from nothing.
fn hostile(rng: &mut StdRng, org: &str, other_org: &str, n: usize) -> Vec<u8> {
    let base = valid_body(rng, org, n);
    let mut bytes = base.clone().into_bytes();
    match rng.random_range(0..16) {
        0 => (0..rng.random_range(0..512)).map(|_| rng.random()).collect(),
        1 => {
            for _ in 0..rng.random_range(1..8) {
                let i = rng.random_range(0..bytes.len());
                bytes[i] ^= 1 << rng.random_range(0..8);
            }
            bytes
        }
        2 => {
            for _ in 0..rng.random_range(1..8) {
                let i = rng.random_range(0..=bytes.len());
                bytes.insert(i, rng.random());
            }
            bytes
        }
        3 => {
            for _ in 0..rng.random_range(1..8) {
                if !bytes.is_empty() {
                    let i = rng.random_range(0..bytes.len());
                    bytes.remove(i);
                }
            }
            bytes
        }
        4 => base
            .replace("\"auth\"", "12")
            .replace("\"fuzz-", "[\"fuzz-")
            .replace(r#","providerConfigKey""#, r#"],"providerConfigKey""#)
            .into_bytes(),
        5 => format!(
            r#"{{"type":"auth","success":"yes","connectionId":{n},"tags":[1,2],"endUser":"x","operation":null,"n":{n}}}"#
        )
        .into_bytes(),
        6 => {
            let depth = 1000;
            format!(
                r#"{{"type":"auth","n":{n},"x":{}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            )
            .into_bytes()
        }
        7 => base
            .replace("\"nango\"", "\"na\\u0000ngo\"")
            .replace("fuzz-", "fu\\ud800zz-")
            .into_bytes(),
        8 => {
            let mut b = base.into_bytes();
            let i = rng.random_range(1..b.len());
            b.insert(i, 0);
            b.insert(i, 0xff);
            b.insert(i, 0xc3);
            b
        }
        9 => base
            .replace("{\"from\"", "{\"type\":\"sync\",\"from\"")
            .replace("\"success\"", "\"organization_id\":\"z\",\"success\":false,\"success\"")
            .into_bytes(),
        10 => base.replace(org, other_org).into_bytes(),
        11 => base
            .replace("\"auth\"", &format!("\"unknown-{}\"", rng.random::<u32>()))
            .into_bytes(),
        12 => base
            .replace("fuzz-", "ﬁ𝔘𝔫𝔦𝔠𝔬𝔡𝔢-\u{202e}-\u{feff}-")
            .into_bytes(),
        13 => format!(r#"{{"type":"auth","n":{n}}}"#).repeat(rng.random_range(1..4)).into_bytes(),
        14 => b"null".to_vec(),
        _ => base.into_bytes(),
    }
}

/// A body of `size` bytes that is valid JSON: one long string.
fn huge(size: usize, n: usize) -> Vec<u8> {
    let head = format!(r#"{{"type":"auth","n":{n},"pad":""#);
    let mut body = head.into_bytes();
    body.resize(size - 2, b'a');
    body.extend_from_slice(b"\"}");
    body
}

async fn webhook_fuzz_stores_only_signed_deliveries_and_never_fails(backend: Backend) {
    let seed: u64 = std::env::var("PATCHBAY_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9A7C_B0A5);
    eprintln!(
        "security::webhook_fuzz ({backend:?}): seed {seed} (set PATCHBAY_FUZZ_SEED to replay)"
    );
    let mut rng = StdRng::seed_from_u64(seed);
    let app = TestApp::builder(backend).build().await;
    let mut ada = app.browser();
    ada.sign_up("ada.fuzz@example.com", "Ada").await;
    let org = ada.viewer().await["org"]["id"].as_str().unwrap().to_owned();
    let mut bob = app.browser();
    bob.sign_up("bob.fuzz@example.com", "Bob").await;
    let other_org = bob.viewer().await["org"]["id"].as_str().unwrap().to_owned();

    // Count panics in any task for the duration (axum does not catch them).
    let panics = Arc::new(AtomicUsize::new(0));
    let previous = std::panic::take_hook();
    {
        let panics = panics.clone();
        std::panic::set_hook(Box::new(move |info| {
            // Other tests of this binary run alongside; their failing asserts are not ours.
            if info
                .location()
                .is_some_and(|l| l.file().contains("tests/api"))
            {
                eprintln!("{info}");
                return;
            }
            panics.fetch_add(1, Ordering::SeqCst);
            eprintln!("panic during webhook fuzz: {info}");
        }));
    }

    let total = BODIES;
    let started = std::time::Instant::now();
    let mut accepted_signed: HashSet<String> = HashSet::new();
    let mut failures: Vec<String> = Vec::new();
    let mut unsigned_accepted = 0usize;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for n in 0..total {
        let signed = n % 2 == 0;
        let mut body = match n {
            // The limit exactly, and one byte over it.
            _ if n % 1000 == 10 => huge(MAX_BODY_BYTES, n),
            _ if n % 1000 == 11 || n % 1000 == 12 => huge(MAX_BODY_BYTES + 1, n),
            _ => hostile(&mut rng, &org, &other_org, n),
        };
        if !signed {
            // A marker no stored payload may ever hold.
            body.extend_from_slice(format!(" UNSIGNED-MARKER-{n}").as_bytes());
        }
        let mut request =
            Request::post("/api/webhooks/nango").header("content-type", "application/json");
        if signed {
            request = request.header(
                "X-Nango-Hmac-Sha256",
                hmac_sha256_hex(WEBHOOK_SECRET, &body),
            );
        } else if n % 4 == 1 {
            request = request.header("X-Nango-Hmac-Sha256", hmac_sha256_hex("wrong-key", &body));
        } else if n % 8 == 3 {
            request = request.header("X-Nango-Signature", "00".repeat(32));
        }
        let response = app
            .send(request.body(Body::from(body.clone())).unwrap())
            .await;
        *statuses.entry(response.status.as_u16()).or_default() += 1;
        if response.status.is_server_error() {
            failures.push(format!(
                "body #{n} ({} bytes, signed {signed}): {} {}",
                body.len(),
                response.status,
                response.body.chars().take(200).collect::<String>()
            ));
        }
        if response.status.is_success() {
            if signed {
                accepted_signed.insert(hex::encode(Sha256::digest(&body)));
            } else {
                unsigned_accepted += 1;
            }
        }
    }
    let _ = std::panic::take_hook();
    std::panic::set_hook(previous);

    let pool = app.hub.db.pool();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events")
        .fetch_one(pool)
        .await
        .unwrap();
    let marked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM webhook_events WHERE payload LIKE '%UNSIGNED-MARKER-%'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "security::webhook_fuzz ({backend:?}): {total} bodies in {elapsed:.1}s, statuses {statuses:?}, \
         distinct accepted signed {}, rows stored {stored}, panics {}",
        accepted_signed.len(),
        panics.load(Ordering::SeqCst)
    );
    assert_eq!(
        panics.load(Ordering::SeqCst),
        0,
        "handlers panicked (seed {seed})"
    );
    assert!(failures.is_empty(), "seed {seed}:\n{}", failures.join("\n"));
    assert_eq!(
        unsigned_accepted, 0,
        "unsigned bodies accepted (seed {seed})"
    );
    assert_eq!(marked, 0, "an unsigned body was stored (seed {seed})");
    assert_eq!(
        usize::try_from(stored).unwrap(),
        accepted_signed.len(),
        "rows stored vs distinct accepted signed deliveries (seed {seed})"
    );
    assert!(
        !accepted_signed.is_empty(),
        "no signed body was accepted: the fuzz exercised nothing (seed {seed})"
    );
}

crate::on_both_backends!(webhook_fuzz_stores_only_signed_deliveries_and_never_fails);
