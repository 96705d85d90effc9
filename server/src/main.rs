//! The `patchbay` binary: `serve` (the default) runs the web app; `migrate` applies the
//! database migrations and exits.

use std::{net::SocketAddr, process::ExitCode};

use clap::Parser;
use leptos::config::get_configuration;
use patchbay::catalog::Catalog;
use patchbay_server::{
    AppState, Config,
    cli::{self, Cli, Command},
    router,
};
use secrecy::ExposeSecret;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal; a malformed one is worth a line.
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("patchbay: .env could not be read: {err}");
        return ExitCode::from(2);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("patchbay: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => migrate(&config).await,
        Command::Sandbox { port, webhook_url } => sandbox(config, port, webhook_url).await,
        Command::Nango(command) => cli::nango(&config, command).await,
        Command::Whatsapp(command) => cli::whatsapp(&config, command).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("patchbay: {}", cli::one_line(&message));
            ExitCode::FAILURE
        }
    }
}

async fn migrate(config: &Config) -> Result<(), String> {
    patchbay::Db::connect(&config.database_url)
        .await
        .map_err(|e| format!("cannot migrate the database: {e}"))?;
    println!("migrations applied");
    Ok(())
}

async fn sandbox(config: Config, port: u16, webhook_url: Option<String>) -> Result<(), String> {
    let patchbay_server::config::NangoTarget::Sandbox { secret_key } = &config.nango.target else {
        return Err(
            "a Nango secret key is configured; the sandbox runs only without one".to_owned(),
        );
    };
    let catalog = Catalog::builtin().map_err(|e| e.to_string())?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    println!(
        "Nango sandbox on http://{addr} (key: NANGO_SANDBOX_KEY or {}/nango-sandbox-key)",
        config.data_dir.display()
    );
    patchbay_server::nango_sandbox::serve_standalone(
        addr,
        patchbay_server::nango_sandbox::SandboxConfig {
            secret_key: secret_key.expose_secret().to_owned(),
            public_url: format!("http://{addr}"),
            webhook_url,
            webhook_signing_key: config.nango.webhook_secret.expose_secret().to_owned(),
            environment: config.nango.environment.clone(),
            integrations: patchbay_server::state::sandbox_integrations(&catalog),
        },
        sandbox_panora_key(&config),
    )
    .await
}

/// The key the standalone sandbox's fake Panora accepts: `PANORA_API_KEY` or the fixed local one.
fn sandbox_panora_key(config: &Config) -> String {
    use patchbay_server::config::{PanoraTarget, SANDBOX_PANORA_KEY};
    match &config.panora {
        PanoraTarget::Remote { api_key, .. } | PanoraTarget::Sandbox { api_key } => {
            api_key.expose_secret().to_owned()
        }
        PanoraTarget::Off => SANDBOX_PANORA_KEY.to_owned(),
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let mut leptos_options = get_configuration(None)
        .map_err(|e| format!("cannot read the Leptos configuration: {e}"))?
        .leptos_options;
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = "patchbay".into();
    }
    leptos_options.site_addr = config.bind;
    let catalog = Catalog::builtin().map_err(|e| e.to_string())?;
    let bind = config.bind;
    let public_url = config.public_url.to_string();
    let sandbox_warning = config
        .nango_sandbox()
        .then(|| patchbay_server::nango_sandbox::exposure_warning(bind, &config.public_url))
        .flatten();
    let state = AppState::build(config, catalog, leptos_options)
        .await
        .map_err(|e| format!("cannot start: {e}"))?;
    if let Some(warning) = sandbox_warning {
        tracing::warn!("{warning}");
    }
    spawn_reconciliation(&state);
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    tracing::info!(%bind, %public_url, "Patchbay is listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("server error: {e}"))
}

/// Reconciles the connections with Nango's list now and then (self-hosted Nango sends no
/// webhooks, and a webhook can be lost).
fn spawn_reconciliation(state: &AppState) {
    let every = state.config.reconcile_every_secs;
    if every == 0 || state.hub.nango.is_none() {
        return;
    }
    let hub = state.hub.clone();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(std::time::Duration::from_secs(every));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick fires at once; give the server (and the sandbox) a moment to listen.
        ticker.tick().await;
        loop {
            ticker.tick().await;
            match patchbay::manage::reconcile(&hub).await {
                Ok(report) if report.picked_up + report.disconnected > 0 => {
                    tracing::info!(
                        picked_up = report.picked_up,
                        disconnected = report.disconnected,
                        "reconciled connections with Nango"
                    );
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %err.report(), "reconciliation with Nango failed; will retry")
                }
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut sig) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            sig.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
