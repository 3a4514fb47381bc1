//! Wire messages between the normal-world client library, the secure-world
//! core and TA processes.
//!
//! Every message crosses a trust boundary, so decoding is bounded
//! ([`MAX_MESSAGE`]) and rejects trailing bytes. Anything a peer sends is
//! an *allegation*: lengths, offsets, handles and parameter types are
//! checked again by the receiver against its own state.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod status;
pub mod tee_layout;
pub mod trace;

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// Protocol version spoken by this build (client <-> core and core <-> TA).
pub const PROTO_VERSION: u32 = 2;
/// Largest encoded message accepted from any peer. Bulk data never travels
/// inside messages: it lives in shared memory (memfd) regions.
pub const MAX_MESSAGE: usize = 16 * 1024;
/// Largest number of file descriptors attached to one message.
pub const MAX_FDS: usize = 2;

/// Bounds on the variable parts of messages. Every message type's worst
/// case (each variant with every field at its bound) fits the buffer its
/// receiver reads it into: [`MAX_MESSAGE`] for the core and TAs,
/// [`limits::CLIENT_REPLY`] for clients, [`SUPPLICANT_MAX_MESSAGE`] for the
/// supplicant link; `oxtee-core`'s `worst_case_messages_fit` test encodes
/// each. Senders keep to them (and refuse what would not).
pub mod limits {
    /// `ClientRequest::Hello::tee_name` (a socket path at most).
    pub const TEE_NAME: usize = 4096;
    /// The TA's version string (its header field holds 63 bytes and a NUL).
    pub const TA_VERSION: usize = 63;
    /// The TA's description (255 bytes and a NUL).
    pub const TA_DESCRIPTION: usize = 255;
    /// The encoded extra properties of a TA image.
    pub const EXT_PROPS: usize = 8 * 1024;
    /// The encoded implementation property set the core hands each TA.
    pub const TEE_PROPS: usize = 2 * 1024;
    /// A persistent object ID (GP's TEE_OBJECT_ID_MAX_LEN).
    pub const OBJECT_ID: usize = 64;
    /// The serialized attributes of a persistent key object (the largest
    /// key oxtee makes, an ML-DSA-65 key pair, takes about 6 KiB).
    pub const STORED_ATTRIBUTES: usize = 12 * 1024;
    /// The buffer a client reads the core's replies into.
    pub const CLIENT_REPLY: usize = 512;
    /// Direct channels one TA instance holds (each is a descriptor in a
    /// process limited to 64).
    pub const DIRECT_CHANNELS: usize = 32;
    /// A blob name on the supplicant link (the store's names are 32 hex
    /// digits).
    pub const SUPPLICANT_NAME: usize = 64;
    /// Blob names in one `SupplicantRequest::Sync` (longer lists go in
    /// several).
    pub const SUPPLICANT_SYNC_NAMES: usize = 1024;
    /// Writes in one `SupplicantRequest::Write` (their data together at
    /// most [`SUPPLICANT_PIECE`](super::SUPPLICANT_PIECE) bytes).
    pub const SUPPLICANT_WRITES: usize = 64;
}

/// Fixed file descriptor numbers inside a TA process.
pub mod ta_fd {
    /// The SEQPACKET channel to the core.
    pub const CHANNEL: i32 = 3;
    /// The 4 KiB control page (cancellation flag), shared with the core.
    pub const CONTROL: i32 = 4;
}

/// Layout of the control page shared between core and a TA instance.
pub mod control {
    /// Byte offset of a little-endian `u32`: non-zero while the request in
    /// flight has been cancelled.
    pub const CANCEL_FLAG: usize = 0;
    /// `u32` written by the TA runtime: the TA-side session id of the
    /// direct call it is running, 0 when none (a hint for the core's
    /// timers only: the TA could lie, and only to its own cost).
    pub const DIRECT_SESSION: usize = 4;
    /// `u32` written by the TA runtime: the low half of that call's
    /// cancellation id.
    pub const DIRECT_CANCEL: usize = 8;
    /// `u32` written by the core: non-zero while the secure world is
    /// traced (`oxtee trace`). The TA runtime then answers direct calls
    /// with `DirectReply::Redirect`, so that every invoke passes the core
    /// and is seen (a TA that ignores it hides only its own calls).
    pub const TRACE: usize = 12;
    /// Cancellations of direct calls the core could not see running (the
    /// client's cancel can overtake its call to the TA): one
    /// little-endian `u64` per direct channel, `session << 32 | cancel`
    /// (as in `DIRECT_SESSION`/`DIRECT_CANCEL`), written by the core in
    /// the slot it gave that channel (`CoreToTa::Attach`; no two live
    /// channels of an instance share one). The TA runtime raises
    /// `CANCEL_FLAG` when a direct call whose session and cancellation id
    /// match starts.
    pub const PENDING_CANCELS: usize = 16;
    /// Slots at [`PENDING_CANCELS`]: one per direct channel.
    pub const PENDING_SLOTS: usize = super::limits::DIRECT_CHANNELS;
    /// The byte offset of pending-cancellation slot `slot`.
    pub const fn pending_slot(slot: u32) -> usize {
        PENDING_CANCELS + 8 * (slot as usize % PENDING_SLOTS)
    }
    /// The value a pending cancellation is written as.
    pub const fn pending_value(session: u32, cancel: u32) -> u64 {
        (session as u64) << 32 | cancel as u64
    }
    /// Size of the page.
    pub const SIZE: usize = 4096;
    const _: () = assert!(PENDING_CANCELS + 8 * PENDING_SLOTS <= SIZE);
}

/// A UUID in RFC 4122 octet order (the order of OP-TEE's `tee_uuid_to_octets`).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// The nil UUID.
    pub const NIL: Uuid = Uuid([0; 16]);

    /// Build from the fields of a `TEEC_UUID` / `TEE_UUID`.
    pub fn from_fields(time_low: u32, time_mid: u16, time_hi: u16, seq: [u8; 8]) -> Uuid {
        let mut o = [0u8; 16];
        o[0..4].copy_from_slice(&time_low.to_be_bytes());
        o[4..6].copy_from_slice(&time_mid.to_be_bytes());
        o[6..8].copy_from_slice(&time_hi.to_be_bytes());
        o[8..16].copy_from_slice(&seq);
        Uuid(o)
    }

    /// Split into the fields of a `TEEC_UUID` / `TEE_UUID`.
    pub fn fields(&self) -> (u32, u16, u16, [u8; 8]) {
        let o = &self.0;
        let mut seq = [0u8; 8];
        seq.copy_from_slice(&o[8..16]);
        (
            u32::from_be_bytes([o[0], o[1], o[2], o[3]]),
            u16::from_be_bytes([o[4], o[5]]),
            u16::from_be_bytes([o[6], o[7]]),
            seq,
        )
    }

    /// Parse the canonical `8-4-4-4-12` text form.
    pub fn parse(s: &str) -> Option<Uuid> {
        let b = s.as_bytes();
        if b.len() != 36 {
            return None;
        }
        let mut out = [0u8; 16];
        let mut n = 0;
        let mut i = 0;
        while i < 36 {
            if matches!(i, 8 | 13 | 18 | 23) {
                if b[i] != b'-' {
                    return None;
                }
                i += 1;
                continue;
            }
            let hi = hexval(b[i])?;
            let lo = hexval(*b.get(i + 1)?)?;
            out[n] = (hi << 4) | lo;
            n += 1;
            i += 2;
        }
        Some(Uuid(out))
    }
}

fn hexval(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl core::fmt::Display for Uuid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Direction of a value or memory reference, as seen by the TA.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    In,
    Out,
    InOut,
}

impl Dir {
    pub fn is_input(self) -> bool {
        matches!(self, Dir::In | Dir::InOut)
    }
    pub fn is_output(self) -> bool {
        matches!(self, Dir::Out | Dir::InOut)
    }
}

/// One parameter of an operation, as a client sends it to the core.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientParam {
    None,
    Value {
        dir: Dir,
        a: u32,
        b: u32,
    },
    /// A temporary memory reference (or a region of registered, not
    /// allocated, shared memory) copied into the connection's staging
    /// buffer at `offset`. `null` marks a NULL buffer (size feedback only).
    Staged {
        dir: Dir,
        offset: u64,
        size: u64,
        null: bool,
    },
    /// A region of shared memory allocated by the client and registered
    /// with the core (zero-copy: mapped into the TA).
    Shm {
        dir: Dir,
        id: u32,
        offset: u64,
        size: u64,
    },
}

/// What comes back for each parameter.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutParam {
    None,
    Value {
        a: u32,
        b: u32,
    },
    /// The memref size the TA reported (the written size, or the needed
    /// size with `TEE_ERROR_SHORT_BUFFER`).
    Size(u64),
}

/// The four parameters of an operation.
pub type ClientOp = [ClientParam; 4];
/// The four results of an operation.
pub type OutParams = [OutParam; 4];

/// No parameters.
pub const NO_CLIENT_PARAMS: ClientOp = [ClientParam::None; 4];
/// No results.
pub const NO_OUT_PARAMS: OutParams = [OutParam::None; 4];

/// Requests from a client application's library to the core.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum ClientRequest {
    /// First message of a new context. `tee_name` is the name passed to
    /// TEEC_InitializeContext, if any.
    Hello {
        version: u32,
        tee_name: Option<String>,
    },
    /// Join an existing context from another connection of the same client.
    Attach {
        context: u32,
        token: [u8; 16],
    },
    OpenSession {
        uuid: Uuid,
        login: u32,
        connection_data: u32,
        params: ClientOp,
        cancel_id: u64,
    },
    Invoke {
        session: u32,
        command: u32,
        params: ClientOp,
        cancel_id: u64,
    },
    CloseSession {
        session: u32,
    },
    /// TEEC_RequestCancellation for the operation tagged `cancel_id`.
    Cancel {
        cancel_id: u64,
    },
    /// Register a sealed memfd (attached) as shared memory.
    RegisterShm {
        size: u64,
        flags: u32,
    },
    ReleaseShm {
        id: u32,
    },
    /// Install a sealed memfd (attached) as this connection's staging
    /// buffer; with `session`, as the buffer of that session's calls on
    /// this connection (mapped into the session's TA: no copy in the core).
    SetStaging {
        size: u64,
        session: Option<u32>,
    },
    /// TEEC_FinalizeContext.
    Finalize,
    /// A direct channel to `session`'s TA (one per session): the answer
    /// `Ok` carries a SEQPACKET socket on which [`DirectCall`]s go
    /// straight to the TA process.
    Direct {
        session: u32,
    },
    /// Install a sealed memfd (attached) as the staging buffer of
    /// `session`'s direct calls; the core maps it into the TA at once and
    /// answers [`ClientReply::Shm`] with the id calls name it by.
    DirectStaging {
        session: u32,
        size: u64,
    },
}

/// An invoke sent on a session's direct channel (see
/// [`ClientRequest::Direct`]). Temporary memrefs are in the session's
/// staging buffer `staging` (the id the core mapped it under, 0: none);
/// shared memory by the ids the core gave.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DirectCall {
    pub command: u32,
    pub params: ClientOp,
    pub staging: u32,
    pub cancel_id: u64,
}

/// The TA runtime's answer on a direct channel.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum DirectReply {
    /// The entry point ran.
    Done {
        result: u32,
        origin: u32,
        params: OutParams,
    },
    /// Not run: the TA does not (yet) have what the call refers to (a
    /// buffer the core has not mapped into it): send it through the core.
    Redirect,
}

/// Who may refer to a memory object mapped into a TA (see
/// [`CoreToTa::MapShm`]).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Only the core's own requests.
    Core,
    /// Shared memory of the client context with this id, with its
    /// TEEC_MEM_INPUT/OUTPUT flags.
    Context { id: u32, flags: u32 },
    /// A staging buffer of the session with this TA-side id.
    Session(u32),
}

/// Replies from the core to a client.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum ClientReply {
    Hello {
        context: u32,
        token: [u8; 16],
    },
    Ok,
    /// Result of OpenSession or Invoke. `session` is meaningful for a
    /// successful OpenSession.
    Op {
        result: u32,
        origin: u32,
        session: u32,
        params: OutParams,
    },
    Shm {
        id: u32,
    },
    Error {
        result: u32,
        origin: u32,
    },
}

/// A parameter as the core hands it to a TA.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaParam {
    None,
    Value {
        a: u32,
        b: u32,
    },
    Mem {
        region: Region,
        offset: u64,
        size: u64,
    },
}

/// Where a memory reference lives inside the TA process.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// A NULL buffer.
    Null,
    /// The instance's bounce buffer (copied temporary memrefs).
    Bounce,
    /// A client shared memory object mapped into the TA.
    Shm(u32),
}

/// Parameters of an entry point call: GP param types plus the four params.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaOp {
    pub param_types: u32,
    pub params: [TaParam; 4],
}

/// The identity of the client of a session (gpd.client.identity).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    pub login: u32,
    pub uuid: Uuid,
}

/// The TA's own properties, as the core read them from the signed image.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct TaProps {
    pub uuid: Uuid,
    pub flags: u32,
    pub stack_size: u32,
    pub data_size: u32,
    pub version: String,
    pub description: String,
    /// The TA's own extra properties declared in its image.
    pub ext: Vec<Property>,
}

/// A typed property value (GP property types).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum PropValue {
    Bool(bool),
    U32(u32),
    U64(u64),
    Uuid(Uuid),
    Identity(Identity),
    String(String),
    Binary(Vec<u8>),
}

impl PropValue {
    /// The textual form (TEE_GetPropertyAsString): booleans as
    /// "true"/"false", integers in decimal, UUIDs in canonical form,
    /// identities as `"<login in hex>:<uuid>"`, binary blocks in Base64.
    pub fn to_text(&self) -> String {
        match self {
            PropValue::Bool(b) => String::from(if *b { "true" } else { "false" }),
            PropValue::U32(n) => alloc::format!("{n}"),
            PropValue::U64(n) => alloc::format!("{n}"),
            PropValue::Uuid(u) => alloc::format!("{u}"),
            PropValue::Identity(i) => alloc::format!("{:08x}:{}", i.login, i.uuid),
            PropValue::String(s) => s.clone(),
            PropValue::Binary(b) => base64(b),
        }
    }
}

/// Standard Base64 (RFC 4648, with padding).
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = ((c[0] as u32) << 16)
            | ((*c.get(1).unwrap_or(&0) as u32) << 8)
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decode standard Base64 (padding optional); None on a bad character.
pub fn unbase64(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in s.trim_end_matches('=').as_bytes() {
        acc = (acc << 6) | val(c)? as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Base64 as OP-TEE's TA library decodes a binary-block property of a TA
/// header: characters outside the alphabet are skipped, the first `=`
/// ends the text, and a final lone sextet is dropped; never fails. TAs
/// written for OP-TEE rely on it (line breaks, missing padding).
pub fn unbase64_lenient(s: &str) -> Vec<u8> {
    let text = s.split('=').next().unwrap_or("");
    let clean: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
        .collect();
    // Only alphabet characters are left.
    unbase64(&clean).unwrap_or_default()
}

/// A named property.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    pub value: PropValue,
}

/// Requests from the core to a TA process. The TA answers each request
/// that runs an entry point with exactly one [`TaReply`]; `MapShm`,
/// `UnmapShm` and `SetBounce` have no answer.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum CoreToTa {
    /// Run TA_CreateEntryPoint. `tee` is the implementation property set
    /// (TEE_PROPSET_TEE_IMPLEMENTATION), owned by the core.
    /// `ta` is the TA's property set (TEE_PROPSET_CURRENT_TA: the gpd.ta.*
    /// properties, then the extra ones), also computed by the core.
    Create {
        props: TaProps,
        ta: Vec<Property>,
        tee: Vec<Property>,
    },
    OpenSession {
        session: u32,
        client: Identity,
        op: TaOp,
    },
    Invoke {
        session: u32,
        command: u32,
        op: TaOp,
    },
    CloseSession {
        session: u32,
    },
    /// Run TA_DestroyEntryPoint, then exit.
    Destroy,
    /// Map the attached memfd as shared memory object `id`.
    MapShm {
        id: u32,
        size: u64,
        owner: Owner,
    },
    /// The attached socket is where the TA sends its own requests (and
    /// a panic) while it runs a direct call (sent once, before the first
    /// `Attach`); the core answers them there.
    Service,
    /// The attached socket is a direct channel of `session` (which belongs
    /// to client context `context`): serve [`DirectCall`]s on it until
    /// the client closes it or the session closes.
    Attach {
        session: u32,
        context: u32,
        /// The channel's pending-cancellation slot in the control page.
        slot: u32,
    },
    UnmapShm {
        id: u32,
    },
    /// Replace the bounce buffer with the attached memfd.
    SetBounce {
        size: u64,
    },
    /// Answer to [`TaReply::GrowCallBuffer`]: the new call buffer (memfd
    /// attached), which replaces the old one.
    SetCallBuffer {
        size: u64,
    },
    /// Answer to [`TaReply::Call`].
    CallDone {
        result: u32,
        origin: u32,
        session: u32,
        params: OutParams,
    },
    /// Answer to a [`TaCall::Storage`] request: a GP return code and,
    /// on success, what the request asked for.
    StorageDone {
        result: u32,
        reply: StorageReply,
    },
    /// Sent right after the process starts, before anything else: a
    /// verified library TA (sealed memfd of `size` bytes attached) the TA
    /// may use; `linked` when the TA (or a library) was linked against it,
    /// else it may `dlopen` it. Dependencies come first.
    Library {
        uuid: Uuid,
        size: u64,
        linked: bool,
    },
    /// The end of the libraries (sent to every TA process, even with none).
    LibrariesDone,
}

/// The key part of a persistent object as the TA hands it to the store:
/// GP's object fields and the attributes, serialized by the TA runtime
/// (opaque to the core, which only stores them encrypted).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct StoredAttrs {
    pub object_type: u32,
    pub object_size: u32,
    pub max_object_size: u32,
    pub usage: u32,
    #[serde(with = "serde_bytes")]
    pub attributes: Vec<u8>,
}

/// GP's `TEE_ObjectInfo` of a persistent object (handle).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoredInfo {
    pub object_type: u32,
    pub object_size: u32,
    pub max_object_size: u32,
    pub usage: u32,
    pub data_size: u32,
    pub data_position: u32,
    pub handle_flags: u32,
}

/// A Trusted Storage request (GP 1.3.1 chapter 5.7-5.9) of a TA, sent in
/// the middle of an entry point. Handles are the core's, per instance;
/// bulk data travels in the TA's call buffer (from offset 0).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum StorageCall {
    /// TEE_OpenPersistentObject.
    Open {
        storage_id: u32,
        id: Vec<u8>,
        flags: u32,
    },
    /// TEE_CreatePersistentObject; `data_len` bytes of initial data are
    /// in the call buffer.
    Create {
        storage_id: u32,
        id: Vec<u8>,
        flags: u32,
        attrs: StoredAttrs,
        data_len: u64,
    },
    /// TEE_CloseObject.
    Close { handle: u32 },
    /// TEE_CloseAndDeletePersistentObject1.
    CloseAndDelete { handle: u32 },
    /// TEE_RenamePersistentObject.
    Rename { handle: u32, id: Vec<u8> },
    /// TEE_ReadObjectData of up to `len` bytes into the call buffer.
    Read { handle: u32, len: u64 },
    /// TEE_WriteObjectData of `len` bytes from the call buffer.
    Write { handle: u32, len: u64 },
    /// TEE_TruncateObjectData.
    Truncate { handle: u32, size: u32 },
    /// TEE_SeekObjectData.
    Seek {
        handle: u32,
        offset: i64,
        whence: u32,
    },
    /// TEE_GetObjectInfo1.
    Info { handle: u32 },
    /// TEE_RestrictObjectUsage1 (persisted).
    RestrictUsage { handle: u32, usage: u32 },
    /// The stored attributes of the object (to rebuild its key).
    Attributes { handle: u32 },
    /// Enumeration: the first object of `storage_id` whose id sorts after
    /// `after` (from the start when `None`).
    Next {
        storage_id: u32,
        after: Option<Vec<u8>>,
    },
}

/// What a successful [`StorageCall`] returns.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum StorageReply {
    None,
    /// Open and Create: the new handle and its info.
    Handle {
        handle: u32,
        info: StoredInfo,
    },
    Info(StoredInfo),
    /// Read: the bytes now at the start of the call buffer.
    Read(u64),
    /// Seek: the new position.
    Position(u32),
    Attributes(StoredAttrs),
    /// Next: the object's id and info.
    Next {
        id: Vec<u8>,
        info: StoredInfo,
    },
}

/// A parameter of a TA-to-TA call, as the calling TA sends it. Memory
/// references are copied into the caller's call buffer at `offset`.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallParam {
    None,
    Value { a: u32, b: u32 },
    Mem { offset: u64, size: u64, null: bool },
}

/// A TA-to-TA request (TEE_OpenTASession, TEE_InvokeTACommand,
/// TEE_CloseTASession), sent by a TA in the middle of an entry point.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum TaCall {
    Open {
        uuid: Uuid,
        param_types: u32,
        params: [CallParam; 4],
        /// Cancel the call after this many ms (u32::MAX: never).
        timeout_ms: u32,
    },
    Invoke {
        session: u32,
        command: u32,
        param_types: u32,
        params: [CallParam; 4],
        timeout_ms: u32,
    },
    Close {
        session: u32,
    },
    /// TEE_GetTAPersistentTime; the answer's `params[0]` is the time as a
    /// value (a = seconds, b = milliseconds).
    GetPersistentTime,
    /// TEE_SetTAPersistentTime.
    SetPersistentTime {
        seconds: u32,
        millis: u32,
    },
    /// Trusted Storage; the core answers with [`CoreToTa::StorageDone`].
    Storage(StorageCall),
}

/// Answers from a TA process to the core.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum TaReply {
    /// The entry point returned `result`; `params` carries value outputs
    /// and memref sizes.
    Done { result: u32, params: OutParams },
    /// TEE_Panic(code): the TA is about to exit.
    Panic { code: u32 },
    /// A TA-to-TA call; the core answers with [`CoreToTa::CallDone`].
    Call(TaCall),
    /// The TA needs a call buffer of at least `size` bytes; the core
    /// answers with [`CoreToTa::SetCallBuffer`].
    GrowCallBuffer { size: u64 },
}

/// The core's requests to the normal-world supplicant, which keeps the
/// trusted storage's blobs as files. Everything in a blob is ciphertext
/// the core authenticates; names are the store's opaque hex names.
/// Data travels in pieces of at most [`SUPPLICANT_PIECE`] bytes.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum SupplicantRequest {
    /// Up to `len` bytes at `offset` (fewer only at the end).
    ReadAt {
        name: String,
        offset: u64,
        len: u32,
    },
    /// Writes, in order (each creating its blob, zero-filling a gap);
    /// durable after Sync. At most [`limits::SUPPLICANT_WRITES`] of them,
    /// their data at most [`SUPPLICANT_PIECE`] bytes in all: a commit's
    /// scattered blocks travel together, not one round trip each.
    Write {
        writes: Vec<BlobWrite>,
    },
    SetLen {
        name: String,
        len: u64,
    },
    Size {
        name: String,
    },
    Remove {
        name: String,
    },
    /// Make the named blobs' contents and existence durable.
    Sync {
        names: Vec<String>,
    },
    /// Blob names sorting after `after`, at most [`SUPPLICANT_NAMES`].
    List {
        after: Option<String>,
    },
    /// Invoke a supplicant plugin (tee-supplicant's plugin interface):
    /// the plugin `uuid` (RFC 4122 octets), its command and sub-command,
    /// and its in/out buffer (at most [`SUPPLICANT_PIECE`] bytes).
    Plugin {
        uuid: [u8; 16],
        cmd: u32,
        sub_cmd: u32,
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
}

/// One write of a [`SupplicantRequest::Write`].
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct BlobWrite {
    pub name: String,
    pub offset: u64,
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
}

/// The supplicant's answers.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum SupplicantReply {
    Data(#[serde(with = "serde_bytes")] Vec<u8>),
    /// A plugin's result and output (at most the buffer it was given).
    Plugin {
        result: u32,
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    Done,
    Size(Option<u64>),
    Names(Vec<String>),
    NotFound,
    NoSpace,
    Failed,
}

/// The core's requests to a TA instance's network supplicant (`oxtee
/// supplicant --net`, a normal-world process of the instance's own, whose
/// sockets are the GP TEE Sockets API's; see `oxtee_tee_supplicant::socket`).
/// One request at a time; [`NetRequest::Cancel`] may follow a request in
/// flight (the process then ends that request early and answers it; it
/// never answers a `Cancel` itself).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum NetRequest {
    /// Connect a TCP or UDP socket (`protocol`: `TEE_ISOCKET_PROTOCOLID_*`)
    /// to `host` (a name or an address) at `port`; `ip_version`:
    /// `TEE_IP_VERSION_*`.
    Open {
        ip_version: u32,
        host: String,
        port: u16,
        protocol: u32,
    },
    Close {
        handle: u32,
    },
    /// Send `data` within `timeout_ms` (`u32::MAX`: no limit).
    Send {
        handle: u32,
        timeout_ms: u32,
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    /// Receive at most `len` bytes within `timeout_ms`.
    Recv {
        handle: u32,
        timeout_ms: u32,
        len: u32,
    },
    Ioctl {
        handle: u32,
        command: u32,
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    /// End the request in flight (its answer is `TEE_ERROR_CANCEL`).
    Cancel,
}

/// The network supplicant's answer: a GP result, a value (the handle
/// opened, the bytes sent) and data (received, or an ioctl's output).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct NetReply {
    pub result: u32,
    pub value: u32,
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
}

/// The largest piece of data in one network request or answer.
pub const NET_PIECE: usize = 64 * 1024;
/// The largest network message (a piece and its framing, or a host name).
pub const NET_MAX_MESSAGE: usize = NET_PIECE + 1024;

/// The largest piece of blob data in one supplicant message.
pub const SUPPLICANT_PIECE: usize = 128 * 1024;
/// The largest supplicant message (a piece and its framing: the names and
/// offsets of up to [`limits::SUPPLICANT_WRITES`] writes).
pub const SUPPLICANT_MAX_MESSAGE: usize = SUPPLICANT_PIECE + 8192;
/// The most names in one `List` answer.
pub const SUPPLICANT_NAMES: usize = 128;

/// Decoding failures. Every one of them means the peer is misbehaving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    TooLong,
    Malformed,
    TrailingBytes,
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            DecodeError::TooLong => "message too long",
            DecodeError::Malformed => "malformed message",
            DecodeError::TrailingBytes => "trailing bytes after message",
        })
    }
}

/// Encode a message. Messages built by this crate's types always fit in
/// [`MAX_MESSAGE`] except for pathological strings, which are refused.
pub fn encode<T: Serialize>(msg: &T) -> Result<Vec<u8>, DecodeError> {
    let v = postcard::to_allocvec(msg).map_err(|_| DecodeError::Malformed)?;
    if v.len() > MAX_MESSAGE {
        return Err(DecodeError::TooLong);
    }
    Ok(v)
}

/// Decode exactly one message from `bytes`, rejecting oversized input and
/// trailing bytes.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    decode_with_limit(bytes, MAX_MESSAGE)
}

/// [`encode`] with another size limit (the supplicant link's).
pub fn encode_with_limit<T: Serialize>(msg: &T, max: usize) -> Result<Vec<u8>, DecodeError> {
    let v = postcard::to_allocvec(msg).map_err(|_| DecodeError::Malformed)?;
    if v.len() > max {
        return Err(DecodeError::TooLong);
    }
    Ok(v)
}

/// [`decode`] with another size limit (the supplicant link's).
pub fn decode_with_limit<T: DeserializeOwned>(bytes: &[u8], max: usize) -> Result<T, DecodeError> {
    if bytes.len() > max {
        return Err(DecodeError::TooLong);
    }
    let (msg, rest) = postcard::take_from_bytes(bytes).map_err(|_| DecodeError::Malformed)?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes);
    }
    Ok(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_text_roundtrip() {
        let s = "8aaaf200-2450-11e4-abe2-0002a5d5c51b";
        let u = Uuid::parse(s).unwrap();
        assert_eq!(alloc::format!("{u}"), s);
        let (a, b, c, d) = u.fields();
        assert_eq!(a, 0x8aaaf200);
        assert_eq!(b, 0x2450);
        assert_eq!(c, 0x11e4);
        assert_eq!(Uuid::from_fields(a, b, c, d), u);
        assert!(Uuid::parse("8aaaf200-2450-11e4-abe2-0002a5d5c51").is_none());
        assert!(Uuid::parse("8aaaf200x2450-11e4-abe2-0002a5d5c51b").is_none());
    }

    #[test]
    fn lenient_base64_decodes_as_optee() {
        for (text, bytes) in [
            ("AAECAwT/", &[0u8, 1, 2, 3, 4, 0xff][..]),
            ("AAEC\n  AwT/", &[0, 1, 2, 3, 4, 0xff]),
            ("Zm8", b"fo"),
            ("Zm8=", b"fo"),
            ("Zg==Zm9v", b"f"),
            ("Zm9v-YmFy!", b"foobar"),
            ("Zm9vY", b"foo"),
            ("", b""),
            ("$$$", b""),
        ] {
            assert_eq!(unbase64_lenient(text), bytes, "{text:?}");
        }
    }

    #[test]
    fn decode_rejects_trailing_and_garbage() {
        let m = ClientRequest::CloseSession { session: 7 };
        let mut b = encode(&m).unwrap();
        assert_eq!(decode::<ClientRequest>(&b).unwrap(), m);
        b.push(0);
        assert_eq!(decode::<ClientRequest>(&b), Err(DecodeError::TrailingBytes));
        assert_eq!(
            decode::<ClientRequest>(&[0xff, 0xff]),
            Err(DecodeError::Malformed)
        );
        assert_eq!(decode::<ClientRequest>(&[]), Err(DecodeError::Malformed));
        let big = alloc::vec![0u8; MAX_MESSAGE + 1];
        assert_eq!(decode::<ClientRequest>(&big), Err(DecodeError::TooLong));
    }
}
