fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg=-T{dir}/link.ld");
    println!("cargo:rerun-if-changed={dir}/link.ld");
    // The secure kernel's flat image, embedded in the monitor's flash.
    println!("cargo:rerun-if-env-changed=OXTEE_TZ_KERNEL");
    if let Ok(k) = std::env::var("OXTEE_TZ_KERNEL") {
        println!("cargo:rerun-if-changed={k}");
    }
}
