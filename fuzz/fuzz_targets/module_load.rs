//! libFuzzer entry for the `module_load` target of the `fuzzing` crate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::module_load(data));
