//! `oxtee status`: what the running secure world holds (its memory
//! budget, TA instances, sessions, uptime), and `--budget` to resize its
//! memory while it runs, through oxtee's status PTA (the host tier's core
//! or the TrustZone tier's kernel, over Linux's driver: there as root).

use oxtee_client::{Context, Login, Param, Uuid};
use oxtee_daemon::pta::StatusPta;

pub fn run(budget: Option<u64>, socket: Option<&str>) -> Result<(), String> {
    let ctx = Context::new(socket).map_err(|e| format!("cannot reach the secure world: {e}"))?;
    let (s, _) = ctx
        .open_session(Uuid(StatusPta::UUID), Login::User, &mut [])
        .map_err(|e| match e.code {
            0xFFFF_0001 => "only the core's user or root sees the secure world's status".to_owned(),
            _ => format!("cannot open the status PTA: {e}"),
        })?;
    let status = || -> Result<String, String> {
        crate::ta_mgmt::read_out(&s, StatusPta::STATUS)
            .map(|out| String::from_utf8_lossy(&out).into_owned())
            .map_err(|e| format!("cannot read the status: {e}"))
    };
    if let Some(bytes) = budget {
        let mut p = [Param::ValueIn {
            a: bytes as u32,
            b: (bytes >> 32) as u32,
        }];
        if let Err(e) = s.invoke(StatusPta::SET_BUDGET, &mut p) {
            let now = status()?;
            let used = now
                .lines()
                .find_map(|l| l.strip_prefix("secure_memory "))
                .and_then(|l| l.split(" used ").nth(1))
                .unwrap_or("?")
                .to_owned();
            return Err(match e.code {
                0xFFFF_0007 => {
                    format!("secure memory not resized to {bytes} bytes: {used} bytes are in use")
                }
                0xFFFF_000A => {
                    "this secure world's memory is the firmware's to size (the TrustZone tier): not resized".to_owned()
                }
                _ => format!("cannot resize the secure memory: {e}"),
            });
        }
        println!("secure memory resized to {bytes} bytes");
    }
    print!("{}", status()?);
    Ok(())
}
