//! Tests of poll_oneoff, the clocks and the wasi_unstable compatibility module.
