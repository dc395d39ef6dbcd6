//! What every parser target does with an input: what the parse child does with a document.

use ejento_parse::{Limits, chunk, extract};

/// Smaller than the server's defaults, so that libFuzzer's memory limit (1 GB) is never the
/// first to notice a file that expands: the budgets must.
pub const LIMITS: Limits = Limits {
    max_inflated: 64 << 20,
    max_text: 8 << 20,
};

/// Parses and chunks `data` as `format`. A panic is no finding: the parse child turns one into
/// a reason for the document (`catch_unwind`), as a budget is. The findings are what the child
/// cannot survive or must not do: an abort, a stack overflow, memory past libFuzzer's limit
/// (budgets that leak), a timeout (work that grows faster than the input).
pub fn parse(format: &str, data: &[u8]) {
    let _ = std::panic::catch_unwind(|| {
        if let Ok(segments) = extract(format, data, LIMITS) {
            let _ = chunk::split(&segments, 1);
        }
    });
}

/// libFuzzer's panic hook aborts (a finding); the parser targets put back a silent one.
pub fn panics_are_reasons() {
    std::panic::set_hook(Box::new(|_| {}));
}
