//! Property API test TA in Rust: the commands of tests/tas/c/props
//! (0 string, 1 typed, 2 enumerate) through the SDK, and 9: a Rust panic.
#![forbid(unsafe_code)]

use oxtee_ta_sdk::props::{self, PropSet};
use oxtee_ta_sdk::{
    Identity, MemrefIn, MemrefOut, NoParam, Params, TeeError, TeeResult, TrustedApp, ValueIn,
    ta_main,
};

struct Props;

fn set_of(a: u32) -> PropSet {
    match a {
        0 => PropSet::CurrentTa,
        1 => PropSet::CurrentClient,
        _ => PropSet::Implementation,
    }
}

fn name_of(m: &MemrefIn) -> TeeResult<String> {
    String::from_utf8(m.data().to_vec()).map_err(|_| TeeError::BAD_PARAMETERS)
}

fn typed(set: PropSet, kind: u32, name: &str) -> TeeResult<Vec<u8>> {
    Ok(match kind {
        0 => vec![props::property_bool(set, name)? as u8],
        1 => props::property_u32(set, name)?.to_le_bytes().to_vec(),
        2 => props::property_u64(set, name)?.to_le_bytes().to_vec(),
        3 => props::property_uuid(set, name)?.0.to_vec(),
        4 => {
            let id = props::property_identity(set, name)?;
            let mut v = id.login.to_le_bytes().to_vec();
            v.extend_from_slice(&id.uuid.0);
            v
        }
        _ => props::property_binary(set, name)?,
    })
}

impl TrustedApp for Props {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(Props)
    }

    fn open_session(&mut self, _p: Params<'_, '_>, _c: Identity) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _s: &mut (), command: u32, params: Params<'_, '_>) -> TeeResult {
        match command {
            0 => params.call(|(set, name, out): &mut (ValueIn, MemrefIn, MemrefOut)| {
                let mut text = props::property_string(set_of(set.a), &name_of(name)?)?.into_bytes();
                text.push(0);
                out.write(&text)
            }),
            1 => params.call(|(set, name, out): &mut (ValueIn, MemrefIn, MemrefOut)| {
                out.write(&typed(set_of(set.a), set.b, &name_of(name)?)?)
            }),
            2 => params.call(|(set, _, out): &mut (ValueIn, NoParam, MemrefOut)| {
                let mut text = String::new();
                for p in props::properties(set_of(set.a)) {
                    text.push_str(&format!("{}={}\n", p.name, p.value.to_text()));
                }
                out.write(text.as_bytes())
            }),
            // TA-to-TA from Rust: increment a value through the hello C TA.
            8 => params.call(|(v,): &mut (oxtee_ta_sdk::ValueInOut,)| {
                use oxtee_ta_sdk::ta_session::{CallArg, INFINITE, TaSession, Uuid};
                let hello =
                    Uuid::parse("8aaaf200-2450-11e4-abe2-0002a5d5c51b").ok_or(TeeError::GENERIC)?;
                let s = TaSession::open(hello, INFINITE, &mut []).map_err(|e| e.code)?;
                let mut args = [CallArg::ValueInOut { a: v.a, b: 0 }];
                s.invoke(0, INFINITE, &mut args).map_err(|e| e.code)?;
                if let CallArg::ValueInOut { a, .. } = args[0] {
                    v.a = a;
                }
                Ok(())
            }),
            // TA persistent time through the SDK (as commands 6/7 of the C TAs).
            6 => params.call(|(t,): &mut (oxtee_ta_sdk::ValueOut,)| {
                match oxtee_ta_sdk::ta_persistent_time() {
                    Ok(now) => {
                        (t.a, t.b) = (now.seconds, now.millis);
                        Ok(())
                    }
                    Err((e, now)) => {
                        (t.a, t.b) = (now.seconds, now.millis);
                        Err(e)
                    }
                }
            }),
            7 => params.call(|(t,): &mut (oxtee_ta_sdk::ValueIn,)| {
                oxtee_ta_sdk::set_ta_persistent_time(oxtee_ta_sdk::TeeTime {
                    seconds: t.a,
                    millis: t.b,
                })
            }),
            // A Rust panic in TA code ends the instance like TEE_Panic.
            9 => panic!("deliberate panic for the tests"),
            _ => Err(TeeError::NOT_SUPPORTED),
        }
    }
}

ta_main!(Props);
