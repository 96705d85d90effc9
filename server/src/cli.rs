//! The `patchbay` command line: `serve` (the default), `migrate`, `sandbox`, and the operator
//! commands `nango import`, `nango connections` and `whatsapp test`. Flags override the
//! environment; every failure is one line on stderr and a non-zero exit.

use clap::{Args, Parser, Subcommand};
use patchbay::{
    nango::{
        NangoClient, NangoClientConfig,
        types::{ConnectionFilter, Credentials, ImportConnection},
    },
    unified::{
        messaging::{self, WhatsappBases, WhatsappMessage},
        target::Target,
    },
};
use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};

use crate::{
    config::{Config, NangoTarget},
    state::SANDBOX_MOUNT,
};

#[derive(Parser)]
#[command(
    name = "patchbay",
    version,
    about = "Patchbay, the self-hostable integrations hub"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the web app (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Run the built-in Nango sandbox on its own (for the Nango SDKs, the CLI and tests).
    Sandbox {
        /// Port to listen on (127.0.0.1).
        #[arg(long, default_value_t = 3003)]
        port: u16,
        /// Where to send its signed webhooks.
        #[arg(long)]
        webhook_url: Option<String>,
    },
    /// Talk to Nango directly.
    #[command(subcommand)]
    Nango(NangoCommand),
    /// WhatsApp Business through Nango.
    #[command(subcommand)]
    Whatsapp(WhatsappCommand),
}

/// Where Nango is; each flag overrides the environment (`NANGO_API_BASE`, `NANGO_SECRET_KEY`).
#[derive(Args, Clone, Default)]
pub struct NangoFlags {
    /// Nango's API base URL (default: the environment's, or this Patchbay's built-in sandbox).
    #[arg(long)]
    pub base: Option<String>,
    /// The Nango secret key (default: the environment's).
    #[arg(long)]
    pub key: Option<String>,
}

#[derive(Subcommand)]
pub enum NangoCommand {
    /// Import an API-key connection into Nango (`POST /connections`).
    Import {
        #[arg(long)]
        provider_config_key: String,
        #[arg(long)]
        connection_id: String,
        /// The provider API key to store in Nango.
        #[arg(long)]
        api_key: String,
        #[command(flatten)]
        nango: NangoFlags,
    },
    /// List Nango's connections (`GET /connections`).
    Connections {
        #[command(flatten)]
        nango: NangoFlags,
    },
}

#[derive(Subcommand)]
pub enum WhatsappCommand {
    /// Send a text message through a WhatsApp Business connection.
    Test {
        #[arg(long)]
        provider_config_key: String,
        #[arg(long)]
        connection_id: String,
        #[arg(long)]
        phone_number_id: String,
        /// The recipient, in international form (+14155550100).
        #[arg(long)]
        to: String,
        #[arg(long)]
        body: String,
        /// Nango's API base URL (overrides the environment).
        #[arg(long)]
        nango_base: Option<String>,
        /// The Nango secret key (overrides the environment).
        #[arg(long)]
        nango_key: Option<String>,
    },
}

/// The Nango client the flags and the environment describe.
fn nango_client(config: &Config, flags: NangoFlags) -> Result<NangoClient, String> {
    let (env_base, env_key) = match &config.nango.target {
        NangoTarget::Remote {
            api_base,
            secret_key,
            ..
        } => (
            api_base.as_str().trim_end_matches('/').to_owned(),
            secret_key.expose_secret().to_owned(),
        ),
        NangoTarget::Sandbox { secret_key } => (
            format!("{}{SANDBOX_MOUNT}", config.loopback_url()),
            secret_key.expose_secret().to_owned(),
        ),
    };
    let base = flags.base.unwrap_or(env_base);
    if url::Url::parse(&base).map_or(true, |u| !matches!(u.scheme(), "http" | "https")) {
        return Err(format!("--base {base:?} is not an http(s) URL"));
    }
    let key = flags.key.unwrap_or(env_key);
    NangoClient::new(NangoClientConfig::new(base, key)).map_err(|e| e.to_string())
}

pub async fn nango(config: &Config, command: NangoCommand) -> Result<(), String> {
    match command {
        NangoCommand::Import {
            provider_config_key,
            connection_id,
            api_key,
            nango,
        } => {
            let client = nango_client(config, nango)?;
            let request = ImportConnection {
                provider_config_key,
                connection_id: Some(connection_id),
                metadata: None,
                connection_config: None,
                end_user: None,
                tags: Default::default(),
                credentials: Credentials(json!({ "type": "API_KEY", "apiKey": api_key })),
            };
            let connection = client
                .import_connection(&request)
                .await
                .map_err(|e| format!("import failed: {e}"))?;
            println!(
                "imported connection {} for {} ({})",
                connection.connection_id, connection.provider_config_key, connection.provider
            );
            Ok(())
        }
        NangoCommand::Connections { nango } => {
            let client = nango_client(config, nango)?;
            let connections = client
                .list_connections(&ConnectionFilter::default())
                .await
                .map_err(|e| format!("cannot list connections: {e}"))?;
            if connections.is_empty() {
                println!("no connections");
                return Ok(());
            }
            println!(
                "{:<38} {:<24} {:<20} CREATED",
                "CONNECTION ID", "INTEGRATION", "PROVIDER"
            );
            for c in connections {
                println!(
                    "{:<38} {:<24} {:<20} {}{}",
                    c.connection_id,
                    c.provider_config_key,
                    c.provider,
                    c.created.as_deref().unwrap_or("-"),
                    if c.errors.is_empty() {
                        ""
                    } else {
                        "  (needs attention)"
                    }
                );
            }
            Ok(())
        }
    }
}

/// Renames the unified API's field names to the flags the person typed.
fn flag_names(message: &str) -> String {
    message
        .replace("data.phoneNumberId", "--phone-number-id")
        .replace("data.to", "--to")
        .replace("data.body", "--body")
}

pub async fn whatsapp(config: &Config, command: WhatsappCommand) -> Result<(), String> {
    let WhatsappCommand::Test {
        provider_config_key,
        connection_id,
        phone_number_id,
        to,
        body,
        nango_base,
        nango_key,
    } = command;
    let mut data = Map::new();
    data.insert("phoneNumberId".to_owned(), Value::String(phone_number_id));
    data.insert("to".to_owned(), Value::String(to));
    data.insert("body".to_owned(), Value::String(body));
    let message = WhatsappMessage::from_data(
        &data,
        &WhatsappBases::new(config.whatsapp_base_urls.clone()),
    )
    .map_err(|e| flag_names(&e.to_string()))?;
    let client = nango_client(
        config,
        NangoFlags {
            base: nango_base,
            key: nango_key,
        },
    )?;
    let target = Target {
        provider_config_key,
        connection_id,
        provider: "whatsapp-business".to_owned(),
        display_name: "WhatsApp".to_owned(),
    };
    let receipt = messaging::send_whatsapp(&client, &target, &message)
        .await
        .map_err(|e| format!("the message was not sent: {e}"))?;
    println!(
        "sent: message {} to {} ({})",
        receipt.message_id, receipt.to, receipt.status
    );
    Ok(())
}

/// One line, whatever the error's text held.
pub fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
