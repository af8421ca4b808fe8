//! libFuzzer entry for the `rootfs` target of the `fuzzing` crate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::rootfs(data));
