//! libFuzzer entry for the `spawn_args` target of the `fuzzing` crate (argument lists,
//! program names and directories of `proc_spawn*`/`proc_exec*` decoded from guest memory).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::spawn_args(data));
