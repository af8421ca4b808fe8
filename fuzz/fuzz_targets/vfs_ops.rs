//! libFuzzer entry for the `vfs_ops` target of the `fuzzing` crate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::vfs_ops(data));
