//! `false`: does nothing and exits 1 (a minimal failing child for spawn tests).

use std::process::ExitCode;

fn main() -> ExitCode {
    userland::inherit_cwd();
    ExitCode::FAILURE
}
