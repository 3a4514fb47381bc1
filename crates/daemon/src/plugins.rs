//! Supplicant plugins: shared objects with tee-supplicant's plugin
//! interface, loaded by the supplicant process (the normal world) from a
//! folder, each a `*.plugin` file exporting `plugin_method`:
//!
//! ```c
//! struct plugin_method {
//!     const char *name;
//!     TEEC_UUID uuid;
//!     TEEC_Result (*init)(void);
//!     TEEC_Result (*invoke)(unsigned int cmd, unsigned int sub_cmd,
//!                           void *data, size_t in_len, size_t *out_len);
//! };
//! ```
//!
//! `init` runs once, when the plugin is loaded; `invoke` gets a TA's
//! buffer in place and reports how much of it is output. A plugin is
//! normal-world code: the core checks what comes back (an output longer
//! than the buffer is an error), and the TA sandbox is not involved.

use std::ffi::{CStr, c_char, c_uint, c_void};
use std::path::Path;

/// `TEEC_UUID`.
#[repr(C)]
#[derive(Clone, Copy)]
struct TeecUuid {
    time_low: u32,
    time_mid: u16,
    time_hi_and_version: u16,
    clock_seq_and_node: [u8; 8],
}

type Init = unsafe extern "C" fn() -> u32;
type Invoke = unsafe extern "C" fn(c_uint, c_uint, *mut c_void, usize, *mut usize) -> u32;

/// tee-supplicant's `struct plugin_method`.
#[repr(C)]
struct PluginMethod {
    name: *const c_char,
    uuid: TeecUuid,
    init: Option<Init>,
    invoke: Option<Invoke>,
}

/// `TEEC_ERROR_ITEM_NOT_FOUND`: no plugin has the UUID asked for.
pub const ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
/// `TEEC_ERROR_GENERIC`: a plugin broke its interface.
pub const GENERIC: u32 = 0xFFFF_0000;

struct Plugin {
    uuid: [u8; 16],
    invoke: Invoke,
    /// Keeps the code `invoke` points into mapped.
    _lib: libloading::Library,
}

/// The plugins of one folder.
#[derive(Default)]
pub struct Plugins {
    list: Vec<Plugin>,
}

impl Plugins {
    /// Load every `*.plugin` in `dir` and run its `init`; one that does
    /// not load, lacks `plugin_method` or whose `init` fails is logged
    /// and left out (as tee-supplicant does).
    pub fn load(dir: &Path) -> Plugins {
        let mut list = Vec::new();
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!("supplicant plugins: {}: {e}", dir.display());
                return Plugins { list };
            }
        };
        let mut paths: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "plugin"))
            .collect();
        paths.sort();
        for path in paths {
            match load_one(&path) {
                Ok((p, name)) => {
                    if list.iter().any(|q: &Plugin| q.uuid == p.uuid) {
                        tracing::warn!(
                            "supplicant plugin {name} ({}): its UUID is taken; skipped",
                            path.display()
                        );
                        continue;
                    }
                    tracing::info!("supplicant plugin {name} loaded from {}", path.display());
                    list.push(p);
                }
                Err(e) => tracing::warn!("supplicant plugin {}: {e}", path.display()),
            }
        }
        Plugins { list }
    }

    /// Invoke plugin `uuid` on `data` in place: its result and how many
    /// bytes of `data` are output.
    pub fn invoke(&self, uuid: &[u8; 16], cmd: u32, sub_cmd: u32, data: &mut [u8]) -> (u32, usize) {
        let Some(p) = self.list.iter().find(|p| &p.uuid == uuid) else {
            return (ITEM_NOT_FOUND, 0);
        };
        let mut out_len = 0usize;
        // A buffer that is never null, even when empty.
        let mut empty = [0u8; 1];
        let ptr = if data.is_empty() {
            empty.as_mut_ptr()
        } else {
            data.as_mut_ptr()
        };
        // SAFETY: `invoke` is the plugin's function with tee-supplicant's
        // signature (its `plugin_method` says so; a plugin that lies is
        // normal-world code crashing the normal world's supplicant, which
        // the core restarts). `ptr` points to `data.len()` writable bytes
        // (or one, when empty) that live across the call; `out_len` is a
        // valid `size_t`.
        let r = unsafe { (p.invoke)(cmd, sub_cmd, ptr.cast(), data.len(), &mut out_len) };
        if out_len > data.len() {
            tracing::warn!(
                "a supplicant plugin reported {out_len} bytes of output in a {}-byte buffer",
                data.len()
            );
            return (GENERIC, 0);
        }
        (r, out_len)
    }
}

fn load_one(path: &Path) -> Result<(Plugin, String), String> {
    // SAFETY: loading a shared object runs its initialisers: plugins are
    // trusted by whoever installed them in the plugin folder, as
    // tee-supplicant trusts its own; this is the supplicant process, the
    // normal world, never the core.
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| e.to_string())?;
    // SAFETY: the symbol is tee-supplicant's `struct plugin_method`
    // (layout above, `repr(C)`); it lives as long as `lib`, which the
    // plugin keeps.
    let method: *const PluginMethod = unsafe {
        *lib.get::<*const PluginMethod>(b"plugin_method\0")
            .map_err(|e| format!("no plugin_method ({e})"))?
    };
    if method.is_null() {
        return Err("plugin_method is null".into());
    }
    // SAFETY: non-null, and points to the plugin's static struct (see
    // above), read once here.
    let m = unsafe { &*method };
    let name = if m.name.is_null() {
        String::from("(unnamed)")
    } else {
        // SAFETY: a non-null `name` is the plugin's NUL-terminated
        // string constant.
        unsafe { CStr::from_ptr(m.name) }
            .to_string_lossy()
            .into_owned()
    };
    let invoke = m.invoke.ok_or("plugin_method has no invoke")?;
    if let Some(init) = m.init {
        // SAFETY: the plugin's `init`, with tee-supplicant's signature.
        let r = unsafe { init() };
        if r != 0 {
            return Err(format!("{name}: init failed ({r:#x})"));
        }
    }
    let u = m.uuid;
    let mut uuid = [0u8; 16];
    uuid[..4].copy_from_slice(&u.time_low.to_be_bytes());
    uuid[4..6].copy_from_slice(&u.time_mid.to_be_bytes());
    uuid[6..8].copy_from_slice(&u.time_hi_and_version.to_be_bytes());
    uuid[8..].copy_from_slice(&u.clock_seq_and_node);
    Ok((
        Plugin {
            uuid,
            invoke,
            _lib: lib,
        },
        name,
    ))
}
