//! Supplicant plugins (OP-TEE's `tee_invoke_supp_plugin`): code the
//! normal-world supplicant loaded, called through the system pseudo-TA.
//! What a plugin sees and returns is normal-world data: check it as such.

use crate::ta_session::{CallArg, CallError, INFINITE, TaSession, Uuid};
use oxtee_gp::pta_system as pta;

/// `PTA_SYSTEM_SUPP_PLUGIN_INVOKE`.
const SUPP_PLUGIN_INVOKE: u32 = 13;

/// Call plugin `plugin` with `cmd` and `sub_cmd` on `buf` (its input,
/// then its output): the length of the output. `Err` with
/// TEE_ERROR_ITEM_NOT_FOUND when no plugin has that UUID, else the
/// plugin's own result.
pub fn invoke(plugin: Uuid, cmd: u32, sub_cmd: u32, buf: &mut [u8]) -> Result<usize, CallError> {
    // The PTA takes a TEE_UUID as it lies in memory.
    let mut id = plugin.0;
    id[..4].reverse();
    id[4..6].reverse();
    id[6..8].reverse();
    let size = buf.len();
    let mut args = [
        CallArg::MemIn {
            buf: Some(&id),
            size: 16,
        },
        CallArg::ValueIn { a: cmd, b: sub_cmd },
        CallArg::MemInOut {
            buf: Some(buf),
            size,
        },
        CallArg::ValueOut { a: 0, b: 0 },
    ];
    let s = TaSession::open(Uuid(pta::UUID), INFINITE, &mut [])?;
    s.invoke(SUPP_PLUGIN_INVOKE, INFINITE, &mut args)?;
    let CallArg::ValueOut { a, .. } = args[3] else {
        unreachable!("the argument set above")
    };
    Ok(a as usize)
}
