//! `idle`: the smallest useful process — says `r` on stdout, closes it, then blocks reading
//! stdin until end-of-file (or a signal ends it). Linked with a 16 KiB stack (see
//! `userland/build.rs`) and allocating nothing, so its whole linear memory is one page:
//! the benchmarks use it to count how many sleeping processes the kernel holds and what
//! each costs it.

use userland::wasix_sys as sys;

fn main() {
    userland::inherit_cwd();
    let _ = sys::write_all(1, b"r");
    // Drop our end of the readiness pipe: the parent reads until every child closed it.
    let _ = sys::close(1);
    let mut buf = [0u8; 16];
    while let Ok(n) = sys::read(0, &mut buf) {
        if n == 0 {
            break;
        }
    }
}
