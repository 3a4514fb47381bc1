//! libteec.so carries the soname of OP-TEE's client library, so client
//! applications linked against either run against either.

fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libteec.so.2");
    println!("cargo:rerun-if-changed=build.rs");
}
