//! `true`: does nothing and exits 0 (a minimal child for the spawn tests).

fn main() {}
