// SPDX-License-Identifier: Apache-2.0
use optee_utee_build::{Error, TaConfig};

fn main() -> Result<(), Error> {
    let config = TaConfig::new_default_with_cargo_env("c0ffee00-7eac-4a1e-b0b5-000000000001")?;
    optee_utee_build::build(config)
}
