//! `ejento-server`: thin entry point; everything lives in the library so tests can start it.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    ejento_server::cli::run().await
}
