//! `ejento-server`: thin entry point; everything lives in the library so tests can start it.

fn main() -> std::process::ExitCode {
    ejento_server::cli::run()
}
