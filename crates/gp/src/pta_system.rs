//! OP-TEE's system pseudo-TA (`pta_system.h`, the same values), with
//! oxtee's sealing command: what TAs of both tiers and the cores that
//! serve them agree on.

/// `PTA_SYSTEM_UUID`, 3a2f8978-5dc0-11e8-9c2d-fa7ae01bbebc (RFC 4122
/// byte order).
pub const UUID: [u8; 16] = [
    0x3a, 0x2f, 0x89, 0x78, 0x5d, 0xc0, 0x11, 0xe8, 0x9c, 0x2d, 0xfa, 0x7a, 0xe0, 0x1b, 0xbe, 0xbc,
];
/// `PTA_SYSTEM_ADD_RNG_ENTROPY`: memref in.
pub const ADD_RNG_ENTROPY: u32 = 0;
/// `PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY`: memref in (extra data), memref out
/// (the key; its size is the key's).
pub const DERIVE_TA_UNIQUE_KEY: u32 = 1;
/// oxtee's `PTA_SYSTEM_OXTEE_DERIVE_SEALING_KEY`: value in (a: the
/// policy, b: the signer policy's version floor, else 0), memref in
/// (extra data), memref out (the key).
pub const OXTEE_DERIVE_SEALING_KEY: u32 = 0x6f78_0001;
/// Policies of [`OXTEE_DERIVE_SEALING_KEY`]: OP-TEE's unique key (UUID).
pub const SEAL_UNIQUE: u32 = 0;
/// UUID, `ta_version` and signer.
pub const SEAL_VERSION: u32 = 1;
/// UUID, signer and a version floor no higher than the TA's version.
pub const SEAL_SIGNER: u32 = 2;
/// `TA_DERIVED_KEY_MIN_SIZE`.
pub const KEY_MIN: usize = 16;
/// `TA_DERIVED_KEY_MAX_SIZE`.
pub const KEY_MAX: usize = 32;
/// `TA_DERIVED_EXTRA_DATA_MAX_SIZE`.
pub const EXTRA_MAX: usize = 1024;

/// OP-TEE's attestation pseudo-TA (`pta_attestation.h`, the same values)
/// with oxtee's PSA token commands.
pub mod attestation {
    /// `PTA_ATTESTATION_UUID`, 39800861-182a-4720-9b67-2bcd622bc0b5.
    pub const UUID: [u8; 16] = [
        0x39, 0x80, 0x08, 0x61, 0x18, 0x2a, 0x47, 0x20, 0x9b, 0x67, 0x2b, 0xcd, 0x62, 0x2b, 0xc0,
        0xb5,
    ];
    /// `PTA_ATTESTATION_GET_PUBKEY`: memref out exponent, memref out
    /// modulus (big-endian), value out (a: the signature algorithm).
    pub const GET_PUBKEY: u32 = 0;
    /// `PTA_ATTESTATION_GET_TA_SHDR_DIGEST`: memref in (a `TEE_UUID`),
    /// memref in nonce, memref out digest || signature.
    pub const GET_TA_SHDR_DIGEST: u32 = 1;
    /// `PTA_ATTESTATION_HASH_TA_MEMORY` (TAs only): memref in nonce,
    /// memref out hash || signature.
    pub const HASH_TA_MEMORY: u32 = 2;
    /// `PTA_ATTESTATION_HASH_TEE_MEMORY`: memref in nonce, memref out
    /// hash || signature.
    pub const HASH_TEE_MEMORY: u32 = 3;
    /// oxtee's `PTA_ATTESTATION_OXTEE_GET_PSA_TOKEN`: memref in challenge
    /// (32, 48 or 64 bytes), memref in the TA's `TEE_UUID` (empty: the
    /// calling TA), memref out the token (COSE_Sign1).
    pub const OXTEE_GET_PSA_TOKEN: u32 = 0x6f78_0001;
    /// oxtee's `PTA_ATTESTATION_OXTEE_GET_PSA_PUBKEY`: memref out, the
    /// token key as an uncompressed SEC1 point (65 bytes).
    pub const OXTEE_GET_PSA_PUBKEY: u32 = 0x6f78_0002;
}

/// OP-TEE's secure-storage TA management pseudo-TA
/// (`pta_secstor_ta_mgmt.h`) with oxtee's list command.
pub mod ta_mgmt {
    /// `PTA_SECSTOR_TA_MGMT_UUID`, 6e256cba-fc4d-4941-ad09-2ca1860342dd.
    pub const UUID: [u8; 16] = [
        0x6e, 0x25, 0x6c, 0xba, 0xfc, 0x4d, 0x49, 0x41, 0xad, 0x09, 0x2c, 0xa1, 0x86, 0x03, 0x42,
        0xdd,
    ];
    /// `PTA_SECSTOR_TA_MGMT_BOOTSTRAP`: memref in, a signed TA image.
    pub const BOOTSTRAP: u32 = 0;
    /// `PTA_SECSTOR_TA_MGMT_UNINSTALL`: memref in, the TA's `TEE_UUID`.
    pub const UNINSTALL: u32 = 1;
    /// oxtee's `PTA_SECSTOR_TA_MGMT_OXTEE_LIST`: memref out, 20 bytes per
    /// installed TA (its UUID's 16 octets, then its `ta_version`,
    /// little-endian).
    pub const LIST: u32 = 0x6f78_0001;
}

/// OP-TEE's socket pseudo-TA (`pta_socket.h`, the same values), through
/// which TAs reach the GP TEE Sockets API's TCP and UDP sockets: the
/// sockets themselves are the normal world's, opened by the supplicant.
pub mod socket {
    /// `PTA_SOCKET_UUID`, 3b996a7d-2c2b-4a49-a896-e1fb5766d2f4.
    pub const UUID: [u8; 16] = [
        0x3b, 0x99, 0x6a, 0x7d, 0x2c, 0x2b, 0x4a, 0x49, 0xa8, 0x96, 0xe1, 0xfb, 0x57, 0x66, 0xd2,
        0xf4,
    ];
    /// `PTA_SOCKET_OPEN`: value in (a: `TEE_IP_VERSION_*`, b: port),
    /// memref in (the server's name or address, NUL-terminated), value in
    /// (a: `TEE_ISOCKET_PROTOCOLID_*`), value out (a: the handle).
    pub const OPEN: u32 = 1;
    /// `PTA_SOCKET_CLOSE`: value in (a: the handle).
    pub const CLOSE: u32 = 2;
    /// `PTA_SOCKET_SEND`: value in (a: handle, b: timeout in ms), memref
    /// in (the data), value out (a: bytes sent).
    pub const SEND: u32 = 3;
    /// `PTA_SOCKET_RECV`: value in (a: handle, b: timeout), memref out.
    pub const RECV: u32 = 4;
    /// `PTA_SOCKET_IOCTL`: value in (a: handle, b: command), memref inout.
    pub const IOCTL: u32 = 5;
    /// `PTA_SOCKET_TIMEOUT_NONBLOCKING`.
    pub const TIMEOUT_NONBLOCKING: u32 = 0;
    /// `PTA_SOCKET_TIMEOUT_BLOCKING` (`TEE_TIMEOUT_INFINITE`).
    pub const TIMEOUT_BLOCKING: u32 = 0xffff_ffff;

    /// `TEE_IP_VERSION_DC`: either.
    pub const IP_VERSION_DC: u32 = 0;
    /// `TEE_IP_VERSION_4`.
    pub const IP_VERSION_4: u32 = 1;
    /// `TEE_IP_VERSION_6`.
    pub const IP_VERSION_6: u32 = 2;
    /// `TEE_ISOCKET_PROTOCOLID_TCP`.
    pub const PROTOCOL_TCP: u32 = 0x65;
    /// `TEE_ISOCKET_PROTOCOLID_UDP`.
    pub const PROTOCOL_UDP: u32 = 0x66;
    /// `TEE_TCP_SET_RECVBUF`: a native `int`, the receive buffer's size.
    pub const TCP_SET_RECVBUF: u32 = 0x65f0_0000;
    /// `TEE_TCP_SET_SENDBUF`: a native `int`.
    pub const TCP_SET_SENDBUF: u32 = 0x65f0_0001;
    /// `TEE_UDP_CHANGEADDR`: the new server, NUL-terminated (same port).
    pub const UDP_CHANGEADDR: u32 = 0x6600_0001;
    /// `TEE_UDP_CHANGEPORT`: a native `uint16_t`, the new port.
    pub const UDP_CHANGEPORT: u32 = 0x6600_0002;

    /// `TEE_ISOCKET_ERROR_PROTOCOL`.
    pub const ERROR_PROTOCOL: u32 = 0xF100_7001;
    /// `TEE_ISOCKET_ERROR_REMOTE_CLOSED`.
    pub const ERROR_REMOTE_CLOSED: u32 = 0xF100_7002;
    /// `TEE_ISOCKET_ERROR_TIMEOUT`.
    pub const ERROR_TIMEOUT: u32 = 0xF100_7003;
    /// `TEE_ISOCKET_ERROR_OUT_OF_RESOURCES`.
    pub const ERROR_OUT_OF_RESOURCES: u32 = 0xF100_7004;
    /// `TEE_ISOCKET_ERROR_LARGE_BUFFER`.
    pub const ERROR_LARGE_BUFFER: u32 = 0xF100_7005;
    /// `TEE_ISOCKET_WARNING_PROTOCOL`.
    pub const WARNING_PROTOCOL: u32 = 0xF100_7006;
    /// `TEE_ISOCKET_ERROR_HOSTNAME`.
    pub const ERROR_HOSTNAME: u32 = 0xF100_7007;

    /// The longest server name or address (with its NUL) a socket takes.
    pub const MAX_HOST: usize = 256;
}
