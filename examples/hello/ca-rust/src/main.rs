//! Hello world client: asks the hello TA to increment 42.
//! Usage: hello-ca-rust [TA-UUID]   (the secure world from $OXTEE_SOCKET)

use oxtee_client::{Context, Login, Param, Uuid};
use std::process::ExitCode;

fn main() -> ExitCode {
    let uuid = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "8aaaf200-2450-11e4-abe2-0002a5d5c51c".into());
    let Some(uuid) = Uuid::parse(&uuid) else {
        eprintln!("bad UUID {uuid}");
        return ExitCode::FAILURE;
    };
    match run(uuid) {
        Ok(v) => {
            println!("TA incremented value to {v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hello-ca-rust: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(uuid: Uuid) -> Result<u32, oxtee_client::Error> {
    let ctx = Context::new(None)?;
    let (session, _) = ctx.open_session(uuid, Login::Public, &mut [])?;
    println!("Invoking TA to increment 42");
    let mut params = [Param::ValueInOut { a: 42, b: 0 }];
    session.invoke(0, &mut params)?;
    let Param::ValueInOut { a, .. } = params[0] else {
        unreachable!("the parameter keeps its kind")
    };
    Ok(a)
}
