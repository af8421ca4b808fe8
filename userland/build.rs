//! Link settings per program: `idle` gets a 16 KiB stack instead of the default 1 MiB, so
//! its linear memory stays a page or two (it is spawned by the thousand in benchmarks).

fn main() {
    println!("cargo:rustc-link-arg-bin=idle=-zstack-size=16384");
    println!("cargo:rerun-if-changed=build.rs");
}
