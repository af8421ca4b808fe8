//! Passes the linker script that gives wasmi's instruction handlers a section of their
//! own (see `link.ld`) when the kernel binary is linked.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rustc-link-arg-bins=-T{dir}/link.ld");
    println!("cargo:rerun-if-changed=link.ld");
}
