//! `ejento-server`: thin entry point; everything lives in the library so tests can start it.

/// jemalloc instead of glibc's malloc, for Rust and (unprefixed) for SQLite's C code alike.
/// Measured on a page of agents on SQLite, wrk with 64 connections: server CPU per request
/// 649-677 µs with glibc against 429-466 µs (a third of glibc's time went to consolidating
/// and unlinking free chunks), and an idle follower of an answer holds 12 KB instead of 15.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    ejento_server::cli::run()
}
