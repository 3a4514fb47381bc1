//! Trusted storage test TA in Rust: the commands of tests/tas/c/storage
//! (see its include/storage_ta.h) through the SDK's `storage` module.
#![no_std]
#![cfg_attr(target_os = "none", no_main)]
#![forbid(unsafe_code)]

use oxtee_ta_sdk::crypto::{Mode, Operation, TransientObject, alg, obj};
use oxtee_ta_sdk::prelude::*;
use oxtee_ta_sdk::storage::{Enumerator, PersistentObject, Whence, flags, id as storage};
use oxtee_ta_sdk::{
    Identity, MemrefIn, MemrefOut, NoParam, Params, TeeError, TeeResult, TrustedApp, ValueIn,
    ValueInOut, ValueOut, ta_main,
};

struct StorageTa {
    handles: Vec<Option<PersistentObject>>,
}

impl StorageTa {
    fn put(&mut self, o: PersistentObject) -> u32 {
        match self.handles.iter().position(|h| h.is_none()) {
            Some(i) => {
                self.handles[i] = Some(o);
                i as u32 + 1
            }
            None => {
                self.handles.push(Some(o));
                self.handles.len() as u32
            }
        }
    }

    fn get(&mut self, h: u32) -> &mut PersistentObject {
        match self
            .handles
            .get_mut((h as usize).wrapping_sub(1))
            .and_then(|o| o.as_mut())
        {
            Some(o) => o,
            None => oxtee_ta_sdk::panic(TeeError::BAD_PARAMETERS.0),
        }
    }

    fn take(&mut self, h: u32) -> PersistentObject {
        match self
            .handles
            .get_mut((h as usize).wrapping_sub(1))
            .and_then(|o| o.take())
        {
            Some(o) => o,
            None => oxtee_ta_sdk::panic(TeeError::BAD_PARAMETERS.0),
        }
    }

    /// A corrupt object's handle is closed by the TEE: forget it.
    fn forget_if_corrupt<T>(&mut self, h: u32, r: TeeResult<T>) -> TeeResult<T> {
        if r.as_ref().is_err_and(|e| e.0 == 0xF010_0001) {
            // Dropping it does nothing more: the handle is gone.
            if let Some(o) = self.handles.get_mut(h as usize - 1) {
                drop(o.take());
            }
        }
        r
    }
}

fn make_key(kind: u32) -> TeeResult<TransientObject> {
    let (ty, bits) = match kind {
        1 => (obj::AES, 256),
        4 => (obj::RSA_KEYPAIR, 4096),
        _ => (obj::RSA_KEYPAIR, 1024),
    };
    let mut k = TransientObject::allocate(ty, bits)?;
    k.generate_key(bits);
    Ok(k)
}

fn enumerate(storage_id: u32, mode: u32, out: &mut MemrefOut) -> TeeResult {
    let mut e = Enumerator::new();
    let mut v = Vec::new();
    let mut made = 0u8;
    let mut r = e.start(storage_id);
    while r.is_ok() {
        let (info, id) = match e.next_object() {
            Ok(x) => x,
            Err(err) => {
                r = Err(err);
                break;
            }
        };
        if info.handle_flags & 0x0001_0000 == 0 {
            oxtee_ta_sdk::panic(0);
        }
        v.extend((id.len() as u32).to_le_bytes());
        v.extend_from_slice(&id);
        if mode == 1 {
            r = PersistentObject::open(storage_id, &id, flags::ACCESS_WRITE_META)
                .and_then(|o| o.close_and_delete());
        } else if mode == 2 && made < 3 {
            let name = [b'n', b'e', b'w', b'-', b'0' + made];
            made += 1;
            r = PersistentObject::create(storage_id, &name, 0, None, &[]).map(drop);
        }
    }
    out.write(&v)?;
    match r {
        Err(e) if e.0 != 0xFFFF_0008 => Err(e),
        _ => Ok(()),
    }
}

fn key_use(o: &PersistentObject, out: &mut MemrefOut) -> TeeResult {
    let info = o.info();
    if info.object_type == obj::AES {
        let mut op = Operation::allocate(alg::AES_ECB_NOPAD, Mode::Encrypt, info.object_size)?;
        op.set_persistent_key(o);
        op.cipher_init(&[]);
        let ct = op.cipher_final_vec(&[0u8; 16])?;
        return out.write(&ct);
    }
    let dig = {
        let mut d = [0u8; 32];
        d[0] = 1;
        d
    };
    let mut sig = [0u8; 512];
    let mut s = Operation::allocate(alg::RSASSA_PKCS1_V1_5_SHA256, Mode::Sign, info.object_size)?;
    s.set_persistent_key(o);
    let n = s.asymmetric_sign_digest(&[], &dig, &mut sig)?;
    let mut v = Operation::allocate(
        alg::RSASSA_PKCS1_V1_5_SHA256,
        Mode::Verify,
        info.object_size,
    )?;
    v.set_persistent_key(o);
    v.asymmetric_verify_digest(&[], &dig, &sig[..n])?;
    out.write(&[0; 4])
}

fn panic_case(case: u32) -> TeeResult {
    match case {
        0 => {
            PersistentObject::create(storage::PRIVATE, b"p0", flags::OVERWRITE, None, &[])?;
            let mut o = PersistentObject::open(storage::PRIVATE, b"p0", flags::ACCESS_READ)?;
            let _ = o.write(b"x");
        }
        1 => {
            let o = PersistentObject::create(
                storage::PRIVATE,
                b"p1",
                flags::OVERWRITE | flags::ACCESS_READ,
                None,
                &[],
            )?;
            let _ = o.close_and_delete();
        }
        2 => {
            let _ = PersistentObject::open(storage::PRIVATE, &[0; 65], flags::ACCESS_READ);
        }
        // Safe Rust cannot name an unknown handle; the SDK's panic for a
        // misused handle: a data object as an operation key.
        3 => {
            let o = PersistentObject::create(storage::PRIVATE, b"p3", flags::OVERWRITE, None, &[])?;
            let mut op = Operation::allocate(alg::AES_ECB_NOPAD, Mode::Encrypt, 256)?;
            op.set_persistent_key(&o);
        }
        4 => {
            // A persistent object is not a transient one: copying its
            // (absent) key into a transient object of another type.
            let o = PersistentObject::create(storage::PRIVATE, b"p4", flags::OVERWRITE, None, &[])?;
            let mut t = TransientObject::allocate(obj::AES, 256)?;
            t.copy_attributes_from_persistent(&o);
        }
        _ => return Err(TeeError::BAD_PARAMETERS),
    }
    Ok(())
}

fn big(storage_id: u32, mib: u32) -> TeeResult {
    let mut o = PersistentObject::create(
        storage_id,
        b"big",
        flags::ACCESS_READ | flags::ACCESS_WRITE | flags::ACCESS_WRITE_META | flags::OVERWRITE,
        None,
        &[],
    )?;
    let mut buf = vec![0u8; 1 << 20];
    for i in 0..mib {
        buf.fill((i * 7 + 1) as u8);
        o.write(&buf)?;
    }
    o.seek(0, Whence::Set)?;
    let mut back = vec![0u8; 1 << 20];
    for i in 0..mib {
        buf.fill((i * 7 + 1) as u8);
        let n = o.read(&mut back)?;
        if n != back.len() || back != buf {
            return Err(TeeError::GENERIC);
        }
    }
    o.close_and_delete()
}

impl TrustedApp for StorageTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(StorageTa {
            handles: Vec::new(),
        })
    }

    fn open_session(&mut self, _p: Params<'_, '_>, _c: Identity) -> TeeResult {
        Ok(())
    }

    fn invoke(&mut self, _s: &mut (), command: u32, params: Params<'_, '_>) -> TeeResult {
        match command {
            0 => params.call(|(a, id, out): &mut (ValueIn, MemrefIn, ValueOut)| {
                let o = PersistentObject::open(a.a, id.data(), a.b)?;
                out.a = self.put(o);
                Ok(())
            }),
            1 => params.call(
                |(a, id, data, k): &mut (ValueIn, MemrefIn, MemrefIn, ValueInOut)| {
                    let r = match k.a {
                        1 | 2 | 4 => {
                            let key = make_key(k.a)?;
                            PersistentObject::create(a.a, id.data(), a.b, Some(&key), data.data())
                        }
                        3 => {
                            // The template goes back into its slot.
                            let t = self.take(k.b);
                            let r =
                                PersistentObject::create_like(a.a, id.data(), a.b, &t, data.data());
                            let slot = self.put(t);
                            debug_assert_eq!(slot, k.b);
                            r
                        }
                        _ => PersistentObject::create(a.a, id.data(), a.b, None, data.data()),
                    };
                    let keep = k.a == 3 || k.b != 0;
                    k.a = 0;
                    let o = r?;
                    if keep {
                        k.a = self.put(o);
                    }
                    Ok(())
                },
            ),
            2 => params.call(|(a,): &mut (ValueIn,)| {
                drop(self.take(a.a));
                Ok(())
            }),
            3 => params.call(|(a,): &mut (ValueIn,)| self.take(a.a).close_and_delete()),
            4 => params.call(|(a, id): &mut (ValueIn, MemrefIn)| {
                let r = self.get(a.a).rename(id.data());
                self.forget_if_corrupt(a.a, r)
            }),
            5 => params.call(|(a, out): &mut (ValueIn, MemrefOut)| {
                let mut b = vec![0u8; out.capacity()];
                let r = self.get(a.a).read(&mut b);
                let n = self.forget_if_corrupt(a.a, r)?;
                out.write(&b[..n])
            }),
            6 => params.call(|(a, data): &mut (ValueIn, MemrefIn)| {
                let r = self.get(a.a).write(data.data());
                self.forget_if_corrupt(a.a, r)
            }),
            7 => params.call(|(a,): &mut (ValueIn,)| {
                let r = self.get(a.a).truncate(a.b);
                self.forget_if_corrupt(a.a, r)
            }),
            8 => params.call(|(a, off, pos): &mut (ValueIn, ValueIn, ValueOut)| {
                let offset = ((off.b as u64) << 32 | off.a as u64) as i64;
                let whence = match a.b {
                    0 => Whence::Set,
                    1 => Whence::Cur,
                    2 => Whence::End,
                    _ => return Err(TeeError::BAD_PARAMETERS),
                };
                let o = self.get(a.a);
                let r = o.seek(offset, whence);
                pos.a = o.info().data_position;
                r.map(drop)
            }),
            9 => params.call(|(a, out): &mut (ValueIn, MemrefOut)| {
                let i = self.get(a.a).info();
                let w = [
                    i.object_type,
                    i.object_size,
                    i.max_object_size,
                    i.usage,
                    i.data_size,
                    i.data_position,
                    i.handle_flags,
                ];
                let b: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
                out.write(&b)
            }),
            10 => params.call(|(a, out): &mut (ValueIn, MemrefOut)| enumerate(a.a, a.b, out)),
            11 => params.call(|(a, out): &mut (ValueIn, MemrefOut)| {
                let o = self.get(a.a);
                key_use(o, out)
            }),
            12 => params
                .call(|(a, _, _, _): &mut (ValueIn, NoParam, NoParam, NoParam)| panic_case(a.a)),
            13 => params.call(|(a,): &mut (ValueIn,)| {
                self.get(a.a).restrict_usage(a.b);
                Ok(())
            }),
            14 => {
                params.call(|(a, _, _, _): &mut (ValueIn, NoParam, NoParam, NoParam)| big(a.a, a.b))
            }
            _ => Err(TeeError::NOT_SUPPORTED),
        }
    }
}

ta_main!(StorageTa);
