//! libFuzzer entry for the `fd_actions` target of the `fuzzing` crate (`proc_spawn2`'s file
//! actions decoded from guest memory).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::fd_actions(data));
