#![no_main]

// The chunker is ours alone: a panic here is a finding. Checks what `pieces` promises.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (size, overlap) = ejento_parse::chunk::parameters(i64::from(mode % 3) + 1);
    let mut covered = 0;
    for piece in ejento_parse::chunk::pieces(&text, size, overlap) {
        assert!(!piece.is_empty() && piece.chars().count() <= size);
        let at = piece.as_ptr() as usize - text.as_ptr() as usize;
        assert!(at <= covered || text[covered..at].trim().is_empty(), "text left out");
        covered = covered.max(at + piece.len());
    }
    assert!(text[covered..].trim().is_empty(), "the end left out");
});
