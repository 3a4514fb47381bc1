//! The cryptographic operations and transient objects of user TAs (GP
//! Internal Core API chapters 5 and 6), run by the kernel behind system
//! calls, as OP-TEE runs them: the engine is `oxtee-crypto`, the one the
//! host tier's TA processes link; each instance has its own [`Crypto`]
//! table of operations and key objects, which never leave the kernel.
//!
//! The calls are oxtee's own (numbers [`num`], from 0x1100): one per GP
//! function, so that libutee only maps handles and checks the NULL
//! pointers GP names. The arguments are registers and TA memory:
//!
//! * handles are the table's ids (non-zero, never reused by an
//!   instance; 0 is `TEE_HANDLE_NULL`);
//! * sizes the kernel reads or writes in TA memory are 64-bit (`size_t`);
//! * attributes are an array of GP's `TEE_Attribute` as aarch64 lays it
//!   out (24 bytes: the id, then a buffer pointer and length or the two
//!   values); the id's `TEE_ATTR_FLAG_VALUE` bit says which.
//!
//! A TA is hostile. Every pointer is checked against the TA's own pages
//! (outputs against its writable data) before the kernel copies; a bad
//! pointer, an unknown handle and every misuse GP answers with a panic
//! kill the TA ([`Outcome::Panic`]), as OP-TEE's libutee panics on the
//! codes its kernel returns for them. The kernel's heap is shared, so
//! what a TA can make it hold is bounded: [`MAX_HANDLES`] live handles, a
//! one-shot input (a final, an asymmetric operation, the attributes of a
//! call) of at most [`MAX_ONESHOT`] bytes, copied with a fallible
//! allocation (`TEE_ERROR_OUT_OF_MEMORY`, the TA goes on). Updates that
//! only read (digests, MACs, AAD) are fed to the engine from the TA's
//! pages where they are; those that write are fed in copied pieces of
//! [`CHUNK`] bytes whatever their size, and their output is checked against the room the TA gives before any of
//! it is computed, so a short buffer leaves the operation and the TA's
//! memory (an in-place buffer included) as they were.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use oxtee_crypto::consts::TEE_ATTR_FLAG_VALUE;
use oxtee_crypto::object::{Attr, Object};
use oxtee_crypto::{Class, Error, OpState, Operation};
use oxtee_gp::{
    TEE_ERROR_ACCESS_DENIED, TEE_ERROR_BAD_PARAMETERS, TEE_ERROR_OUT_OF_MEMORY,
    TEE_ERROR_SHORT_BUFFER, TEE_SUCCESS,
};

use crate::utee::{Context, Fault, Outcome, UserMemory, check, read_user, write_user};

/// The system call numbers.
pub mod num {
    pub const OP_ALLOC: u64 = 0x1100;
    pub const OP_FREE: u64 = 0x1101;
    pub const OP_INFO: u64 = 0x1102;
    pub const OP_INFO_MULTIPLE: u64 = 0x1103;
    pub const OP_RESET: u64 = 0x1104;
    pub const OP_COPY: u64 = 0x1105;
    pub const OP_SET_KEY: u64 = 0x1106;
    pub const OP_SET_KEY2: u64 = 0x1107;
    pub const IS_ALG_SUPPORTED: u64 = 0x1108;
    pub const DIGEST_UPDATE: u64 = 0x1110;
    pub const DIGEST_FINAL: u64 = 0x1111;
    pub const DIGEST_EXTRACT: u64 = 0x1112;
    pub const CIPHER_INIT: u64 = 0x1118;
    pub const CIPHER_UPDATE: u64 = 0x1119;
    pub const CIPHER_FINAL: u64 = 0x111A;
    pub const MAC_INIT: u64 = 0x1120;
    pub const MAC_UPDATE: u64 = 0x1121;
    pub const MAC_COMPUTE_FINAL: u64 = 0x1122;
    pub const MAC_COMPARE_FINAL: u64 = 0x1123;
    pub const AE_INIT: u64 = 0x1128;
    pub const AE_UPDATE_AAD: u64 = 0x1129;
    pub const AE_UPDATE: u64 = 0x112A;
    pub const AE_ENCRYPT_FINAL: u64 = 0x112B;
    pub const AE_DECRYPT_FINAL: u64 = 0x112C;
    pub const ASYM_ENCRYPT: u64 = 0x1130;
    pub const ASYM_DECRYPT: u64 = 0x1131;
    pub const ASYM_SIGN_DIGEST: u64 = 0x1132;
    pub const ASYM_VERIFY_DIGEST: u64 = 0x1133;
    pub const DERIVE_KEY: u64 = 0x1134;
    pub const OBJ_ALLOC: u64 = 0x1140;
    pub const OBJ_FREE: u64 = 0x1141;
    pub const OBJ_RESET: u64 = 0x1142;
    pub const OBJ_POPULATE: u64 = 0x1143;
    pub const OBJ_GENERATE: u64 = 0x1144;
    pub const OBJ_INFO: u64 = 0x1145;
    pub const OBJ_RESTRICT_USAGE: u64 = 0x1146;
    pub const OBJ_BUFFER_ATTR: u64 = 0x1147;
    pub const OBJ_VALUE_ATTR: u64 = 0x1148;
    pub const OBJ_COPY_ATTRS: u64 = 0x1149;

    /// Whether `n` is one of these calls' range.
    pub fn is_cryp(n: u64) -> bool {
        (0x1100..0x1200).contains(&n)
    }
}

/// Live operations and objects an instance may hold at once.
pub const MAX_HANDLES: usize = 256;
/// Open persistent objects an instance may hold at once (a handle keeps
/// the store's cached path, up to a few 4 KiB blocks, in the kernel).
pub const MAX_PERSISTENT: usize = 64;
/// The largest input of a one-shot call (and all the attribute buffers
/// of a call together).
pub const MAX_ONESHOT: usize = 1 << 20;
/// The most attributes one call passes.
pub const MAX_ATTRS: usize = 64;
/// Updates reach the engine in pieces of this size.
pub const CHUNK: usize = 16 << 10;
/// Ids are below 2^24 (libutee tags them into 32-bit handles).
const MAX_ID: u32 = 0x00FF_FFFF;

const TEE_ATTR_SM2_KEP_CONFIRMATION_OUT: u32 = 0xD000_0846;
/// `sizeof(TEE_Attribute)` on aarch64.
const ATTR_SIZE: u64 = 24;

/// One instance's operations and objects: transient ones, and the open
/// persistent ones ([`crate::tee_storage`]) with their keys.
#[derive(Default)]
pub struct Crypto {
    last: u32,
    ops: BTreeMap<u32, Operation>,
    /// Transient objects, and the keys of persistent key objects.
    objs: BTreeMap<u32, Object>,
    /// Open persistent objects: their id here to the store's handle.
    persistent: BTreeMap<u32, u32>,
}

impl Crypto {
    pub fn new() -> Crypto {
        Crypto::default()
    }

    /// Live handles (operations and objects).
    pub fn handles(&self) -> usize {
        let data_objects = self
            .persistent
            .keys()
            .filter(|id| !self.objs.contains_key(id))
            .count();
        self.ops.len() + self.objs.len() + data_objects
    }

    /// Whether one more handle may be made.
    pub fn has_room(&self) -> bool {
        self.handles() < MAX_HANDLES && self.last < MAX_ID
    }

    /// Whether one more persistent object may be opened (each holds a
    /// few blocks of the store's memory in the kernel).
    pub fn has_persistent_room(&self) -> bool {
        self.has_room() && self.persistent.len() < MAX_PERSISTENT
    }

    /// Register an open persistent object (store handle `store`, its key
    /// if it is a key object): its id. The caller checked
    /// [`Crypto::has_room`] (nothing else made a handle since).
    pub fn adopt_persistent(&mut self, store: u32, key: Option<Object>) -> u32 {
        self.last += 1;
        let id = self.last;
        self.persistent.insert(id, store);
        if let Some(k) = key {
            self.objs.insert(id, k);
        }
        id
    }

    /// The store's handle of persistent object `h` of this instance.
    pub fn store_handle(&self, h: u64) -> Option<u32> {
        let id = u32::try_from(h).ok()?;
        self.persistent.get(&id).copied()
    }

    /// Forget persistent object `h` (closed): its store handle.
    pub fn drop_persistent(&mut self, h: u64) -> Option<u32> {
        let id = u32::try_from(h).ok()?;
        let store = self.persistent.remove(&id)?;
        self.objs.remove(&id);
        Some(store)
    }

    /// The key of object `h` (transient, or a persistent key object):
    /// the template of a new persistent object. `None` for a persistent
    /// data object; `None` for an unknown handle.
    pub fn template(&self, h: u64) -> Option<Option<&Object>> {
        let id = u32::try_from(h).ok()?;
        match self.objs.get(&id) {
            Some(o) => Some(Some(o)),
            None if self.persistent.contains_key(&id) => Some(None),
            None => None,
        }
    }

    /// Change the usage of persistent key object `h` (restricted in the
    /// store too).
    pub fn restrict_persistent(&mut self, h: u64, usage: u32) {
        if let Some(o) = u32::try_from(h).ok().and_then(|id| self.objs.get_mut(&id)) {
            o.restrict_usage(usage);
        }
    }

    /// Whether `h` is an open persistent object without a key.
    fn is_persistent_data(&self, h: u64) -> bool {
        u32::try_from(h)
            .is_ok_and(|id| self.persistent.contains_key(&id) && !self.objs.contains_key(&id))
    }

    /// A transient object (a persistent one here is a misuse GP panics on).
    fn transient(&mut self, h: u64) -> Result<&mut Object, Stop> {
        if u32::try_from(h).is_ok_and(|id| self.persistent.contains_key(&id)) {
            return Err(Stop::Kill(TEE_ERROR_BAD_PARAMETERS));
        }
        self.obj(h)
    }

    fn next_id(&mut self) -> Result<u32, Stop> {
        if !self.has_room() {
            return Err(Stop::Code(TEE_ERROR_OUT_OF_MEMORY));
        }
        self.last += 1;
        Ok(self.last)
    }

    fn op(&mut self, h: u64) -> Result<&mut Operation, Stop> {
        let id = u32::try_from(h).map_err(|_| Stop::Kill(TEE_ERROR_BAD_PARAMETERS))?;
        self.ops
            .get_mut(&id)
            .ok_or(Stop::Kill(TEE_ERROR_BAD_PARAMETERS))
    }

    fn obj(&mut self, h: u64) -> Result<&mut Object, Stop> {
        let id = u32::try_from(h).map_err(|_| Stop::Kill(TEE_ERROR_BAD_PARAMETERS))?;
        self.objs
            .get_mut(&id)
            .ok_or(Stop::Kill(TEE_ERROR_BAD_PARAMETERS))
    }

    /// A copy of the object `h` (`None` for 0).
    fn key(&mut self, h: u64) -> Result<Option<Object>, Stop> {
        if h == 0 {
            return Ok(None);
        }
        self.obj(h).map(|o| Some(o.clone()))
    }
}

/// The digest `alg` of `data` in pieces of `piece` bytes, by the engine
/// the system calls drive, without them: what the kernel measures at boot
/// to compare with the same work through a TA.
pub fn digest_pieces(alg: u32, data: &[u8], piece: usize) -> Result<Vec<u8>, u32> {
    let mut op =
        Operation::new(alg, oxtee_crypto::consts::TEE_MODE_DIGEST, 0).map_err(Error::code)?;
    for c in data.chunks(piece.max(1)) {
        op.digest_update(c).map_err(Error::code)?;
    }
    op.digest_do_final(&[], 64).map_err(Error::code)
}

/// How a call ends short of success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// A code for the TA.
    Code(u32),
    /// The TA panics with this code.
    Kill(u32),
}

impl From<Fault> for Stop {
    fn from(_: Fault) -> Stop {
        Stop::Kill(TEE_ERROR_ACCESS_DENIED)
    }
}

impl From<Error> for Stop {
    fn from(e: Error) -> Stop {
        match e {
            Error::Panic(c) => Stop::Kill(c),
            e => Stop::Code(e.code()),
        }
    }
}

/// Serve crypto system call `n` (see [`num::is_cryp`]).
pub fn syscall(n: u64, a: &[u64; 8], cx: &mut Context<'_>) -> Outcome {
    match serve(n, a, cx) {
        Ok(c) | Err(Stop::Code(c)) => Outcome::Resume(u64::from(c)),
        Err(Stop::Kill(c)) => Outcome::Panic(c),
    }
}

fn serve(n: u64, a: &[u64; 8], cx: &mut Context<'_>) -> Result<u32, Stop> {
    use num::*;
    let t = &mut *cx.crypto;
    let mem = &mut *cx.mem;
    match n {
        OP_ALLOC => {
            check(mem, a[3], 4, true)?;
            let op = Operation::new(a[0] as u32, a[1] as u32, a[2] as u32)?;
            let id = t.next_id()?;
            t.ops.insert(id, op);
            write_user(mem, a[3], &id.to_le_bytes())?;
        }
        OP_FREE => {
            t.op(a[0])?;
            t.ops.remove(&(a[0] as u32));
        }
        OP_INFO => {
            let i = t.op(a[0])?.info();
            let w = [
                i.algorithm,
                i.operation_class,
                i.mode,
                i.digest_length,
                i.max_key_size,
                i.key_size,
                i.required_key_usage,
                i.handle_state,
            ];
            write_user(mem, a[1], &words(&w))?;
        }
        OP_INFO_MULTIPLE => {
            let i = t.op(a[0])?.info_multiple();
            let mut w = Vec::from([
                i.algorithm,
                i.operation_class,
                i.mode,
                i.digest_length,
                i.max_key_size,
                i.handle_state,
                i.operation_state,
                i.keys.len() as u32,
            ]);
            for k in &i.keys {
                w.extend([k.key_size, k.required_key_usage]);
            }
            return put_sized(mem, a[1], a[2], &words(&w));
        }
        OP_RESET => t.op(a[0])?.reset(),
        OP_COPY => {
            let src = t.op(a[1])?.clone();
            t.op(a[0])?.copy_from(&src)?;
        }
        OP_SET_KEY => {
            let k = t.key(a[1])?;
            t.op(a[0])?.set_key(k.as_ref())?;
        }
        OP_SET_KEY2 => {
            let (k1, k2) = (t.key(a[1])?, t.key(a[2])?);
            t.op(a[0])?.set_key2(k1.as_ref(), k2.as_ref())?;
        }
        IS_ALG_SUPPORTED => oxtee_crypto::is_algorithm_supported(a[0] as u32, a[1] as u32)?,
        DIGEST_UPDATE => {
            let op = t.op(a[0])?;
            in_place(mem, a[1], a[2], |c| op.digest_update(c).map_err(Stop::from))?;
        }
        DIGEST_FINAL => {
            let op = t.op(a[0])?;
            let cap = get_len(mem, a[4])?;
            // An XOF's output is as long as the room: bounded as an input.
            if op.class() == Class::Digest && op.info().digest_length == 0 && cap > MAX_ONESHOT {
                return Err(Stop::Code(TEE_ERROR_OUT_OF_MEMORY));
            }
            let (head, tail) = split(a[1], a[2]);
            if head.1 > 0 {
                let need = op.info().digest_length as usize;
                if op.class() == Class::Digest && op.state() != OpState::Extracting && cap < need {
                    return short(mem, a[4], need);
                }
                in_place(mem, head.0, head.1, |c| {
                    op.digest_update(c).map_err(Stop::from)
                })?;
            }
            let msg = input(mem, tail.0, tail.1)?;
            match op.digest_do_final(&msg, cap) {
                Ok(d) => put_out(mem, a[3], a[4], &d)?,
                Err(Error::ShortBuffer(need)) => return short(mem, a[4], need),
                Err(e) => return Err(e.into()),
            }
        }
        DIGEST_EXTRACT => {
            // In pieces: an XOF fills each, a fixed-length digest ends
            // when its bytes do.
            let op = t.op(a[0])?;
            let cap = get_len(mem, a[2])?;
            check(mem, a[1], cap as u64, true)?;
            let mut piece = buffer(cap.min(CHUNK))?;
            let mut done = 0usize;
            while done < cap {
                let want = (cap - done).min(CHUNK);
                let k = op.digest_extract(&mut piece[..want])?;
                write_user(mem, a[1] + done as u64, &piece[..k])?;
                done += k;
                if k < want {
                    break;
                }
            }
            if done == 0 {
                // An extraction of nothing still starts extracting.
                op.digest_extract(&mut [])?;
            }
            set_len(mem, a[2], done)?;
        }
        CIPHER_INIT => {
            let iv = input(mem, a[1], a[2])?;
            t.op(a[0])?.cipher_init(&iv)?;
        }
        CIPHER_UPDATE | AE_UPDATE => {
            let op = t.op(a[0])?;
            let ae = n == AE_UPDATE;
            let (dst, len_at) = (a[3], a[4]);
            let cap = get_len(mem, len_at)?;
            let n_in = usize::try_from(a[2]).map_err(|_| Stop::Kill(TEE_ERROR_BAD_PARAMETERS))?;
            check(mem, a[1], a[2], false)?;
            let need = if ae {
                op.ae_update_len(n_in)?
            } else {
                op.cipher_update_len(n_in)?
            };
            if cap < need {
                return short(mem, len_at, need);
            }
            check(mem, dst, need as u64, true)?;
            let mut done = 0usize;
            chunks(mem, a[1], a[2], |mem, c| {
                let out = if ae {
                    op.ae_update(c, usize::MAX)?
                } else {
                    op.cipher_update(c, usize::MAX)?
                };
                write_user(mem, dst + done as u64, &out)?;
                done += out.len();
                Ok(())
            })?;
            set_len(mem, len_at, done)?;
        }
        CIPHER_FINAL => {
            let op = t.op(a[0])?;
            let cap = get_len(mem, a[4])?;
            let (head, tail) = split(a[1], a[2]);
            check(mem, a[1], a[2], false)?;
            let need = op.cipher_final_len(a[2] as usize)?;
            if cap < need {
                return short(mem, a[4], need);
            }
            check(mem, a[3], need as u64, true)?;
            // All but the last piece as updates: their output, then the
            // final's, fill exactly `need` bytes.
            let mut done = 0usize;
            chunks(mem, head.0, head.1, |mem, c| {
                let out = op.cipher_update(c, usize::MAX)?;
                write_user(mem, a[3] + done as u64, &out)?;
                done += out.len();
                Ok(())
            })?;
            let src = input(mem, tail.0, tail.1)?;
            let mut out = buffer(need - done)?;
            let k = op.cipher_do_final_into(&src, &mut out)?;
            write_user(mem, a[3] + done as u64, &out[..k])?;
            set_len(mem, a[4], done + k)?;
        }
        MAC_INIT => {
            let iv = input(mem, a[1], a[2])?;
            t.op(a[0])?.mac_init(&iv)?;
        }
        MAC_UPDATE => {
            let op = t.op(a[0])?;
            in_place(mem, a[1], a[2], |c| op.mac_update(c).map_err(Stop::from))?;
        }
        MAC_COMPUTE_FINAL => {
            let op = t.op(a[0])?;
            let cap = get_len(mem, a[4])?;
            let (head, tail) = split(a[1], a[2]);
            if head.1 > 0 {
                // The state's panics first, then the room, then the input.
                op.mac_update(&[])?;
                let need = op.info().digest_length as usize;
                if cap < need {
                    return short(mem, a[4], need);
                }
                in_place(mem, head.0, head.1, |c| {
                    op.mac_update(c).map_err(Stop::from)
                })?;
            }
            let msg = input(mem, tail.0, tail.1)?;
            match op.mac_compute_final(&msg, cap) {
                Ok(m) => put_out(mem, a[3], a[4], &m)?,
                Err(Error::ShortBuffer(need)) => return short(mem, a[4], need),
                Err(e) => return Err(e.into()),
            }
        }
        MAC_COMPARE_FINAL => {
            let op = t.op(a[0])?;
            let mac = input(mem, a[3], a[4])?;
            let (head, tail) = split(a[1], a[2]);
            in_place(mem, head.0, head.1, |c| {
                op.mac_update(c).map_err(Stop::from)
            })?;
            let msg = input(mem, tail.0, tail.1)?;
            op.mac_compare_final(&msg, &mac)?;
        }
        AE_INIT => {
            let nonce = input(mem, a[1], a[2])?;
            t.op(a[0])?.ae_init(&nonce, a[3] as u32, a[4], a[5])?;
        }
        AE_UPDATE_AAD => {
            let op = t.op(a[0])?;
            in_place(mem, a[1], a[2], |c| op.ae_update_aad(c).map_err(Stop::from))?;
        }
        AE_ENCRYPT_FINAL => {
            let op = t.op(a[0])?;
            let (cap, tag_cap) = (get_len(mem, a[4])?, get_len(mem, a[6])?);
            check(mem, a[1], a[2], false)?;
            let need = op.ae_encrypt_final_len(a[2] as usize)?;
            let tag_len = op.ae_tag_len();
            if cap < need || tag_cap < tag_len {
                set_len(mem, a[6], tag_len)?;
                return short(mem, a[4], need);
            }
            check(mem, a[3], need as u64, true)?;
            check(mem, a[5], tag_len as u64, true)?;
            let (head, tail) = split(a[1], a[2]);
            let mut done = 0usize;
            chunks(mem, head.0, head.1, |mem, c| {
                let out = op.ae_update(c, usize::MAX)?;
                write_user(mem, a[3] + done as u64, &out)?;
                done += out.len();
                Ok(())
            })?;
            let src = input(mem, tail.0, tail.1)?;
            let (out, tag) = op.ae_encrypt_final(&src, usize::MAX, usize::MAX)?;
            write_user(mem, a[3] + done as u64, &out)?;
            set_len(mem, a[4], done + out.len())?;
            put_out(mem, a[5], a[6], &tag)?;
        }
        AE_DECRYPT_FINAL => {
            let op = t.op(a[0])?;
            let cap = get_len(mem, a[4])?;
            let src = input(mem, a[1], a[2])?;
            let tag = input(mem, a[5], a[6])?;
            let mut out = buffer(cap.min(src.len().saturating_add(64)))?;
            match op.ae_decrypt_final_into(&src, &mut out, &tag) {
                Ok(k) => put_out(mem, a[3], a[4], &out[..k])?,
                Err(Error::ShortBuffer(need)) => return short(mem, a[4], need),
                Err(e) => return Err(e.into()),
            }
        }
        ASYM_ENCRYPT | ASYM_DECRYPT | ASYM_SIGN_DIGEST => {
            let params = attrs(mem, a[1], a[2])?.0;
            let src = input(mem, a[3], a[4])?;
            let cap = get_len(mem, a[6])?;
            let op = t.op(a[0])?;
            let mut rng = cx.rng.borrow_mut();
            let r = match n {
                ASYM_ENCRYPT => op.asymmetric_encrypt(&params, &src, cap, &mut *rng),
                ASYM_DECRYPT => op.asymmetric_decrypt(&params, &src, cap, &mut *rng),
                _ => op.asymmetric_sign_digest(&params, &src, cap, &mut *rng),
            };
            match r {
                Ok(out) => put_out(mem, a[5], a[6], &out)?,
                Err(Error::ShortBuffer(need)) => return short(mem, a[6], need),
                Err(e) => return Err(e.into()),
            }
        }
        ASYM_VERIFY_DIGEST => {
            let params = attrs(mem, a[1], a[2])?.0;
            let digest = input(mem, a[3], a[4])?;
            let sig = input(mem, a[5], a[6])?;
            t.op(a[0])?
                .asymmetric_verify_digest(&params, &digest, &sig)?;
        }
        DERIVE_KEY => {
            let (params, raw) = attrs(mem, a[1], a[2])?;
            let mut out = t.transient(a[3])?.clone();
            let op = t.op(a[0])?;
            // GP's TEE_DeriveKey returns nothing: a failure the TA may see
            // leaves the object as it was.
            let confirm = match op.derive_key_with_confirmation(&params, &mut out) {
                Ok(c) => c,
                Err(Error::Panic(c)) => return Err(Stop::Kill(c)),
                Err(e) => return Ok(e.code()),
            };
            if let Some(c) = confirm {
                // SM2 key exchange: the confirmation value goes into the
                // buffer of the CONFIRMATION_OUT parameter (as OP-TEE).
                for &(id, va, len) in &raw {
                    if id == TEE_ATTR_SM2_KEP_CONFIRMATION_OUT {
                        if len < c.len() as u64 {
                            return Err(Stop::Kill(TEE_ERROR_SHORT_BUFFER));
                        }
                        write_user(mem, va, &c)?;
                    }
                }
            }
            *t.transient(a[3])? = out;
        }
        OBJ_ALLOC => {
            check(mem, a[2], 4, true)?;
            let o = Object::new(a[0] as u32, a[1] as u32)?;
            let id = t.next_id()?;
            t.objs.insert(id, o);
            write_user(mem, a[2], &id.to_le_bytes())?;
        }
        OBJ_FREE => {
            t.transient(a[0])?;
            t.objs.remove(&(a[0] as u32));
        }
        OBJ_RESET => t.transient(a[0])?.reset(),
        OBJ_POPULATE => {
            let params = attrs(mem, a[1], a[2])?.0;
            t.transient(a[0])?.populate(&params)?;
        }
        OBJ_GENERATE => {
            let params = attrs(mem, a[2], a[3])?.0;
            let o = t.transient(a[0])?;
            o.generate(a[1] as u32, &params, &mut *cx.rng.borrow_mut())?;
        }
        OBJ_INFO => {
            // (A persistent object's info is the store's: STORAGE_INFO.)
            let i = t.transient(a[0])?.info();
            let w = [
                i.object_type,
                i.object_size,
                i.max_object_size,
                i.object_usage,
                0,
                0,
                i.handle_flags,
            ];
            write_user(mem, a[1], &words(&w))?;
        }
        OBJ_RESTRICT_USAGE => t.transient(a[0])?.restrict_usage(a[1] as u32),
        OBJ_BUFFER_ATTR => {
            let cap = get_len(mem, a[3])?;
            if t.is_persistent_data(a[0]) {
                return Ok(oxtee_gp::TEE_ERROR_ITEM_NOT_FOUND);
            }
            let o = t.obj(a[0])?;
            match o.buffer_attribute(a[1] as u32, cap) {
                Ok(v) => put_out(mem, a[2], a[3], &v)?,
                Err(Error::ShortBuffer(need)) => return short(mem, a[3], need),
                Err(e) => return Err(e.into()),
            }
        }
        OBJ_VALUE_ATTR => {
            for va in [a[2], a[3]] {
                if va != 0 {
                    check(mem, va, 4, true)?;
                }
            }
            if t.is_persistent_data(a[0]) {
                return Ok(oxtee_gp::TEE_ERROR_ITEM_NOT_FOUND);
            }
            let (x, y) = t.obj(a[0])?.value_attribute(a[1] as u32)?;
            for (va, v) in [(a[2], x), (a[3], y)] {
                if va != 0 {
                    write_user(mem, va, &v.to_le_bytes())?;
                }
            }
        }
        OBJ_COPY_ATTRS => {
            let src = t.obj(a[1])?.clone();
            t.transient(a[0])?.copy_attributes_from(&src)?;
        }
        _ => return Err(Stop::Code(oxtee_gp::TEE_ERROR_NOT_SUPPORTED)),
    }
    Ok(TEE_SUCCESS)
}

fn words(w: &[u32]) -> Vec<u8> {
    w.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A zeroed buffer of `n` bytes, or OUT_OF_MEMORY (never the kernel's
/// allocation failure).
fn buffer(n: usize) -> Result<Vec<u8>, Stop> {
    if n > MAX_ONESHOT {
        return Err(Stop::Code(TEE_ERROR_OUT_OF_MEMORY));
    }
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| Stop::Code(TEE_ERROR_OUT_OF_MEMORY))?;
    v.resize(n, 0);
    Ok(v)
}

/// A copy of the TA's `len` bytes at `va` (a one-shot input).
fn input(mem: &mut dyn UserMemory, va: u64, len: u64) -> Result<Vec<u8>, Stop> {
    check(mem, va, len, false)?;
    let n = usize::try_from(len).map_err(|_| Stop::Code(TEE_ERROR_OUT_OF_MEMORY))?;
    let mut v = buffer(n)?;
    mem.copy_from(va, &mut v)?;
    Ok(v)
}

/// The TA's input `[va, va + len)` as all but its last piece (what
/// updates take) and that last piece (at most [`CHUNK`] bytes, what the
/// final takes): (address, length) each.
fn split(va: u64, len: u64) -> ((u64, u64), (u64, u64)) {
    let tail = match len % CHUNK as u64 {
        0 => len.min(CHUNK as u64),
        r => r,
    };
    let head = len - tail;
    ((va, head), (va.wrapping_add(head), tail))
}

/// Feed the TA's `len` bytes at `va` to `f` where they are, in pieces
/// (at most a page each in the kernel; `f` writes nothing back).
fn in_place(
    mem: &mut dyn UserMemory,
    va: u64,
    len: u64,
    mut f: impl FnMut(&[u8]) -> Result<(), Stop>,
) -> Result<(), Stop> {
    check(mem, va, len, false)?;
    let mut stop = Ok(());
    mem.read_in_place(va, len, &mut |piece| {
        stop = f(piece);
        stop.is_ok()
    })?;
    stop
}

/// Feed the TA's `len` bytes at `va` to `f` in pieces of [`CHUNK`].
fn chunks(
    mem: &mut dyn UserMemory,
    va: u64,
    len: u64,
    mut f: impl FnMut(&mut dyn UserMemory, &[u8]) -> Result<(), Stop>,
) -> Result<(), Stop> {
    check(mem, va, len, false)?;
    let mut buf = buffer((len as usize).min(CHUNK))?;
    let mut done = 0u64;
    while done < len {
        let k = (len - done).min(CHUNK as u64) as usize;
        mem.copy_from(va + done, &mut buf[..k])?;
        f(mem, &buf[..k])?;
        done += k as u64;
    }
    buf.fill(0);
    Ok(())
}

/// The 64-bit size at `va`, as a capacity.
fn get_len(mem: &mut dyn UserMemory, va: u64) -> Result<usize, Stop> {
    let mut b = [0u8; 8];
    read_user(mem, va, &mut b)?;
    Ok(usize::try_from(u64::from_le_bytes(b)).unwrap_or(usize::MAX))
}

fn set_len(mem: &mut dyn UserMemory, va: u64, n: usize) -> Result<(), Stop> {
    write_user(mem, va, &(n as u64).to_le_bytes())?;
    Ok(())
}

/// SHORT_BUFFER with the size needed in the 64-bit size at `len_at`.
fn short(mem: &mut dyn UserMemory, len_at: u64, need: usize) -> Result<u32, Stop> {
    set_len(mem, len_at, need)?;
    Ok(TEE_ERROR_SHORT_BUFFER)
}

/// An output the engine made (it fits the room `*len_at` gave) and its
/// size.
fn put_out(mem: &mut dyn UserMemory, va: u64, len_at: u64, out: &[u8]) -> Result<(), Stop> {
    write_user(mem, va, out)?;
    set_len(mem, len_at, out.len())
}

/// GP size feedback for a whole structure: written if `*len_at` holds it.
fn put_sized(mem: &mut dyn UserMemory, va: u64, len_at: u64, out: &[u8]) -> Result<u32, Stop> {
    if get_len(mem, len_at)? < out.len() {
        return short(mem, len_at, out.len());
    }
    put_out(mem, va, len_at, out)?;
    Ok(TEE_SUCCESS)
}

/// The attribute array at `va` (`n` entries): the engine's attributes,
/// and each buffer attribute's (id, buffer, length) as the TA gave them.
#[allow(clippy::type_complexity)]
fn attrs(
    mem: &mut dyn UserMemory,
    va: u64,
    n: u64,
) -> Result<(Vec<Attr>, Vec<(u32, u64, u64)>), Stop> {
    if n > MAX_ATTRS as u64 {
        return Err(Stop::Code(TEE_ERROR_OUT_OF_MEMORY));
    }
    let mut raw = [0u8; MAX_ATTRS * ATTR_SIZE as usize];
    let raw = &mut raw[..(n * ATTR_SIZE) as usize];
    read_user(mem, va, raw)?;
    let mut out = Vec::new();
    let mut refs = Vec::new();
    let mut total = 0u64;
    for e in raw.chunks_exact(ATTR_SIZE as usize) {
        let word = |o: usize| u64::from_le_bytes(e[o..o + 8].try_into().unwrap_or([0; 8]));
        let id = word(0) as u32;
        if id & TEE_ATTR_FLAG_VALUE != 0 {
            let v = word(8);
            out.push(Attr::Value(id, v as u32, (v >> 32) as u32));
        } else {
            let (buf, len) = (word(8), word(16));
            total = total.saturating_add(len);
            if total > MAX_ONESHOT as u64 {
                return Err(Stop::Code(TEE_ERROR_OUT_OF_MEMORY));
            }
            out.push(Attr::Ref(id, input(mem, buf, len)?));
            refs.push((id, buf, len));
        }
    }
    Ok((out, refs))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::num::*;
    use super::*;
    use crate::elf::Perm;
    use crate::utee::tests::Run;
    use alloc::vec;
    use oxtee_crypto::consts::{
        TEE_ALG_AES_CBC_NOPAD, TEE_ALG_AES_CTR, TEE_ALG_AES_GCM, TEE_ALG_ECDSA_SHA256,
        TEE_ALG_HMAC_SHA256, TEE_ALG_SHA256, TEE_ALG_SHAKE256, TEE_ATTR_ECC_CURVE,
        TEE_ATTR_ECC_PUBLIC_VALUE_X, TEE_ATTR_SECRET_VALUE, TEE_ECC_CURVE_NIST_P256,
        TEE_ERROR_MAC_INVALID, TEE_ERROR_SIGNATURE_INVALID, TEE_MODE_SIGN, TEE_MODE_VERIFY,
        TEE_TYPE_AES, TEE_TYPE_ECDSA_KEYPAIR, TEE_TYPE_HMAC_SHA256,
    };
    use sha2::Digest;

    pub(crate) const OK: Outcome = Outcome::Resume(TEE_SUCCESS as u64);
    const SHORT: Outcome = Outcome::Resume(TEE_ERROR_SHORT_BUFFER as u64);
    pub(crate) const OOM: Outcome = Outcome::Resume(TEE_ERROR_OUT_OF_MEMORY as u64);
    pub(crate) const KILL_PARAMS: Outcome = Outcome::Panic(TEE_ERROR_BAD_PARAMETERS);
    pub(crate) const KILL_ACCESS: Outcome = Outcome::Panic(TEE_ERROR_ACCESS_DENIED);
    /// 96 KiB of data beyond the harness's own pages.
    pub(crate) const BIG: u64 = 0x10_0000;
    /// Scratch: a handle, a size, attributes, keys, small buffers.
    pub(crate) const HANDLE: u64 = 0x3000;
    pub(crate) const LEN: u64 = 0x3010;
    const LEN2: u64 = 0x3018;
    pub(crate) const ATTRS: u64 = 0x3400;
    pub(crate) const SMALL: u64 = 0x3800;
    pub(crate) const OUT: u64 = 0x4000;

    pub(crate) fn run() -> Run {
        let mut r = Run::new();
        r.mem.map(BIG, 24, Perm::Rw);
        r
    }

    pub(crate) fn put(r: &mut Run, va: u64, b: &[u8]) {
        r.mem.copy_to(va, b).unwrap();
    }

    pub(crate) fn get(r: &mut Run, va: u64, n: usize) -> Vec<u8> {
        let mut v = vec![0; n];
        r.mem.copy_from(va, &mut v).unwrap();
        v
    }

    pub(crate) fn set_len(r: &mut Run, va: u64, n: u64) {
        put(r, va, &n.to_le_bytes());
    }

    pub(crate) fn len(r: &mut Run, va: u64) -> u64 {
        u64::from_le_bytes(get(r, va, 8).try_into().unwrap())
    }

    pub(crate) fn alloc(r: &mut Run, num: u64, args: &[u64]) -> u64 {
        let mut a = args.to_vec();
        a.push(HANDLE);
        assert_eq!(r.call(num, &a), OK);
        u64::from(u32::from_le_bytes(get(r, HANDLE, 4).try_into().unwrap()))
    }

    /// A buffer attribute at `at` pointing to `buf`.
    pub(crate) fn ref_attr(r: &mut Run, at: u64, id: u32, buf: u64, n: u64) {
        let mut e = [0u8; 24];
        e[..4].copy_from_slice(&id.to_le_bytes());
        e[8..16].copy_from_slice(&buf.to_le_bytes());
        e[16..].copy_from_slice(&n.to_le_bytes());
        put(r, at, &e);
    }

    fn value_attr(r: &mut Run, at: u64, id: u32, a: u32, b: u32) {
        let mut e = [0u8; 24];
        e[..4].copy_from_slice(&id.to_le_bytes());
        e[8..12].copy_from_slice(&a.to_le_bytes());
        e[12..16].copy_from_slice(&b.to_le_bytes());
        put(r, at, &e);
    }

    pub(crate) fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    /// An AES key object holding `key`.
    pub(crate) fn aes_key(r: &mut Run, key: &[u8]) -> u64 {
        let o = alloc(
            r,
            OBJ_ALLOC,
            &[u64::from(TEE_TYPE_AES), 8 * key.len() as u64],
        );
        put(r, SMALL, key);
        ref_attr(r, ATTRS, TEE_ATTR_SECRET_VALUE, SMALL, key.len() as u64);
        assert_eq!(r.call(OBJ_POPULATE, &[o, ATTRS, 1]), OK);
        o
    }

    #[test]
    fn a_digest_fed_in_pieces_matches_the_reference_and_a_short_buffer_changes_nothing() {
        let mut r = run();
        let data = pattern(40_000);
        put(&mut r, BIG, &data);
        put(&mut r, SMALL, b"tail!");
        let h = alloc(&mut r, OP_ALLOC, &[u64::from(TEE_ALG_SHA256), 5, 0]);
        assert_eq!(r.call(DIGEST_UPDATE, &[h, BIG, 40_000]), OK);
        set_len(&mut r, LEN, 31);
        assert_eq!(r.call(DIGEST_FINAL, &[h, SMALL, 5, OUT, LEN]), SHORT);
        assert_eq!(len(&mut r, LEN), 32);
        assert_eq!(get(&mut r, OUT, 4), [0xAA; 4]);
        assert_eq!(r.call(DIGEST_FINAL, &[h, SMALL, 5, OUT, LEN]), OK);
        let mut want = sha2::Sha256::new();
        want.update(&data);
        want.update(b"tail!");
        assert_eq!(get(&mut r, OUT, 32), want.finalize().as_slice());
        assert_eq!(len(&mut r, LEN), 32);
        // Back to the initial state: an empty message.
        set_len(&mut r, LEN, 64);
        assert_eq!(r.call(DIGEST_FINAL, &[h, SMALL, 0, OUT, LEN]), OK);
        assert_eq!(get(&mut r, OUT, 32), sha2::Sha256::digest(b"").as_slice());
    }

    #[test]
    fn an_in_place_cipher_update_checks_the_room_before_it_touches_the_buffer() {
        let mut r = run();
        let key = [0x42u8; 16];
        let iv = [0x24u8; 16];
        let data = pattern(40_000);
        put(&mut r, BIG, &data);
        let k = aes_key(&mut r, &key);
        let op = alloc(&mut r, OP_ALLOC, &[u64::from(TEE_ALG_AES_CTR), 0, 128]);
        assert_eq!(r.call(OP_SET_KEY, &[op, k]), OK);
        put(&mut r, SMALL, &iv);
        assert_eq!(r.call(CIPHER_INIT, &[op, SMALL, 16]), OK);
        set_len(&mut r, LEN, 39_999);
        assert_eq!(r.call(CIPHER_UPDATE, &[op, BIG, 40_000, BIG, LEN]), SHORT);
        assert_eq!(len(&mut r, LEN), 40_000);
        assert_eq!(get(&mut r, BIG, 40_000), data);
        assert_eq!(r.call(CIPHER_UPDATE, &[op, BIG, 40_000, BIG, LEN]), OK);
        assert_eq!(len(&mut r, LEN), 40_000);
        // The reference: the engine driven directly, in one piece.
        let mut o = Object::new(TEE_TYPE_AES, 128).unwrap();
        o.populate(&[Attr::Ref(TEE_ATTR_SECRET_VALUE, key.to_vec())])
            .unwrap();
        let mut e = Operation::new(TEE_ALG_AES_CTR, 0, 128).unwrap();
        e.set_key(Some(&o)).unwrap();
        e.cipher_init(&iv).unwrap();
        let want = e.cipher_update(&data, data.len()).unwrap();
        assert_eq!(get(&mut r, BIG, 40_000), want);
        // The key's value, with GP's size feedback.
        set_len(&mut r, LEN, 4);
        let id = u64::from(TEE_ATTR_SECRET_VALUE);
        assert_eq!(r.call(OBJ_BUFFER_ATTR, &[k, id, OUT, LEN]), SHORT);
        assert_eq!(len(&mut r, LEN), 16);
        assert_eq!(r.call(OBJ_BUFFER_ATTR, &[k, id, OUT, LEN]), OK);
        assert_eq!(get(&mut r, OUT, 16), key);
    }

    #[test]
    fn a_forged_freed_or_foreign_handle_kills_the_ta() {
        let mut r = run();
        let h = alloc(&mut r, OP_ALLOC, &[u64::from(TEE_ALG_SHA256), 5, 0]);
        let k = aes_key(&mut r, &[1; 16]);
        assert_eq!(r.call(DIGEST_UPDATE, &[999, SMALL, 4]), KILL_PARAMS);
        assert_eq!(r.call(DIGEST_UPDATE, &[h | 1 << 32, SMALL, 4]), KILL_PARAMS);
        // An object's handle is not an operation's, nor the reverse.
        assert_eq!(r.call(DIGEST_UPDATE, &[k, SMALL, 4]), KILL_PARAMS);
        assert_eq!(r.call(OBJ_RESET, &[h]), KILL_PARAMS);
        assert_eq!(r.call(OP_FREE, &[h]), OK);
        assert_eq!(r.call(DIGEST_UPDATE, &[h, SMALL, 4]), KILL_PARAMS);
        assert_eq!(r.call(OP_FREE, &[h]), KILL_PARAMS);
        // A key of the wrong kind for the operation: GP's panic.
        let d = alloc(&mut r, OP_ALLOC, &[u64::from(TEE_ALG_SHA256), 5, 0]);
        assert!(matches!(r.call(OP_SET_KEY, &[d, k]), Outcome::Panic(_)));
        // Ids are never reused.
        let again = alloc(&mut r, OP_ALLOC, &[u64::from(TEE_ALG_SHA256), 5, 0]);
        assert!(again > d && again != h);
    }

    #[test]
    fn pointers_outside_the_tas_own_memory_kill_it_before_anything_changes() {
        let mut r = run();
        let h = alloc(&mut r, OP_ALLOC, &[u64::from(TEE_ALG_SHA256), 5, 0]);
        set_len(&mut r, LEN, 32);
        let rodata = get(&mut r, 0x2000, 64);
        // The digest into read-only data, from the kernel, across a hole.
        assert_eq!(
            r.call(DIGEST_FINAL, &[h, SMALL, 0, 0x2000, LEN]),
            KILL_ACCESS
        );
        assert_eq!(get(&mut r, 0x2000, 64), rodata);
        assert_eq!(r.call(DIGEST_UPDATE, &[h, 0x0e10_0000, 16]), KILL_ACCESS);
        assert_eq!(r.call(DIGEST_UPDATE, &[h, 0x4ff0, 0x20]), KILL_ACCESS);
        assert_eq!(r.call(DIGEST_UPDATE, &[h, u64::MAX - 8, 16]), KILL_ACCESS);
        // The size word itself in read-only data, or straddling the hole.
        assert_eq!(
            r.call(DIGEST_FINAL, &[h, SMALL, 0, OUT, 0x2000]),
            KILL_ACCESS
        );
        assert_eq!(
            r.call(DIGEST_FINAL, &[h, SMALL, 0, OUT, 0x4ffc]),
            KILL_ACCESS
        );
        // A handle written to read-only data: no operation is made.
        let before = r.crypto.handles();
        let alg = u64::from(TEE_ALG_SHA256);
        assert_eq!(r.call(OP_ALLOC, &[alg, 5, 0, 0x2000]), KILL_ACCESS);
        assert_eq!(r.crypto.handles(), before);
        // An attribute whose buffer is the kernel's.
        let o = alloc(&mut r, OBJ_ALLOC, &[u64::from(TEE_TYPE_AES), 128]);
        ref_attr(&mut r, ATTRS, TEE_ATTR_SECRET_VALUE, 0x0e10_0000, 16);
        assert_eq!(r.call(OBJ_POPULATE, &[o, ATTRS, 1]), KILL_ACCESS);
        // An attribute array running into the hole.
        assert_eq!(r.call(OBJ_POPULATE, &[o, 0x4ff0, 1]), KILL_ACCESS);
    }

    #[test]
    fn what_a_ta_makes_the_kernel_hold_is_bounded() {
        let mut r = run();
        let alg = u64::from(TEE_ALG_SHA256);
        for _ in 0..MAX_HANDLES {
            alloc(&mut r, OP_ALLOC, &[alg, 5, 0]);
        }
        assert_eq!(r.call(OP_ALLOC, &[alg, 5, 0, HANDLE]), OOM);
        assert_eq!(r.crypto.handles(), MAX_HANDLES);
        let mut r = run();
        let o = alloc(&mut r, OBJ_ALLOC, &[u64::from(TEE_TYPE_AES), 128]);
        let n = MAX_ATTRS as u64 + 1;
        assert_eq!(r.call(OBJ_POPULATE, &[o, ATTRS, n]), OOM);
        // Attribute buffers beyond the bound, each within the TA's memory.
        for i in 0..3 {
            ref_attr(&mut r, ATTRS + 24 * i, TEE_ATTR_SECRET_VALUE, BIG, 96 << 10);
        }
        r.mem.map(0x20_0000, 257, Perm::Rw);
        ref_attr(
            &mut r,
            ATTRS + 72,
            TEE_ATTR_SECRET_VALUE,
            0x20_0000,
            1 << 20,
        );
        assert_eq!(r.call(OBJ_POPULATE, &[o, ATTRS, 4]), OOM);
        // An XOF asked for a gigabyte, a one-shot input over the bound.
        let x = alloc(&mut r, OP_ALLOC, &[u64::from(TEE_ALG_SHAKE256), 5, 0]);
        set_len(&mut r, LEN, 1 << 30);
        assert_eq!(r.call(DIGEST_FINAL, &[x, SMALL, 0, OUT, LEN]), OOM);
        // A decryption's final is one piece (no plaintext before the
        // tag is checked): bounded.
        let k = aes_key(&mut r, &[9; 16]);
        let dec = alloc(&mut r, OP_ALLOC, &[u64::from(TEE_ALG_AES_GCM), 1, 128]);
        assert_eq!(r.call(OP_SET_KEY, &[dec, k]), OK);
        put(&mut r, SMALL, &[3; 12]);
        assert_eq!(r.call(AE_INIT, &[dec, SMALL, 12, 128, 0, 0]), OK);
        set_len(&mut r, LEN, 2 << 20);
        let big = MAX_ONESHOT as u64 + 1;
        let args = [dec, 0x20_0000, big, 0x20_0000, LEN, SMALL, 16];
        assert_eq!(r.call(AE_DECRYPT_FINAL, &args), OOM);
        // A digest's final over the same input goes through in pieces.
        let d = alloc(&mut r, OP_ALLOC, &[alg, 5, 0]);
        set_len(&mut r, LEN, 32);
        assert_eq!(r.call(DIGEST_FINAL, &[d, 0x20_0000, big, OUT, LEN]), OK);
        let want = sha2::Sha256::digest(vec![0xAAu8; big as usize]);
        assert_eq!(get(&mut r, OUT, 32), want.as_slice());
    }

    /// The engine driven directly on `data` in one piece: the reference.
    fn reference(alg: u32, mode: u32, key: &Object, iv: &[u8], data: &[u8]) -> Operation {
        let mut e = Operation::new(alg, mode, key.info().max_object_size).unwrap();
        e.set_key(Some(key)).unwrap();
        match e.class() {
            Class::Cipher => e.cipher_init(iv).unwrap(),
            Class::Mac => e.mac_init(iv).unwrap(),
            _ => e.ae_init(iv, 128, 0, data.len() as u64).unwrap(),
        }
        e
    }

    #[test]
    fn finals_over_many_pieces_match_one_piece_and_check_the_room_first() {
        let mut r = run();
        let data = pattern(40_000);
        let key = [0x5Au8; 16];
        let mut o = Object::new(TEE_TYPE_AES, 128).unwrap();
        o.populate(&[Attr::Ref(TEE_ATTR_SECRET_VALUE, key.to_vec())])
            .unwrap();
        let k = aes_key(&mut r, &key);
        put(&mut r, 0x3900, &[7; 16]);
        // AES-CBC in place: a short buffer first changes nothing.
        put(&mut r, BIG, &data);
        let cbc = alloc(
            &mut r,
            OP_ALLOC,
            &[u64::from(TEE_ALG_AES_CBC_NOPAD), 0, 128],
        );
        assert_eq!(r.call(OP_SET_KEY, &[cbc, k]), OK);
        assert_eq!(r.call(CIPHER_INIT, &[cbc, 0x3900, 16]), OK);
        set_len(&mut r, LEN, 39_984);
        assert_eq!(r.call(CIPHER_FINAL, &[cbc, BIG, 40_000, BIG, LEN]), SHORT);
        assert_eq!(len(&mut r, LEN), 40_000);
        assert_eq!(get(&mut r, BIG, 40_000), data);
        assert_eq!(r.call(CIPHER_FINAL, &[cbc, BIG, 40_000, BIG, LEN]), OK);
        let mut e = reference(TEE_ALG_AES_CBC_NOPAD, 0, &o, &[7; 16], &data);
        let want = e.cipher_do_final(&data, data.len()).unwrap();
        assert_eq!(get(&mut r, BIG, 40_000), want);
        assert_eq!(len(&mut r, LEN), 40_000);
        // A total CBC does not take: BAD_PARAMETERS, nothing written.
        assert_eq!(r.call(CIPHER_INIT, &[cbc, 0x3900, 16]), OK);
        let bad = Outcome::Resume(u64::from(TEE_ERROR_BAD_PARAMETERS));
        assert_eq!(r.call(CIPHER_FINAL, &[cbc, BIG, 39_999, OUT, LEN]), bad);
        // AES-GCM: ciphertext and tag as in one piece.
        put(&mut r, BIG, &data);
        let gcm = alloc(&mut r, OP_ALLOC, &[u64::from(TEE_ALG_AES_GCM), 0, 128]);
        assert_eq!(r.call(OP_SET_KEY, &[gcm, k]), OK);
        assert_eq!(r.call(AE_INIT, &[gcm, 0x3900, 12, 128, 0, 40_000]), OK);
        set_len(&mut r, LEN, 40_000);
        set_len(&mut r, LEN2, 16);
        let args = [gcm, BIG, 40_000, BIG + 0xA000, LEN, SMALL, LEN2];
        assert_eq!(r.call(AE_ENCRYPT_FINAL, &args), OK);
        let mut e = reference(TEE_ALG_AES_GCM, 0, &o, &[7; 12], &data);
        let (ct, tag) = e.ae_encrypt_final(&data, 40_000, 16).unwrap();
        assert_eq!(get(&mut r, BIG + 0xA000, 40_000), ct);
        assert_eq!(get(&mut r, SMALL, 16), tag);
        // HMAC-SHA256: the room is checked before any piece goes in.
        let hkey = [0x6Bu8; 32];
        let hk = alloc(&mut r, OBJ_ALLOC, &[u64::from(TEE_TYPE_HMAC_SHA256), 256]);
        put(&mut r, 0x3a00, &hkey);
        ref_attr(&mut r, ATTRS, TEE_ATTR_SECRET_VALUE, 0x3a00, 32);
        assert_eq!(r.call(OBJ_POPULATE, &[hk, ATTRS, 1]), OK);
        let mac = alloc(&mut r, OP_ALLOC, &[u64::from(TEE_ALG_HMAC_SHA256), 4, 256]);
        assert_eq!(r.call(OP_SET_KEY, &[mac, hk]), OK);
        assert_eq!(r.call(MAC_INIT, &[mac, 0, 0]), OK);
        put(&mut r, BIG, &data);
        set_len(&mut r, LEN, 31);
        assert_eq!(
            r.call(MAC_COMPUTE_FINAL, &[mac, BIG, 40_000, OUT, LEN]),
            SHORT
        );
        assert_eq!(len(&mut r, LEN), 32);
        assert_eq!(r.call(MAC_COMPUTE_FINAL, &[mac, BIG, 40_000, OUT, LEN]), OK);
        let mut ho = Object::new(TEE_TYPE_HMAC_SHA256, 256).unwrap();
        ho.populate(&[Attr::Ref(TEE_ATTR_SECRET_VALUE, hkey.to_vec())])
            .unwrap();
        let mut e = reference(TEE_ALG_HMAC_SHA256, 4, &ho, &[], &data);
        let want = e.mac_compute_final(&data, 32).unwrap();
        assert_eq!(get(&mut r, OUT, 32), want);
        assert_eq!(r.call(MAC_INIT, &[mac, 0, 0]), OK);
        assert_eq!(r.call(MAC_COMPARE_FINAL, &[mac, BIG, 40_000, OUT, 32]), OK);
    }

    #[test]
    fn an_ae_decryption_with_a_wrong_tag_releases_no_plaintext() {
        let mut r = run();
        let k = aes_key(&mut r, &[9; 16]);
        let enc = alloc(&mut r, OP_ALLOC, &[u64::from(TEE_ALG_AES_GCM), 0, 128]);
        let dec = alloc(&mut r, OP_ALLOC, &[u64::from(TEE_ALG_AES_GCM), 1, 128]);
        for op in [enc, dec] {
            assert_eq!(r.call(OP_SET_KEY, &[op, k]), OK);
        }
        let nonce = 0x3900;
        put(&mut r, nonce, &[3; 12]);
        put(&mut r, BIG, &pattern(100));
        assert_eq!(r.call(AE_INIT, &[enc, nonce, 12, 128, 0, 0]), OK);
        set_len(&mut r, LEN, 100);
        set_len(&mut r, LEN2, 15);
        let tag = 0x3a00;
        let args = [enc, BIG, 100, BIG + 0x1000, LEN, tag, LEN2];
        assert_eq!(r.call(AE_ENCRYPT_FINAL, &args), SHORT);
        assert_eq!((len(&mut r, LEN), len(&mut r, LEN2)), (100, 16));
        set_len(&mut r, LEN2, 16);
        assert_eq!(r.call(AE_ENCRYPT_FINAL, &args), OK);
        let good = get(&mut r, tag, 16);
        let mut bad = good.clone();
        bad[15] ^= 1;
        put(&mut r, tag, &bad);
        assert_eq!(r.call(AE_INIT, &[dec, nonce, 12, 128, 0, 0]), OK);
        set_len(&mut r, LEN, 100);
        let args = [dec, BIG + 0x1000, 100, BIG + 0x2000, LEN, tag, 16];
        let mac_invalid = Outcome::Resume(u64::from(TEE_ERROR_MAC_INVALID));
        assert_eq!(r.call(AE_DECRYPT_FINAL, &args), mac_invalid);
        assert_eq!(get(&mut r, BIG + 0x2000, 100), [0xAA; 100]);
        put(&mut r, tag, &good);
        assert_eq!(r.call(AE_INIT, &[dec, nonce, 12, 128, 0, 0]), OK);
        assert_eq!(r.call(AE_DECRYPT_FINAL, &args), OK);
        assert_eq!(get(&mut r, BIG + 0x2000, 100), pattern(100));
    }

    #[test]
    fn an_ecdsa_key_made_in_the_kernel_signs_and_verifies() {
        let mut r = run();
        let kp = alloc(&mut r, OBJ_ALLOC, &[u64::from(TEE_TYPE_ECDSA_KEYPAIR), 256]);
        value_attr(
            &mut r,
            ATTRS,
            TEE_ATTR_ECC_CURVE,
            TEE_ECC_CURVE_NIST_P256,
            0,
        );
        assert_eq!(r.call(OBJ_GENERATE, &[kp, 256, ATTRS, 1]), OK);
        let alg = u64::from(TEE_ALG_ECDSA_SHA256);
        let sign = alloc(&mut r, OP_ALLOC, &[alg, u64::from(TEE_MODE_SIGN), 256]);
        let verify = alloc(&mut r, OP_ALLOC, &[alg, u64::from(TEE_MODE_VERIFY), 256]);
        for op in [sign, verify] {
            assert_eq!(r.call(OP_SET_KEY, &[op, kp]), OK);
        }
        put(&mut r, SMALL, &sha2::Sha256::digest(b"message"));
        set_len(&mut r, LEN, 10);
        let args = [sign, 0, 0, SMALL, 32, OUT, LEN];
        assert_eq!(r.call(ASYM_SIGN_DIGEST, &args), SHORT);
        assert_eq!(len(&mut r, LEN), 64);
        assert_eq!(r.call(ASYM_SIGN_DIGEST, &args), OK);
        assert_eq!(
            r.call(ASYM_VERIFY_DIGEST, &[verify, 0, 0, SMALL, 32, OUT, 64]),
            OK
        );
        let mut sig = get(&mut r, OUT, 64);
        sig[7] ^= 0x80;
        put(&mut r, OUT, &sig);
        let invalid = Outcome::Resume(u64::from(TEE_ERROR_SIGNATURE_INVALID));
        let args = [verify, 0, 0, SMALL, 32, OUT, 64];
        assert_eq!(r.call(ASYM_VERIFY_DIGEST, &args), invalid);
        // The public value is readable, the private one too (usage).
        set_len(&mut r, LEN, 64);
        let x = u64::from(TEE_ATTR_ECC_PUBLIC_VALUE_X);
        assert_eq!(r.call(OBJ_BUFFER_ATTR, &[kp, x, OUT, LEN]), OK);
        assert_eq!(len(&mut r, LEN), 32);
    }
}
