//! `ejento-server`: thin entry point; everything lives in the library so tests can start it.

/// jemalloc instead of glibc's malloc, for Rust and (unprefixed) for SQLite's C code alike.
/// glibc's allocator was a quarter of a page of agents' CPU, mostly consolidating and
/// unlinking free chunks. Paired wrk runs (64 connections): server CPU per page 465 -> 377 µs
/// on SQLite, 394 -> 349 µs on PostgreSQL; an idle follower of an answer holds 12 KB, not 15.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    ejento_server::cli::run()
}
