//! libFuzzer entry for the `lower` target of the `fuzzing` crate (the threads-proposal
//! rewrite of crates/wasmlower).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::lower(data));
