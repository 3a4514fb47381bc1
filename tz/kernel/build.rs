fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg=-T{dir}/link.ld");
    println!("cargo:rerun-if-changed={dir}/link.ld");
    println!("cargo:rerun-if-env-changed=OXTEE_TZ_HUK");
    println!("cargo:rerun-if-env-changed=OXTEE_TA_KEY");
}
