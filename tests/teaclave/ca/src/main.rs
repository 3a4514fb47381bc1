// SPDX-License-Identifier: Apache-2.0
//! A Teaclave-style client: optee-teec's Context, Session and Operation,
//! against oxtee's hello TA (increment a value) and params TA (sum of a
//! temporary memref, a short-buffer answer).

use optee_teec::{Context, ErrorKind, Operation, ParamNone, ParamTmpRef, ParamType, ParamValue, Uuid};

const HELLO: &str = "8aaaf200-2450-11e4-abe2-0002a5d5c51b";
const PARAMS: &str = "69de423a-d673-49d1-a5ac-22b9dae89776";
/// tests/teaclave/ta, a Teaclave-style TA (command 0: value + 100).
const TEACLAVE_TA: &str = "c0ffee00-7eac-4a1e-b0b5-000000000001";

fn main() -> optee_teec::Result<()> {
    let mut ctx = Context::new()?;

    let mut session = ctx.open_session(Uuid::parse_str(HELLO)?)?;
    let p0 = ParamValue::new(29, 0, ParamType::ValueInout);
    let mut op = Operation::new(0, p0, ParamNone, ParamNone, ParamNone);
    session.invoke_command(0, &mut op)?;
    println!("inc value is {}", op.parameters().0.a());

    let mut session = ctx.open_session(Uuid::parse_str(PARAMS)?)?;
    let data = [1u8, 2, 3, 4, 5];
    let p0 = ParamTmpRef::new_input(&data);
    let p1 = ParamValue::new(0, 0, ParamType::ValueOutput);
    let mut op = Operation::new(0, p0, p1, ParamNone, ParamNone);
    session.invoke_command(2, &mut op)?;
    println!("sum is {}", op.parameters().1.a());

    let mut small = [0u8; 10];
    let p0 = ParamTmpRef::new_output(&mut small);
    let mut op = Operation::new(0, p0, ParamNone, ParamNone, ParamNone);
    match session.invoke_command(1, &mut op) {
        Err(e) if e.kind() == ErrorKind::ShortBuffer => {
            println!("short buffer, needs {}", op.parameters().0.updated_size())
        }
        other => panic!("expected a short buffer, got {other:?}"),
    }

    let mut session = ctx.open_session(Uuid::parse_str(TEACLAVE_TA)?)?;
    let p0 = ParamValue::new(29, 0, ParamType::ValueInout);
    let mut op = Operation::new(0, p0, ParamNone, ParamNone, ParamNone);
    session.invoke_command(0, &mut op)?;
    println!("Teaclave TA: {}", op.parameters().0.a());
    Ok(())
}
