//! Errors of the storage engine and their GlobalPlatform codes.

use core::fmt;

/// GP `TEE_ERROR_GENERIC`.
pub const TEE_ERROR_GENERIC: u32 = 0xFFFF_0000;
/// GP `TEE_ERROR_ACCESS_DENIED`.
pub const TEE_ERROR_ACCESS_DENIED: u32 = 0xFFFF_0001;
/// GP `TEE_ERROR_ACCESS_CONFLICT`.
pub const TEE_ERROR_ACCESS_CONFLICT: u32 = 0xFFFF_0003;
/// GP `TEE_ERROR_BAD_PARAMETERS`.
pub const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
/// GP `TEE_ERROR_BAD_STATE`.
pub const TEE_ERROR_BAD_STATE: u32 = 0xFFFF_0007;
/// GP `TEE_ERROR_ITEM_NOT_FOUND`.
pub const TEE_ERROR_ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
/// GP `TEE_ERROR_OUT_OF_MEMORY`.
pub const TEE_ERROR_OUT_OF_MEMORY: u32 = 0xFFFF_000C;
/// GP `TEE_ERROR_SECURITY`.
pub const TEE_ERROR_SECURITY: u32 = 0xFFFF_000F;
/// GP `TEE_ERROR_OVERFLOW`.
pub const TEE_ERROR_OVERFLOW: u32 = 0xFFFF_300F;
/// GP `TEE_ERROR_STORAGE_NO_SPACE`.
pub const TEE_ERROR_STORAGE_NO_SPACE: u32 = 0xFFFF_3041;
/// GP `TEE_ERROR_CORRUPT_OBJECT`.
pub const TEE_ERROR_CORRUPT_OBJECT: u32 = 0xF010_0001;

/// Everything the engine can report. [`Error::code`] gives the GP code.
///
/// [`Error::AccessDenied`] and [`Error::BadState`] report programming
/// errors of the TA (an operation the handle's flags do not allow, an
/// unknown or foreign handle): GP specifies a TA panic for those, so the
/// caller must turn them into a panic of the calling TA instead of
/// returning the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// No such object (or an unsupported storage id).
    ItemNotFound,
    /// The object exists (create without OVERWRITE, rename target) or the
    /// requested access conflicts with another open handle.
    AccessConflict,
    /// An object's file failed authentication, is missing or truncated,
    /// or holds a stale (rolled-back) block. Other objects are unaffected.
    CorruptObject,
    /// The store itself (directory, RPMB frame) failed authentication,
    /// or the RPMB was reset under an existing store.
    Security,
    /// The directory authenticates but is older than the RPMB commit
    /// counter: the normal-world files were rolled back. Code: SECURITY.
    Rollback,
    /// The supplicant reported that it is out of space.
    StorageNoSpace,
    /// An allocation limit was hit.
    OutOfMemory,
    /// A malformed argument (object id length, flags, whence, ...).
    BadParameters,
    /// Supplicant I/O error or unexpected RPMB answer.
    Generic,
    /// A data position would exceed `TEE_DATA_MAX_POSITION`.
    Overflow,
    /// The handle was not opened with the access right the operation
    /// needs (GP: TA panic). Code: ACCESS_DENIED.
    AccessDenied,
    /// Unknown handle, or a handle of another owner (GP: TA panic).
    /// Code: BAD_STATE.
    BadState,
}

impl Error {
    /// The GlobalPlatform `TEE_Result` for this error.
    pub const fn code(self) -> u32 {
        match self {
            Error::ItemNotFound => TEE_ERROR_ITEM_NOT_FOUND,
            Error::AccessConflict => TEE_ERROR_ACCESS_CONFLICT,
            Error::CorruptObject => TEE_ERROR_CORRUPT_OBJECT,
            Error::Security | Error::Rollback => TEE_ERROR_SECURITY,
            Error::StorageNoSpace => TEE_ERROR_STORAGE_NO_SPACE,
            Error::OutOfMemory => TEE_ERROR_OUT_OF_MEMORY,
            Error::BadParameters => TEE_ERROR_BAD_PARAMETERS,
            Error::Generic => TEE_ERROR_GENERIC,
            Error::Overflow => TEE_ERROR_OVERFLOW,
            Error::AccessDenied => TEE_ERROR_ACCESS_DENIED,
            Error::BadState => TEE_ERROR_BAD_STATE,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Error::ItemNotFound => "item not found",
            Error::AccessConflict => "access conflict",
            Error::CorruptObject => "corrupt object",
            Error::Security => "secure storage failed authentication",
            Error::Rollback => "secure storage rolled back (older than the RPMB counter)",
            Error::StorageNoSpace => "storage out of space",
            Error::OutOfMemory => "out of memory",
            Error::BadParameters => "bad parameters",
            Error::Generic => "storage I/O error",
            Error::Overflow => "data position overflow",
            Error::AccessDenied => "handle lacks the access right",
            Error::BadState => "bad object handle",
        };
        write!(f, "{s} (0x{:08x})", self.code())
    }
}

impl core::error::Error for Error {}
