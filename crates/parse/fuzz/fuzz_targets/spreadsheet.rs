#![no_main]

libfuzzer_sys::fuzz_target!(init: ejento_parse_fuzz::panics_are_reasons(), |data: &[u8]| {
    ejento_parse_fuzz::parse("xlsx", data);
});
