//! libFuzzer entry for the `wasi_call` target of the `fuzzing` crate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::wasi_call(data));
