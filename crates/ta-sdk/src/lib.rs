//! Write trusted applications in safe Rust.
//!
//! A TA is a binary crate: implement [`TrustedApp`], call
//! [`ta_main!`], and declare the TA's properties in `Cargo.toml`:
//!
//! ```toml
//! [package.metadata.oxtee]
//! uuid = "8aaaf200-2450-11e4-abe2-0002a5d5c51c"
//! flags = ["single-instance", "multi-session"]   # optional
//! stack-size = 16384                                # optional
//! data-size = 32768                                 # optional
//! description = "What this TA does"                 # optional
//! ```
//!
//! `oxtee ta build <crate dir>` builds it as a static executable, embeds
//! those properties in the image and signs it.
//!
//! Parameters are declared in the handler's signature and checked before
//! the handler runs; a mismatch answers `TEE_ERROR_BAD_PARAMETERS`:
//!
//! ```ignore
//! fn invoke(&mut self, _s: &mut (), cmd: u32, p: Params<'_, '_>) -> TeeResult {
//!     match cmd {
//!         0 => p.call(|(v,): &mut (ValueInOut,)| { v.a += 1; Ok(()) }),
//!         _ => Err(TeeError::NOT_SUPPORTED),
//!     }
//! }
//! ```
//!
//! Memory references are read and written by copy: the client can change
//! shared memory at any moment, so a TA only ever sees a snapshot.
//!
//! # Both tiers from one source
//!
//! The SDK is `no_std` (with `alloc`): the same TA source builds for the
//! host tier (a TA process: `oxtee ta build <dir>`) and for S-EL0 on the
//! TrustZone tier (`oxtee ta build --tier tz <dir>`, for
//! `aarch64-unknown-none-softfloat`, over the tier's libutee). A TA crate
//! starts with
//!
//! ```ignore
//! #![no_std]
//! #![cfg_attr(target_os = "none", no_main)]
//! #![forbid(unsafe_code)]
//! use oxtee_ta_sdk::prelude::*;
//! ```
//!
//! and names `Vec`, `String`, `format!` and the like through the
//! [`prelude`] (on the host tier the TA process still links the standard
//! library, through the runtime). On the TrustZone tier the TA's heap
//! (`data-size`) holds every allocation, `Vec`s included; a Rust panic is
//! a `TEE_Panic` on both.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(not(target_os = "none"))]
extern crate std;

/// The runtime under the SDK on this tier.
#[cfg(not(target_os = "none"))]
pub(crate) use oxtee_ta_runtime as rt;
#[cfg(target_os = "none")]
pub(crate) use utee::rt;

/// What a `no_std` TA needs from `alloc`: `use oxtee_ta_sdk::prelude::*;`.
pub mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
    pub use alloc::{format, vec};
}

pub mod attestation;
pub mod bigint;
pub mod crypto;
mod mem_time;
pub mod plugin;
pub mod props;
pub mod socket;
pub mod storage;
pub mod system;
pub mod ta_session;

use crate::rt::{CallParams, EntryPoints};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

pub use mem_time::*;
pub use oxtee_proto::{Identity, Uuid};

/// A GP result code other than success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeeError(pub u32);

impl TeeError {
    pub const GENERIC: TeeError = TeeError(0xFFFF_0000);
    pub const ACCESS_DENIED: TeeError = TeeError(0xFFFF_0001);
    pub const CANCEL: TeeError = TeeError(0xFFFF_0002);
    pub const BAD_FORMAT: TeeError = TeeError(0xFFFF_0005);
    pub const BAD_PARAMETERS: TeeError = TeeError(0xFFFF_0006);
    pub const BAD_STATE: TeeError = TeeError(0xFFFF_0007);
    pub const ITEM_NOT_FOUND: TeeError = TeeError(0xFFFF_0008);
    pub const NOT_SUPPORTED: TeeError = TeeError(0xFFFF_000A);
    pub const OUT_OF_MEMORY: TeeError = TeeError(0xFFFF_000C);
    pub const BUSY: TeeError = TeeError(0xFFFF_000D);
    pub const SHORT_BUFFER: TeeError = TeeError(0xFFFF_0010);
    pub const OVERFLOW: TeeError = TeeError(0xFFFF_300F);
}

pub type TeeResult<T = ()> = Result<T, TeeError>;

/// A trusted application.
pub trait TrustedApp: Sized + 'static {
    /// Per-session state.
    type Session;
    /// TA_CreateEntryPoint.
    fn create() -> TeeResult<Self>;
    /// TA_OpenSessionEntryPoint.
    fn open_session(
        &mut self,
        params: Params<'_, '_>,
        client: Identity,
    ) -> TeeResult<Self::Session>;
    /// TA_CloseSessionEntryPoint.
    fn close_session(&mut self, _session: Self::Session) {}
    /// TA_InvokeCommandEntryPoint.
    fn invoke(
        &mut self,
        session: &mut Self::Session,
        command: u32,
        params: Params<'_, '_>,
    ) -> TeeResult;
    /// TA_DestroyEntryPoint.
    fn destroy(self) {}
}

/// One typed parameter.
pub trait Param: Sized {
    /// TEE_PARAM_TYPE_* of this parameter.
    const TYPE: u32;
    #[doc(hidden)]
    fn extract(p: &CallParams<'_>, i: usize) -> Self;
    #[doc(hidden)]
    fn apply(&self, _p: &mut CallParams<'_>, _i: usize) {}
}

/// An unused parameter slot (TEE_PARAM_TYPE_NONE).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoParam;

impl Param for NoParam {
    const TYPE: u32 = 0;
    fn extract(_: &CallParams<'_>, _: usize) -> Self {
        NoParam
    }
}

/// TEE_PARAM_TYPE_VALUE_INPUT.
#[derive(Debug, Clone, Copy)]
pub struct ValueIn {
    pub a: u32,
    pub b: u32,
}

impl Param for ValueIn {
    const TYPE: u32 = 1;
    fn extract(p: &CallParams<'_>, i: usize) -> Self {
        let (a, b) = p.value(i);
        ValueIn { a, b }
    }
}

/// TEE_PARAM_TYPE_VALUE_OUTPUT (starts as zero).
#[derive(Debug, Default, Clone, Copy)]
pub struct ValueOut {
    pub a: u32,
    pub b: u32,
}

impl Param for ValueOut {
    const TYPE: u32 = 2;
    fn extract(_: &CallParams<'_>, _: usize) -> Self {
        ValueOut::default()
    }
    fn apply(&self, p: &mut CallParams<'_>, i: usize) {
        p.set_value(i, self.a, self.b)
    }
}

/// TEE_PARAM_TYPE_VALUE_INOUT.
#[derive(Debug, Clone, Copy)]
pub struct ValueInOut {
    pub a: u32,
    pub b: u32,
}

impl Param for ValueInOut {
    const TYPE: u32 = 3;
    fn extract(p: &CallParams<'_>, i: usize) -> Self {
        let (a, b) = p.value(i);
        ValueInOut { a, b }
    }
    fn apply(&self, p: &mut CallParams<'_>, i: usize) {
        p.set_value(i, self.a, self.b)
    }
}

/// TEE_PARAM_TYPE_MEMREF_INPUT: a snapshot of the client's buffer.
#[derive(Debug, Clone)]
pub struct MemrefIn {
    data: Vec<u8>,
    null: bool,
}

impl MemrefIn {
    pub fn data(&self) -> &[u8] {
        &self.data
    }
    pub fn len(&self) -> usize {
        self.data.len()
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// The client passed a NULL buffer.
    pub fn is_null(&self) -> bool {
        self.null
    }
}

impl Param for MemrefIn {
    const TYPE: u32 = 5;
    fn extract(p: &CallParams<'_>, i: usize) -> Self {
        MemrefIn {
            data: p.read(i),
            null: p.is_null(i),
        }
    }
}

/// TEE_PARAM_TYPE_MEMREF_OUTPUT: bytes written here are copied to the
/// client's buffer when the handler returns.
#[derive(Debug, Clone)]
pub struct MemrefOut {
    capacity: usize,
    out: Option<Vec<u8>>,
    needed: Option<usize>,
}

impl MemrefOut {
    /// Size of the client's buffer.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
    /// Set the output. When it does not fit, the needed size is reported
    /// to the client and `TEE_ERROR_SHORT_BUFFER` is returned (return it
    /// from the handler).
    pub fn write(&mut self, data: &[u8]) -> TeeResult {
        if data.len() > self.capacity {
            self.needed = Some(data.len());
            self.out = None;
            return Err(TeeError::SHORT_BUFFER);
        }
        self.needed = None;
        self.out = Some(data.to_vec());
        Ok(())
    }
}

fn apply_out(out: &Option<Vec<u8>>, needed: Option<usize>, p: &mut CallParams<'_>, i: usize) {
    if let Some(n) = needed {
        p.set_size(i, n);
    } else if let Some(d) = out
        && p.write(i, d)
    {
        p.set_size(i, d.len());
    }
}

impl Param for MemrefOut {
    const TYPE: u32 = 6;
    fn extract(p: &CallParams<'_>, i: usize) -> Self {
        MemrefOut {
            capacity: p.capacity(i),
            out: None,
            needed: None,
        }
    }
    fn apply(&self, p: &mut CallParams<'_>, i: usize) {
        apply_out(&self.out, self.needed, p, i)
    }
}

/// TEE_PARAM_TYPE_MEMREF_INOUT.
#[derive(Debug, Clone)]
pub struct MemrefInOut {
    data: Vec<u8>,
    out: MemrefOut,
}

impl MemrefInOut {
    pub fn data(&self) -> &[u8] {
        &self.data
    }
    pub fn capacity(&self) -> usize {
        self.out.capacity
    }
    pub fn write(&mut self, data: &[u8]) -> TeeResult {
        self.out.write(data)
    }
}

impl Param for MemrefInOut {
    const TYPE: u32 = 7;
    fn extract(p: &CallParams<'_>, i: usize) -> Self {
        MemrefInOut {
            data: p.read(i),
            out: MemrefOut::extract(p, i),
        }
    }
    fn apply(&self, p: &mut CallParams<'_>, i: usize) {
        self.out.apply(p, i)
    }
}

/// The four parameters of a call, typed as a tuple of [`Param`]s (shorter
/// tuples leave the remaining slots TEE_PARAM_TYPE_NONE).
pub trait ParamSet: Sized {
    const TYPES: u32;
    #[doc(hidden)]
    fn extract(p: &CallParams<'_>) -> Self;
    #[doc(hidden)]
    fn apply(&self, p: &mut CallParams<'_>);
}

macro_rules! param_set {
    ($($t:ident $i:tt),*) => {
        impl<$($t: Param),*> ParamSet for ($($t,)*) {
            const TYPES: u32 = 0 $(| ($t::TYPE << ($i * 4)))*;
            #[allow(unused_variables, clippy::unused_unit)]
            fn extract(p: &CallParams<'_>) -> Self {
                ($($t::extract(p, $i),)*)
            }
            #[allow(unused_variables)]
            fn apply(&self, p: &mut CallParams<'_>) {
                $(self.$i.apply(p, $i);)*
            }
        }
    };
}
param_set!();
param_set!(A 0);
param_set!(A 0, B 1);
param_set!(A 0, B 1, C 2);
param_set!(A 0, B 1, C 2, D 3);

/// The parameters of one entry point call.
pub struct Params<'p, 'a> {
    inner: &'p mut CallParams<'a>,
}

impl Params<'_, '_> {
    /// The raw TEE_PARAM_TYPES value.
    pub fn types(&self) -> u32 {
        self.inner.types
    }

    /// Run `f` on the parameters typed as `S`. If the client's types are
    /// not exactly `S`, `f` does not run and the call answers
    /// `TEE_ERROR_BAD_PARAMETERS`. Outputs are copied back when `f`
    /// returns, whatever it returns (so a short-buffer size reaches the
    /// client).
    pub fn call<S: ParamSet, R>(self, f: impl FnOnce(&mut S) -> TeeResult<R>) -> TeeResult<R> {
        if self.inner.types != S::TYPES {
            return Err(TeeError::BAD_PARAMETERS);
        }
        let mut s = S::extract(self.inner);
        let r = f(&mut s);
        s.apply(self.inner);
        r
    }
}

/// Whether the current operation was cancelled by the client (and
/// cancellation is not masked). TEE_GetCancellationFlag. Cancellation is
/// masked when a session opens: call `mask_cancellation(false)` first.
pub fn cancellation_requested() -> bool {
    crate::rt::cancellation_flag()
}

/// Mask or unmask cancellation; returns the previous mask state.
pub fn mask_cancellation(masked: bool) -> bool {
    crate::rt::set_cancellation_masked(masked)
}

/// Fill `buf` with random bytes. TEE_GenerateRandom.
pub fn generate_random(buf: &mut [u8]) {
    crate::rt::random(buf)
}

/// TEE_Panic: end this TA instance; its sessions see TEE_ERROR_TARGET_DEAD.
pub fn panic(code: u32) -> ! {
    crate::rt::panic_ta(code)
}

/// Log at info level (IMSG).
pub fn log_info(msg: &str) {
    crate::rt::trace(2, "", 0, msg)
}

/// Log at error level (EMSG).
pub fn log_error(msg: &str) {
    crate::rt::trace(1, "", 0, msg)
}

struct Adapter<T: TrustedApp> {
    app: Option<T>,
    sessions: BTreeMap<usize, T::Session>,
    next: usize,
}

fn code(r: TeeResult) -> u32 {
    match r {
        Ok(()) => 0,
        Err(TeeError(c)) => c,
    }
}

impl<T: TrustedApp> EntryPoints for Adapter<T> {
    fn create(&mut self) -> u32 {
        match T::create() {
            Ok(a) => {
                self.app = Some(a);
                0
            }
            Err(e) => e.0,
        }
    }

    fn destroy(&mut self) {
        if let Some(a) = self.app.take() {
            a.destroy()
        }
    }

    fn open_session(&mut self, params: &mut CallParams<'_>) -> (u32, usize) {
        let Some(app) = self.app.as_mut() else {
            return (TeeError::BAD_STATE.0, 0);
        };
        let client = crate::rt::client_identity().unwrap_or(Identity {
            login: 0,
            uuid: Uuid::NIL,
        });
        match app.open_session(Params { inner: params }, client) {
            Ok(s) => {
                self.next += 1;
                self.sessions.insert(self.next, s);
                (0, self.next)
            }
            Err(e) => (e.0, 0),
        }
    }

    fn close_session(&mut self, session: usize) {
        if let (Some(app), Some(s)) = (self.app.as_mut(), self.sessions.remove(&session)) {
            app.close_session(s)
        }
    }

    fn invoke(&mut self, session: usize, command: u32, params: &mut CallParams<'_>) -> u32 {
        let (Some(app), Some(s)) = (self.app.as_mut(), self.sessions.get_mut(&session)) else {
            return TeeError::BAD_STATE.0;
        };
        code(app.invoke(s, command, Params { inner: params }))
    }
}

/// The TEE_Panic code reported for a Rust panic in TA code.
pub const RUST_PANIC_CODE: u32 = 0xFFFF_0000;

impl<T: TrustedApp> Adapter<T> {
    fn new() -> Adapter<T> {
        Adapter {
            app: None,
            sessions: BTreeMap::new(),
            next: 0,
        }
    }
}

/// Run `T` as this process's TA. Called by [`ta_main!`].
///
/// A Rust panic in TA code is a TEE_Panic: its message and location are
/// logged, the instance ends and its sessions see TEE_ERROR_TARGET_DEAD.
#[cfg(not(target_os = "none"))]
pub fn run<T: TrustedApp>() -> ! {
    use alloc::boxed::Box;
    use alloc::string::{String, ToString};
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into());
        let at = info
            .location()
            .map(|l| alloc::format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        crate::rt::trace(1, "", 0, &alloc::format!("TA panicked: {msg}{at}"));
        crate::rt::panic_ta(RUST_PANIC_CODE)
    }));
    let mut a = Adapter::<T>::new();
    crate::rt::run(&mut a)
}

/// The TrustZone tier's entry: the `TA_*EntryPoint` functions
/// [`ta_main!`] defines hand their calls to the runtime (libutee), which
/// enters the TA as it enters a C TA. (A Rust panic is a TEE_Panic there
/// too, logged by the runtime's panic handler.)
#[cfg(target_os = "none")]
#[doc(hidden)]
pub mod __tz {
    pub use crate::rt::entry::{TeeParam, close_session, destroy, invoke, open_session};

    /// TA_CreateEntryPoint of `T`.
    pub fn create<T: crate::TrustedApp>() -> u32 {
        crate::rt::entry::create(alloc::boxed::Box::new(crate::Adapter::<T>::new()))
    }
}

/// Declare the TA: its `main` on the host tier; on the TrustZone tier
/// (`target_os = "none"`, a `no_main` crate) the five GP entry points the
/// runtime calls.
#[macro_export]
macro_rules! ta_main {
    ($app:ty) => {
        #[cfg(not(target_os = "none"))]
        fn main() {
            $crate::run::<$app>()
        }

        #[cfg(target_os = "none")]
        const _: () = {
            #[unsafe(no_mangle)]
            extern "C" fn TA_CreateEntryPoint() -> u32 {
                $crate::__tz::create::<$app>()
            }

            #[unsafe(no_mangle)]
            extern "C" fn TA_DestroyEntryPoint() {
                $crate::__tz::destroy()
            }

            #[unsafe(no_mangle)]
            unsafe extern "C" fn TA_OpenSessionEntryPoint(
                types: u32,
                params: *mut $crate::__tz::TeeParam,
                ctx: *mut *mut ::core::ffi::c_void,
            ) -> u32 {
                // SAFETY: libutee calls this with the call's four
                // parameters and a context slot, valid for the call.
                unsafe { $crate::__tz::open_session(types, params, ctx) }
            }

            #[unsafe(no_mangle)]
            extern "C" fn TA_CloseSessionEntryPoint(ctx: *mut ::core::ffi::c_void) {
                $crate::__tz::close_session(ctx)
            }

            #[unsafe(no_mangle)]
            unsafe extern "C" fn TA_InvokeCommandEntryPoint(
                ctx: *mut ::core::ffi::c_void,
                command: u32,
                types: u32,
                params: *mut $crate::__tz::TeeParam,
            ) -> u32 {
                // SAFETY: as for the open: the call's four parameters.
                unsafe { $crate::__tz::invoke(ctx, command, types, params) }
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn param_set_types_match_gp_packing() {
        assert_eq!(<() as ParamSet>::TYPES, 0);
        assert_eq!(<(ValueInOut,) as ParamSet>::TYPES, 3);
        assert_eq!(<(MemrefIn, MemrefOut) as ParamSet>::TYPES, 5 | (6 << 4));
        assert_eq!(
            <(NoParam, ValueIn, MemrefInOut, ValueOut) as ParamSet>::TYPES,
            (1 << 4) | (7 << 8) | (2 << 12)
        );
    }

    #[test]
    fn memref_out_reports_needed_size() {
        let mut m = MemrefOut {
            capacity: 4,
            out: None,
            needed: None,
        };
        assert_eq!(m.write(&[1, 2, 3, 4, 5]), Err(TeeError::SHORT_BUFFER));
        assert_eq!(m.needed, Some(5));
        assert_eq!(m.write(&[1, 2]), Ok(()));
        assert_eq!(m.needed, None);
    }
}
