//! The `patchbay` binary's operator commands against a standalone sandbox over real HTTP:
//! `nango import`, `nango connections` and `whatsapp test`, with flags overriding the
//! environment, and one clear line with a non-zero exit on every failure.

use std::process::Output;

use crate::helpers::{SANDBOX_KEY, start_sandbox};

/// Runs the binary with a clean environment (no Nango settings of the machine leak in).
async fn patchbay(args: Vec<String>) -> Output {
    let data = std::env::temp_dir().join(format!("patchbay-cli-{}", uuid::Uuid::new_v4().simple()));
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_patchbay"))
            .args(&args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PATCHBAY_DATA_DIR", &data)
            .env("RUST_LOG", "error")
            .current_dir(std::env::temp_dir())
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap()
}

fn args(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| (*p).to_owned()).collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn import_list_and_send_through_a_standalone_sandbox() {
    let base = start_sandbox().await;
    let imported = patchbay(args(&[
        "nango",
        "import",
        "--provider-config-key",
        "whatsapp-business",
        "--connection-id",
        "cli-wa",
        "--api-key",
        "EAAG-cli",
        "--base",
        &base,
        "--key",
        SANDBOX_KEY,
    ]))
    .await;
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert!(text(&imported.stdout).contains("imported connection cli-wa for whatsapp-business"));

    let listed = patchbay(args(&[
        "nango",
        "connections",
        "--base",
        &base,
        "--key",
        SANDBOX_KEY,
    ]))
    .await;
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let stdout = text(&listed.stdout);
    assert!(stdout.starts_with("CONNECTION ID"), "{stdout}");
    assert!(
        stdout.contains("cli-wa") && stdout.contains("whatsapp-business"),
        "{stdout}"
    );

    let sent = patchbay(args(&[
        "whatsapp",
        "test",
        "--provider-config-key",
        "whatsapp-business",
        "--connection-id",
        "cli-wa",
        "--phone-number-id",
        "106540352242922",
        "--to",
        "+14155550100",
        "--body",
        "Hello from the CLI",
        "--nango-base",
        &base,
        "--nango-key",
        SANDBOX_KEY,
    ]))
    .await;
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    assert!(
        text(&sent.stdout).starts_with("sent: message wamid.sandbox.106540352242922"),
        "{}",
        text(&sent.stdout)
    );
}

#[tokio::test]
async fn failures_are_one_line_and_a_non_zero_exit() {
    let base = start_sandbox().await;
    let wrong_key = patchbay(args(&[
        "nango",
        "connections",
        "--base",
        &base,
        "--key",
        "00000000-0000-4000-8000-000000000000",
    ]))
    .await;
    assert!(!wrong_key.status.success());
    let stderr = text(&wrong_key.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("patchbay: cannot list connections"),
        "{stderr}"
    );

    let bad_phone = patchbay(args(&[
        "whatsapp",
        "test",
        "--provider-config-key",
        "whatsapp-business",
        "--connection-id",
        "x",
        "--phone-number-id",
        "1",
        "--to",
        "call me",
        "--body",
        "hi",
        "--nango-base",
        &base,
        "--nango-key",
        SANDBOX_KEY,
    ]))
    .await;
    assert!(!bad_phone.status.success());
    assert!(
        text(&bad_phone.stderr).contains("--to must be a phone number"),
        "{}",
        text(&bad_phone.stderr)
    );

    let unknown = patchbay(args(&[
        "whatsapp",
        "test",
        "--provider-config-key",
        "whatsapp-business",
        "--connection-id",
        "nobody",
        "--phone-number-id",
        "1",
        "--to",
        "+14155550100",
        "--body",
        "hi",
        "--nango-base",
        &base,
        "--nango-key",
        SANDBOX_KEY,
    ]))
    .await;
    assert!(!unknown.status.success());
    let stderr = text(&unknown.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("Failed to get connection"), "{stderr}");

    let no_server = patchbay(args(&[
        "nango",
        "connections",
        "--base",
        "http://127.0.0.1:9",
        "--key",
        SANDBOX_KEY,
    ]))
    .await;
    assert!(!no_server.status.success());
    assert!(
        text(&no_server.stderr).contains("cannot reach Nango"),
        "{}",
        text(&no_server.stderr)
    );
}
