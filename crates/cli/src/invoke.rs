//! `oxtee invoke`: a generic client.

use oxtee_client::{Context, Login, Param, Uuid};

fn num(s: &str) -> Result<u32, String> {
    let r = if let Some(h) = s.strip_prefix("0x") {
        u32::from_str_radix(h, 16)
    } else {
        s.parse()
    };
    r.map_err(|_| format!("not a number: {s}"))
}

fn pair(s: &str) -> Result<(u32, u32), String> {
    let (a, b) = s.split_once(',').unwrap_or((s, "0"));
    Ok((num(a)?, num(b)?))
}

fn login(s: &str) -> Result<Login, String> {
    let (m, g) = s.split_once(':').map_or((s, None), |(m, g)| (m, Some(g)));
    let gid = || g.ok_or_else(|| format!("{m} needs :GID")).and_then(num);
    Ok(match m {
        "public" => Login::Public,
        "user" => Login::User,
        "group" => Login::Group(gid()?),
        "application" => Login::Application,
        "user-application" => Login::UserApplication,
        "group-application" => Login::GroupApplication(gid()?),
        _ => return Err(format!("unknown login {s}")),
    })
}

enum Spec {
    None,
    ValueIn(u32, u32),
    ValueOut,
    ValueInOut(u32, u32),
    MemIn(Vec<u8>),
    MemOut(usize),
    MemInOut(Vec<u8>),
}

fn parse(args: &[String]) -> Result<Vec<Spec>, String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{a} needs a value"));
        let read = |p: &String| std::fs::read(p).map_err(|e| format!("{p}: {e}"));
        out.push(match a.as_str() {
            "--none" => Spec::None,
            "--value-in" => {
                let (x, y) = pair(val()?)?;
                Spec::ValueIn(x, y)
            }
            "--value-out" => Spec::ValueOut,
            "--value-inout" => {
                let (x, y) = pair(val()?)?;
                Spec::ValueInOut(x, y)
            }
            "--memref-in" => Spec::MemIn(read(val()?)?),
            "--memref-out" => Spec::MemOut(num(val()?)? as usize),
            "--memref-inout" => Spec::MemInOut(read(val()?)?),
            other => return Err(format!("unknown parameter {other}")),
        });
    }
    if out.len() > 4 {
        return Err("at most four parameters".into());
    }
    Ok(out)
}

fn hex(b: &[u8]) -> String {
    let shown: String = b.iter().take(64).map(|x| format!("{x:02x}")).collect();
    if b.len() > 64 {
        format!("{shown}... ({} bytes)", b.len())
    } else {
        shown
    }
}

pub fn run(
    uuid: &str,
    command: &str,
    login_s: &str,
    socket: Option<&str>,
    args: &[String],
) -> Result<(), String> {
    let uuid = Uuid::parse(uuid).ok_or_else(|| format!("bad UUID {uuid}"))?;
    let command = num(command)?;
    let login = login(login_s)?;
    let mut specs = parse(args)?;
    let ctx = Context::new(socket).map_err(|e| format!("cannot reach the secure world: {e}"))?;
    let (session, _) = ctx
        .open_session(uuid, login, &mut [])
        .map_err(|e| format!("open session: {}", describe(&e)))?;
    let mut params: Vec<Param<'_>> = specs
        .iter_mut()
        .map(|s| match s {
            Spec::None => Param::None,
            Spec::ValueIn(a, b) => Param::ValueIn { a: *a, b: *b },
            Spec::ValueOut => Param::ValueOut { a: 0, b: 0 },
            Spec::ValueInOut(a, b) => Param::ValueInOut { a: *a, b: *b },
            Spec::MemIn(v) => Param::TempIn { buf: v },
            Spec::MemOut(n) => {
                let n = *n;
                *s = Spec::MemInOut(vec![0; n]);
                match s {
                    Spec::MemInOut(v) => Param::TempOut { size: n, buf: v },
                    _ => unreachable!("just set"),
                }
            }
            Spec::MemInOut(v) => Param::TempInOut {
                size: v.len(),
                buf: v,
            },
        })
        .collect();
    let r = session.invoke(command, &mut params);
    match r {
        Ok(origin) => println!("result: SUCCESS (origin {origin})"),
        Err(e) => println!("result: {}", describe(&e)),
    }
    for (i, p) in params.iter().enumerate() {
        match p {
            Param::ValueOut { a, b } | Param::ValueInOut { a, b } => {
                println!("param {i}: value a={a} (0x{a:x}) b={b} (0x{b:x})")
            }
            Param::TempOut { buf, size } | Param::TempInOut { buf, size } => {
                println!(
                    "param {i}: memref size {size}: {}",
                    hex(&buf[..(*size).min(buf.len())])
                )
            }
            _ => {}
        }
    }
    drop(session);
    ctx.finalize();
    r.map(|_| ()).map_err(|e| format!("command failed: {e}"))
}

/// A result as a person reads it: its GP name, code and origin.
fn describe(e: &oxtee_client::Error) -> String {
    use oxtee_core::codes::{origin_name, result_name};
    format!(
        "TEEC_ERROR_{} (0x{:08x}, origin {} {})",
        result_name(e.code),
        e.code,
        e.origin,
        origin_name(e.origin)
    )
}
