//! Words shown to people, the same on the server (event messages) and in the dashboard.

/// "1 chunk", "3 chunks", "0 chunks".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_number_plural() {
        assert_eq!(count(1, "chunk", "chunks"), "1 chunk");
        assert_eq!(count(0, "chunk", "chunks"), "0 chunks");
        assert_eq!(count(12, "checkpoint", "checkpoints"), "12 checkpoints");
    }
}
