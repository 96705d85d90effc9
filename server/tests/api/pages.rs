//! Server-rendered pages: the catalog filter works from the URL alone (no JavaScript), and the
//! signed-in organisation's connections show on the cards.

use axum::http::{StatusCode, header};

use crate::helpers::{Backend, TestApp};

fn card_slugs(html: &str) -> Vec<String> {
    html.match_indices("data-testid=\"connector-card\" data-slug=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

async fn the_catalog_page_renders_the_url_filter_on_the_server(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let all = app.browser().page("/").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(card_slugs(&all.body).len(), app.hub.catalog.len());
    assert!(
        all.body.contains("CRM &amp; sales"),
        "grouped under category headings"
    );

    let filtered = app.browser().page("/?category=crm&q=hub").await;
    let slugs = card_slugs(&filtered.body);
    assert_eq!(
        slugs.first().map(String::as_str),
        Some("hubspot"),
        "{slugs:?}"
    );
    assert!(!slugs.contains(&"slack".to_owned()));
    assert!(
        filtered.body.contains("value=\"hub\""),
        "the search box keeps the text"
    );

    let nothing = app.browser().page("/?q=zzzzqqqq").await;
    assert!(card_slugs(&nothing.body).is_empty());
    assert!(nothing.body.contains("data-testid=\"empty-state\""));
}

async fn a_signed_in_organisation_sees_its_connections_on_the_cards(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let org_id = ada.viewer().await["org"]["id"].as_str().unwrap().to_owned();
    for (id, conn) in [("c1", "hubspot-1"), ("c2", "hubspot-2")] {
        sqlx::query(
            "INSERT INTO connections (id, org_id, connector_slug, provider_config_key,
                nango_connection_id, status, connected_at, updated_at)
             VALUES ($1, $2, 'hubspot', 'hubspot', $3, 'active', 0, 0)",
        )
        .bind(id)
        .bind(&org_id)
        .bind(conn)
        .execute(app.hub.db.pool())
        .await
        .unwrap();
    }
    let page = ada.page("/?q=hubspot").await;
    assert!(
        page.body.contains("Connected · 2"),
        "the card counts both accounts"
    );
    let stranger = app.browser().page("/?q=hubspot").await;
    assert!(
        !stranger.body.contains("Connected · 2"),
        "no status for visitors"
    );
}

async fn unknown_pages_and_connectors_are_404(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    assert_eq!(
        app.browser().page("/no/such/page").await.status,
        StatusCode::NOT_FOUND
    );
    let missing = app.browser().page("/connectors/no-such-connector").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let found = app.browser().page("/connectors/hubspot").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains("/sign-in?next=/connectors/hubspot"));
}

async fn a_thousand_connectors_render_in_one_page(backend: Backend) {
    let app = TestApp::builder(backend)
        .with_catalog(patchbay::catalog::Catalog::generated(1000))
        .build()
        .await;
    let page = app.browser().page("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(card_slugs(&page.body).len(), 1000);
}

/// The nonce of a Content-Security-Policy's `script-src`.
fn csp_nonce(csp: &str) -> &str {
    let start = csp.find("'nonce-").expect("a nonce in the policy") + "'nonce-".len();
    let rest = &csp[start..];
    &rest[..rest.find('\'').expect("a closing quote")]
}

async fn every_response_carries_the_security_headers(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let page = app.browser().page("/").await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    for directive in [
        "default-src 'self'",
        "'wasm-unsafe-eval'",
        "frame-src 'self' http://patchbay.test",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(
        page.headers[header::REFERRER_POLICY],
        "strict-origin-when-cross-origin"
    );

    // Every script carries this response's nonce; no inline event handler attribute.
    let nonce = csp_nonce(&csp);
    let scripts: Vec<&str> = page
        .body
        .match_indices("<script")
        .map(|(i, _)| &page.body[i..i + page.body[i..].find('>').unwrap()])
        .collect();
    assert!(
        scripts.len() >= 2,
        "theme and hydration scripts: {scripts:?}"
    );
    for script in &scripts {
        assert!(
            script.contains(&format!("nonce=\"{nonce}\"")),
            "{script} lacks the nonce {nonce}"
        );
    }
    for handler in [
        " onclick=",
        " onload=",
        " onerror=",
        " onchange=",
        " onsubmit=",
    ] {
        assert!(!page.body.contains(handler), "inline handler {handler}");
    }
    let again = app.browser().page("/").await;
    let other = again.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert_ne!(csp_nonce(other), nonce, "a fresh nonce per response");

    // A 404 page and a REST route get the same headers.
    let missing = app.browser().page("/no/such/page").await;
    let missing_csp = missing.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        missing
            .body
            .contains(&format!("nonce=\"{}\"", csp_nonce(missing_csp)))
    );
    let rest = app
        .rest("GET", "/api/v1/connectors", None, None, None)
        .await;
    assert!(rest.headers.contains_key(header::CONTENT_SECURITY_POLICY));
    assert_eq!(rest.headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(rest.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(rest.headers.contains_key(header::REFERRER_POLICY));
    let docs = app.get("/api/docs").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(
        !docs.body.contains("<script"),
        "the docs page needs no script"
    );
}

crate::on_both_backends!(
    every_response_carries_the_security_headers,
    a_thousand_connectors_render_in_one_page,
    the_catalog_page_renders_the_url_filter_on_the_server,
    a_signed_in_organisation_sees_its_connections_on_the_cards,
    unknown_pages_and_connectors_are_404,
);
