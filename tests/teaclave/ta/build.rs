// SPDX-License-Identifier: Apache-2.0
use optee_utee_build::{Error, TaConfig};

fn main() -> Result<(), Error> {
    // The UUID the Makefile signs with, from one file.
    println!("cargo:rerun-if-changed=../uuid.txt");
    let uuid = include_str!("../uuid.txt").trim();
    let config = TaConfig::new_default_with_cargo_env(uuid)?.ta_data_size(256 * 1024);
    optee_utee_build::build(config)
}
