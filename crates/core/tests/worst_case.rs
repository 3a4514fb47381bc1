//! Every message type's worst case fits the buffer its receiver reads it
//! into: each variant of each message, with every number at its largest
//! encoding and every string, list and byte field at the bound
//! `oxtee_proto::limits` sets for it. A variant added without a worst case
//! here fails `covers_every_variant` (the `match`es below have no
//! wildcard, so a new variant does not even compile without an index).

use oxtee_proto::limits::*;
use oxtee_proto::*;
use std::collections::BTreeSet;

const U32: u32 = u32::MAX;
const U64: u64 = u64::MAX;
const UUID: Uuid = Uuid([0xff; 16]);

fn text(n: usize) -> String {
    "x".repeat(n)
}

fn bytes(n: usize) -> Vec<u8> {
    vec![0xff; n]
}

fn client_params() -> ClientOp {
    // Shm is the longest form (an id besides offset and size).
    [ClientParam::Shm {
        dir: Dir::InOut,
        id: U32,
        offset: U64,
        size: U64,
    }; 4]
}

fn out_params() -> OutParams {
    [OutParam::Size(U64); 4]
}

fn ta_op() -> TaOp {
    TaOp {
        param_types: U32,
        params: [TaParam::Mem {
            region: Region::Shm(U32),
            offset: U64,
            size: U64,
        }; 4],
    }
}

fn call_params() -> [CallParam; 4] {
    [CallParam::Mem {
        offset: U64,
        size: U64,
        null: true,
    }; 4]
}

fn stored_attrs() -> StoredAttrs {
    StoredAttrs {
        object_type: U32,
        object_size: U32,
        max_object_size: U32,
        usage: U32,
        attributes: bytes(STORED_ATTRIBUTES),
    }
}

fn stored_info() -> StoredInfo {
    StoredInfo {
        object_type: U32,
        object_size: U32,
        max_object_size: U32,
        usage: U32,
        data_size: U32,
        data_position: U32,
        handle_flags: U32,
    }
}

/// Extra properties whose encoding is as close to [`EXT_PROPS`] as a TA
/// image may carry (the core refuses a longer list when it loads the image).
fn ext_props() -> Vec<Property> {
    let one = |i: usize| Property {
        name: format!("com.example.worst.case.{i:04}"),
        value: PropValue::Binary(bytes(200)),
    };
    let mut v = Vec::new();
    while encode(&[v.clone(), vec![one(v.len())]].concat())
        .unwrap()
        .len()
        <= EXT_PROPS
    {
        v.push(one(v.len()));
    }
    assert!(encode(&v).unwrap().len() > EXT_PROPS - 300);
    v
}

fn ta_props() -> TaProps {
    TaProps {
        uuid: UUID,
        flags: U32,
        stack_size: U32,
        data_size: U32,
        version: text(TA_VERSION),
        description: text(TA_DESCRIPTION),
        ext: ext_props(),
    }
}

fn client_request_index(m: &ClientRequest) -> usize {
    match m {
        ClientRequest::Hello { .. } => 0,
        ClientRequest::Attach { .. } => 1,
        ClientRequest::OpenSession { .. } => 2,
        ClientRequest::Invoke { .. } => 3,
        ClientRequest::CloseSession { .. } => 4,
        ClientRequest::Cancel { .. } => 5,
        ClientRequest::RegisterShm { .. } => 6,
        ClientRequest::ReleaseShm { .. } => 7,
        ClientRequest::SetStaging { .. } => 8,
        ClientRequest::Finalize => 9,
        ClientRequest::Direct { .. } => 10,
        ClientRequest::DirectStaging { .. } => 11,
    }
}

fn client_requests() -> Vec<ClientRequest> {
    vec![
        ClientRequest::Hello {
            version: U32,
            tee_name: Some(text(TEE_NAME)),
        },
        ClientRequest::Attach {
            context: U32,
            token: [0xff; 16],
        },
        ClientRequest::OpenSession {
            uuid: UUID,
            login: U32,
            connection_data: U32,
            params: client_params(),
            cancel_id: U64,
        },
        ClientRequest::Invoke {
            session: U32,
            command: U32,
            params: client_params(),
            cancel_id: U64,
        },
        ClientRequest::CloseSession { session: U32 },
        ClientRequest::Cancel { cancel_id: U64 },
        ClientRequest::RegisterShm {
            size: U64,
            flags: U32,
        },
        ClientRequest::ReleaseShm { id: U32 },
        ClientRequest::SetStaging {
            size: U64,
            session: Some(U32),
        },
        ClientRequest::Finalize,
        ClientRequest::Direct { session: U32 },
        ClientRequest::DirectStaging {
            session: U32,
            size: U64,
        },
    ]
}

fn client_reply_index(m: &ClientReply) -> usize {
    match m {
        ClientReply::Hello { .. } => 0,
        ClientReply::Ok => 1,
        ClientReply::Op { .. } => 2,
        ClientReply::Shm { .. } => 3,
        ClientReply::Error { .. } => 4,
    }
}

fn client_replies() -> Vec<ClientReply> {
    vec![
        ClientReply::Hello {
            context: U32,
            token: [0xff; 16],
        },
        ClientReply::Ok,
        ClientReply::Op {
            result: U32,
            origin: U32,
            session: U32,
            params: out_params(),
        },
        ClientReply::Shm { id: U32 },
        ClientReply::Error {
            result: U32,
            origin: U32,
        },
    ]
}

fn storage_reply_index(m: &StorageReply) -> usize {
    match m {
        StorageReply::None => 0,
        StorageReply::Handle { .. } => 1,
        StorageReply::Info(_) => 2,
        StorageReply::Read(_) => 3,
        StorageReply::Position(_) => 4,
        StorageReply::Attributes(_) => 5,
        StorageReply::Next { .. } => 6,
    }
}

fn storage_replies() -> Vec<StorageReply> {
    vec![
        StorageReply::None,
        StorageReply::Handle {
            handle: U32,
            info: stored_info(),
        },
        StorageReply::Info(stored_info()),
        StorageReply::Read(U64),
        StorageReply::Position(U32),
        StorageReply::Attributes(stored_attrs()),
        StorageReply::Next {
            id: bytes(OBJECT_ID),
            info: stored_info(),
        },
    ]
}

fn core_to_ta_index(m: &CoreToTa) -> usize {
    match m {
        CoreToTa::Create { .. } => 0,
        CoreToTa::OpenSession { .. } => 1,
        CoreToTa::Invoke { .. } => 2,
        CoreToTa::CloseSession { .. } => 3,
        CoreToTa::Destroy => 4,
        CoreToTa::MapShm { .. } => 5,
        CoreToTa::UnmapShm { .. } => 6,
        CoreToTa::SetBounce { .. } => 7,
        CoreToTa::SetCallBuffer { .. } => 8,
        CoreToTa::CallDone { .. } => 9,
        CoreToTa::StorageDone { .. } => 10,
        CoreToTa::Library { .. } => 11,
        CoreToTa::LibrariesDone => 12,
        CoreToTa::Service => 13,
        CoreToTa::Attach { .. } => 14,
    }
}

fn core_to_ta() -> Vec<CoreToTa> {
    // The core's own implementation properties, with the longest version
    // string a build could carry.
    let tee = oxtee_core::props::implementation(UUID, &text(64));
    assert!(encode(&tee).unwrap().len() <= TEE_PROPS);
    let props = ta_props();
    let mut v = vec![
        // As the core sends it: the extra properties once, in `ta`.
        CoreToTa::Create {
            props: TaProps {
                ext: Vec::new(),
                ..props.clone()
            },
            ta: oxtee_core::props::current_ta(&props),
            tee,
        },
        CoreToTa::OpenSession {
            session: U32,
            client: Identity {
                login: U32,
                uuid: UUID,
            },
            op: ta_op(),
        },
        CoreToTa::Invoke {
            session: U32,
            command: U32,
            op: ta_op(),
        },
        CoreToTa::CloseSession { session: U32 },
        CoreToTa::Destroy,
        CoreToTa::MapShm {
            id: U32,
            size: U64,
            owner: Owner::Context {
                id: U32,
                flags: U32,
            },
        },
        CoreToTa::Service,
        CoreToTa::Attach {
            session: U32,
            context: U32,
            slot: U32,
        },
        CoreToTa::UnmapShm { id: U32 },
        CoreToTa::SetBounce { size: U64 },
        CoreToTa::SetCallBuffer { size: U64 },
        CoreToTa::CallDone {
            result: U32,
            origin: U32,
            session: U32,
            params: out_params(),
        },
        CoreToTa::Library {
            uuid: UUID,
            size: U64,
            linked: true,
        },
        CoreToTa::LibrariesDone,
    ];
    for reply in storage_replies() {
        v.push(CoreToTa::StorageDone { result: U32, reply });
    }
    v
}

fn storage_call_index(m: &StorageCall) -> usize {
    match m {
        StorageCall::Open { .. } => 0,
        StorageCall::Create { .. } => 1,
        StorageCall::Close { .. } => 2,
        StorageCall::CloseAndDelete { .. } => 3,
        StorageCall::Rename { .. } => 4,
        StorageCall::Read { .. } => 5,
        StorageCall::Write { .. } => 6,
        StorageCall::Truncate { .. } => 7,
        StorageCall::Seek { .. } => 8,
        StorageCall::Info { .. } => 9,
        StorageCall::RestrictUsage { .. } => 10,
        StorageCall::Attributes { .. } => 11,
        StorageCall::Next { .. } => 12,
    }
}

fn storage_calls() -> Vec<StorageCall> {
    vec![
        StorageCall::Open {
            storage_id: U32,
            id: bytes(OBJECT_ID),
            flags: U32,
        },
        StorageCall::Create {
            storage_id: U32,
            id: bytes(OBJECT_ID),
            flags: U32,
            attrs: stored_attrs(),
            data_len: U64,
        },
        StorageCall::Close { handle: U32 },
        StorageCall::CloseAndDelete { handle: U32 },
        StorageCall::Rename {
            handle: U32,
            id: bytes(OBJECT_ID),
        },
        StorageCall::Read {
            handle: U32,
            len: U64,
        },
        StorageCall::Write {
            handle: U32,
            len: U64,
        },
        StorageCall::Truncate {
            handle: U32,
            size: U32,
        },
        StorageCall::Seek {
            handle: U32,
            offset: i64::MIN,
            whence: U32,
        },
        StorageCall::Info { handle: U32 },
        StorageCall::RestrictUsage {
            handle: U32,
            usage: U32,
        },
        StorageCall::Attributes { handle: U32 },
        StorageCall::Next {
            storage_id: U32,
            after: Some(bytes(OBJECT_ID)),
        },
    ]
}

fn ta_call_index(m: &TaCall) -> usize {
    match m {
        TaCall::Open { .. } => 0,
        TaCall::Invoke { .. } => 1,
        TaCall::Close { .. } => 2,
        TaCall::GetPersistentTime => 3,
        TaCall::SetPersistentTime { .. } => 4,
        TaCall::Storage(_) => 5,
    }
}

fn ta_reply_index(m: &TaReply) -> usize {
    match m {
        TaReply::Done { .. } => 0,
        TaReply::Panic { .. } => 1,
        TaReply::Call(_) => 2,
        TaReply::GrowCallBuffer { .. } => 3,
    }
}

fn ta_calls() -> Vec<TaCall> {
    let mut v = vec![
        TaCall::Open {
            uuid: UUID,
            param_types: U32,
            params: call_params(),
            timeout_ms: U32,
        },
        TaCall::Invoke {
            session: U32,
            command: U32,
            param_types: U32,
            params: call_params(),
            timeout_ms: U32,
        },
        TaCall::Close { session: U32 },
        TaCall::GetPersistentTime,
        TaCall::SetPersistentTime {
            seconds: U32,
            millis: U32,
        },
    ];
    v.extend(storage_calls().into_iter().map(TaCall::Storage));
    v
}

fn ta_replies() -> Vec<TaReply> {
    let mut v = vec![
        TaReply::Done {
            result: U32,
            params: out_params(),
        },
        TaReply::Panic { code: U32 },
        TaReply::GrowCallBuffer { size: U64 },
    ];
    v.extend(ta_calls().into_iter().map(TaReply::Call));
    v
}

fn supplicant_request_index(m: &SupplicantRequest) -> usize {
    match m {
        SupplicantRequest::ReadAt { .. } => 0,
        SupplicantRequest::Write { .. } => 1,
        SupplicantRequest::SetLen { .. } => 2,
        SupplicantRequest::Size { .. } => 3,
        SupplicantRequest::Remove { .. } => 4,
        SupplicantRequest::Sync { .. } => 5,
        SupplicantRequest::List { .. } => 6,
        SupplicantRequest::Plugin { .. } => 7,
    }
}

fn supplicant_requests() -> Vec<SupplicantRequest> {
    let name = || text(SUPPLICANT_NAME);
    vec![
        SupplicantRequest::ReadAt {
            name: name(),
            offset: U64,
            len: U32,
        },
        // All the data in one write, the other writes empty: every name
        // and offset at its largest.
        SupplicantRequest::Write {
            writes: (0..SUPPLICANT_WRITES)
                .map(|i| BlobWrite {
                    name: name(),
                    offset: U64,
                    data: bytes(if i == 0 { SUPPLICANT_PIECE } else { 0 }),
                })
                .collect(),
        },
        SupplicantRequest::SetLen {
            name: name(),
            len: U64,
        },
        SupplicantRequest::Size { name: name() },
        SupplicantRequest::Remove { name: name() },
        SupplicantRequest::Sync {
            names: (0..SUPPLICANT_SYNC_NAMES).map(|_| name()).collect(),
        },
        SupplicantRequest::List {
            after: Some(name()),
        },
        SupplicantRequest::Plugin {
            uuid: [0xff; 16],
            cmd: U32,
            sub_cmd: U32,
            data: bytes(SUPPLICANT_PIECE),
        },
    ]
}

fn supplicant_reply_index(m: &SupplicantReply) -> usize {
    match m {
        SupplicantReply::Data(_) => 0,
        SupplicantReply::Done => 1,
        SupplicantReply::Size(_) => 2,
        SupplicantReply::Names(_) => 3,
        SupplicantReply::NotFound => 4,
        SupplicantReply::NoSpace => 5,
        SupplicantReply::Failed => 6,
        SupplicantReply::Plugin { .. } => 7,
    }
}

fn supplicant_replies() -> Vec<SupplicantReply> {
    vec![
        SupplicantReply::Data(bytes(SUPPLICANT_PIECE)),
        SupplicantReply::Done,
        SupplicantReply::Size(Some(U64)),
        SupplicantReply::Names(
            (0..SUPPLICANT_NAMES)
                .map(|_| text(SUPPLICANT_NAME))
                .collect(),
        ),
        SupplicantReply::NotFound,
        SupplicantReply::NoSpace,
        SupplicantReply::Failed,
        SupplicantReply::Plugin {
            result: U32,
            data: bytes(SUPPLICANT_PIECE),
        },
    ]
}

/// Encode each message with no limit and check it fits `limit`; returns
/// the largest size, for the report.
fn fits<T: serde::Serialize + std::fmt::Debug>(what: &str, msgs: &[T], limit: usize) -> usize {
    let mut largest = 0;
    for m in msgs {
        let n = encode_with_limit(m, usize::MAX).unwrap().len();
        let name = format!("{m:?}");
        let name = name.split([' ', '(', '{']).next().unwrap_or("");
        assert!(
            n <= limit,
            "{what}::{name}: worst case {n} bytes, receiver reads {limit}"
        );
        largest = largest.max(n);
    }
    largest
}

fn direct_call() -> DirectCall {
    DirectCall {
        command: U32,
        params: [ClientParam::Shm {
            dir: Dir::InOut,
            id: U32,
            offset: U64,
            size: U64,
        }; 4],
        staging: U32,
        cancel_id: U64,
    }
}

fn direct_replies() -> Vec<DirectReply> {
    vec![
        DirectReply::Done {
            result: U32,
            origin: U32,
            params: [OutParam::Size(U64); 4],
        },
        DirectReply::Redirect,
    ]
}

#[test]
fn worst_case_messages_fit() {
    let sizes = [
        fits("ClientRequest", &client_requests(), MAX_MESSAGE),
        fits("ClientReply", &client_replies(), CLIENT_REPLY),
        fits("CoreToTa", &core_to_ta(), MAX_MESSAGE),
        fits("TaReply", &ta_replies(), MAX_MESSAGE),
        fits(
            "SupplicantRequest",
            &supplicant_requests(),
            SUPPLICANT_MAX_MESSAGE,
        ),
        fits(
            "SupplicantReply",
            &supplicant_replies(),
            SUPPLICANT_MAX_MESSAGE,
        ),
        // A direct call's answer is read into a client reply buffer.
        fits("DirectCall", &[direct_call()], MAX_MESSAGE),
        fits("DirectReply", &direct_replies(), CLIENT_REPLY),
    ];
    // The bounds are not vacuous: the worst cases come close to them.
    assert!(sizes[2] > MAX_MESSAGE / 2, "{sizes:?}");
    assert!(sizes[3] > STORED_ATTRIBUTES, "{sizes:?}");
    assert!(sizes[4] > SUPPLICANT_PIECE, "{sizes:?}");
}

#[test]
fn covers_every_variant() {
    fn all<T>(msgs: &[T], index: fn(&T) -> usize, count: usize, what: &str) {
        let seen: BTreeSet<usize> = msgs.iter().map(index).collect();
        assert_eq!(
            seen,
            (0..count).collect(),
            "{what}: a variant has no worst case"
        );
    }
    all(
        &client_requests(),
        client_request_index,
        12,
        "ClientRequest",
    );
    all(&client_replies(), client_reply_index, 5, "ClientReply");
    all(&core_to_ta(), core_to_ta_index, 15, "CoreToTa");
    all(&storage_replies(), storage_reply_index, 7, "StorageReply");
    all(&ta_replies(), ta_reply_index, 4, "TaReply");
    all(&ta_calls(), ta_call_index, 6, "TaCall");
    all(&storage_calls(), storage_call_index, 13, "StorageCall");
    all(
        &supplicant_requests(),
        supplicant_request_index,
        8,
        "SupplicantRequest",
    );
    all(
        &supplicant_replies(),
        supplicant_reply_index,
        8,
        "SupplicantReply",
    );
}

/// The old form of `Create` (extra properties twice) would not fit: the
/// reason the core sends them once.
#[test]
fn extra_properties_twice_would_not_fit() {
    let props = ta_props();
    let twice = CoreToTa::Create {
        ta: oxtee_core::props::current_ta(&props),
        props,
        tee: oxtee_core::props::implementation(UUID, "1.0.0"),
    };
    assert!(encode_with_limit(&twice, usize::MAX).unwrap().len() > MAX_MESSAGE);
}
