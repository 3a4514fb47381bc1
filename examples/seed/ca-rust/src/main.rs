//! The client of the seed notes (question 17:36), corrected and in Rust:
//! allocate shared memory, put 5 in its first int, pass two partial
//! memory references, read 10 back from the second int.
//! Usage: seed-ca-rust [TA-UUID]   (the secure world from $OXTEE_SOCKET)

use oxtee_client::{Context, Login, Param, TEEC_MEM_INPUT, TEEC_MEM_OUTPUT, Uuid};
use oxtee_proto::Dir;
use std::process::ExitCode;

const INT: usize = std::mem::size_of::<i32>();

fn main() -> ExitCode {
    let uuid = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "12345678-1234-1234-1234-567890abcdf0".into());
    let Some(uuid) = Uuid::parse(&uuid) else {
        eprintln!("bad UUID {uuid}");
        return ExitCode::FAILURE;
    };
    match run(uuid) {
        Ok((i, o)) => {
            println!("Input: {i}, Output: {o}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("seed-ca-rust: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(uuid: Uuid) -> Result<(i32, i32), oxtee_client::Error> {
    let ctx = Context::new(None)?;
    let (session, _) = ctx.open_session(uuid, Login::Public, &mut [])?;
    let shm = ctx.allocate_shared_memory(2 * INT, TEEC_MEM_INPUT | TEEC_MEM_OUTPUT)?;
    let input = 5i32;
    shm.write(0, &input.to_ne_bytes());
    let mut params = [
        Param::Shm {
            mem: &shm,
            dir: Dir::In,
            offset: 0,
            size: INT,
        },
        Param::Shm {
            mem: &shm,
            dir: Dir::Out,
            offset: INT,
            size: INT,
        },
    ];
    session.invoke(0, &mut params)?;
    let mut out = [0u8; INT];
    shm.read(INT, &mut out);
    Ok((input, i32::from_ne_bytes(out)))
}
