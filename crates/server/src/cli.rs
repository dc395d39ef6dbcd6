//! Command line: `serve`, `migrate`, `seed --demo`, `openapi`, and `parse` (the indexing
//! worker's child process, which runs without the async runtime).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::{Application, config::Config, db::Db, routes::openapi_document, seed, store::Store};

#[derive(Debug, Parser)]
#[command(
    name = "ejento-server",
    version,
    about = "Ejento-compatible agent platform: API server and dashboard host"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (migrates the database first).
    Serve {
        #[command(flatten)]
        config: Config,
        /// Also create the demo organization and accounts if they are missing.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        config: Config,
    },
    /// Fill the database with demo data.
    Seed {
        #[command(flatten)]
        config: Config,
        /// The demo organization (required: it is the only seed so far).
        #[arg(long)]
        demo: bool,
        /// Also write this many answered questions over the last 90 days (analytics history).
        #[arg(long, default_value_t = 0)]
        responses: u64,
    },
    /// Print the OpenAPI 3.1 document of every implemented route.
    Openapi,
    /// Parse and chunk one document from standard input (what the indexing worker runs in a
    /// child process; not for people).
    #[command(hide = true)]
    Parse(crate::indexing::sandbox::ParseArgs),
    /// Analytics maintenance.
    Analytics {
        #[command(subcommand)]
        action: AnalyticsAction,
    },
}

#[derive(Debug, Subcommand)]
enum AnalyticsAction {
    /// Recompute the rollups from the raw responses and votes, and report any difference.
    Rebuild {
        #[command(flatten)]
        config: Config,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Parse(args) = cli.command {
        return crate::indexing::sandbox::child_main(args);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run_command(cli))
}

async fn run_command(cli: Cli) -> ExitCode {
    if !matches!(cli.command, Command::Openapi) {
        tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
            .init();
    }
    match execute(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve { config, demo } => {
            let app = Application::build(config).await?;
            if demo {
                seed::seed_demo(&app.state().store, &app.state().objects).await?;
                seed::ensure_demo_history(&app.state().store, seed::DEMO_HISTORY).await?;
                let names = app.state().chat.deployment_names();
                app.state().store.sync_deployments(&names).await?;
            }
            let url = format!("http://{}:{}", app.state().config.bind.ip(), app.port());
            println!("Ejento is running at {url}");
            if demo {
                seed::print_demo_logins();
            }
            app.run_until_stopped().await
        }
        Command::Migrate { config } => {
            Db::connect(&config.database_url).await?.migrate().await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::Seed {
            config,
            demo,
            responses,
        } => {
            anyhow::ensure!(demo, "say --demo: the demo organization is the only seed");
            let db = Db::connect(&config.database_url).await?;
            db.migrate().await?;
            let store = Store::new(db);
            let objects = crate::objects::Objects::open(&config.object_store)?;
            let created = seed::seed_demo(&store, &objects).await?;
            println!("Demo data ready ({created} accounts created).");
            if responses > 0 {
                let org = seed::demo_organization(&store).await?;
                let started = std::time::Instant::now();
                let written = seed::history::generate(&store, org, responses, 2026).await?;
                println!(
                    "Wrote {written} answered questions of history in {:.1} s.",
                    started.elapsed().as_secs_f64()
                );
            }
            seed::print_demo_logins();
            Ok(())
        }
        Command::Analytics {
            action: AnalyticsAction::Rebuild { config },
        } => {
            let db = Db::connect(&config.database_url).await?;
            db.migrate().await?;
            let report = Store::new(db).rebuild_usage_rollups().await?;
            println!(
                "Rebuilt analytics from {} responses into {} rollup rows.",
                report.responses, report.rows
            );
            if report.differences.is_empty() {
                println!("The stored rollups matched the raw data.");
            } else {
                println!(
                    "{} rollup rows differed from the raw data (now corrected):",
                    report.differences.len()
                );
                for d in report.differences.iter().take(50) {
                    println!("  {d}");
                }
            }
            Ok(())
        }
        Command::Parse(_) => unreachable!("parse runs without the runtime, in `run`"),
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&openapi_document())?);
            Ok(())
        }
    }
}
