//! The Linux TEE subsystem backend (`/dev/tee0`): the same Client API
//! over the kernel's TEE driver, as on an OP-TEE device or oxtee's
//! TrustZone tier. Temporary memory references travel through shared
//! memory the driver allocates (copied in before the call, out after it),
//! as optee_client does; allocated shared memory is the driver's, mapped
//! here and passed by id.

use std::path::Path;
use std::sync::Arc;

use oxtee_sys::Mapping;
use oxtee_sys::tee::{self, TeeDevice, attr};
use std::os::fd::AsFd;

use crate::*;

const DEV: &str = "/dev/tee0";

/// The device path this context should use, if any: `OXTEE_BACKEND=tee`
/// forces `/dev/tee0`, `OXTEE_BACKEND=oxtee` the socket; otherwise
/// `/dev/tee0` when it exists and no socket was named (by the name or
/// `OXTEE_SOCKET`). A name starting with `/dev/tee` is a device.
pub(crate) fn device_for(name: Option<&str>) -> Option<&'static Path> {
    choose(
        name,
        std::env::var("OXTEE_BACKEND").ok().as_deref(),
        std::env::var_os("OXTEE_SOCKET").is_some(),
        Path::new(DEV).exists(),
    )
}

fn choose(
    name: Option<&str>,
    backend: Option<&str>,
    socket_named: bool,
    device_exists: bool,
) -> Option<&'static Path> {
    if let Some(n) = name {
        if n.starts_with("/dev/tee") {
            return Some(Path::new(DEV)).filter(|_| n == DEV);
        }
    }
    let default_name = matches!(name, None | Some("") | Some("oxtee"));
    match backend {
        Some("tee") if default_name => Some(Path::new(DEV)),
        Some("oxtee") => None,
        _ if default_name && !socket_named && device_exists => Some(Path::new(DEV)),
        _ => None,
    }
}

/// An open device and what the driver offers.
#[derive(Debug)]
pub(crate) struct Device {
    pub(crate) dev: TeeDevice,
    gen_caps: u32,
}

impl Device {
    pub(crate) fn open(path: &Path) -> Result<Device, Error> {
        let dev = TeeDevice::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => {
                Error::new(TEEC_ERROR_ACCESS_DENIED, TEEC_ORIGIN_COMMS)
            }
            _ => Error::new(TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_COMMS),
        })?;
        let v = dev.version().map_err(|_| Error::comms())?;
        if v.gen_caps & tee::GEN_CAP_GP == 0 {
            return Err(Error::new(TEEC_ERROR_NOT_SUPPORTED, TEEC_ORIGIN_COMMS));
        }
        Ok(Device {
            dev,
            gen_caps: v.gen_caps,
        })
    }

    /// Shared memory from the driver: its mapping, id and real size.
    pub(crate) fn alloc(&self, size: usize) -> Result<(Mapping, i32, usize), Error> {
        let oom = |_| Error::api(TEEC_ERROR_OUT_OF_MEMORY);
        let (fd, id, real) = self.dev.shm_alloc(size.max(1)).map_err(oom)?;
        let map = Mapping::map(fd.as_fd(), real).map_err(oom)?;
        // The mapping keeps the memory; the descriptor is not needed.
        drop(fd);
        Ok((map, id, real))
    }
}

/// The driver refusing a call: bad arguments (EINVAL), no memory, a
/// login it does not grant (EPERM: a group the caller is not in), or a
/// communication failure.
fn io_error(e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::OutOfMemory => Error::api(TEEC_ERROR_OUT_OF_MEMORY),
        std::io::ErrorKind::InvalidInput => Error::api(TEEC_ERROR_BAD_PARAMETERS),
        std::io::ErrorKind::PermissionDenied => {
            Error::new(TEEC_ERROR_ACCESS_DENIED, TEEC_ORIGIN_COMMS)
        }
        _ => Error::comms(),
    }
}

fn memref_attr(dir: Dir) -> u64 {
    match dir {
        Dir::In => attr::MEMREF_INPUT,
        Dir::Out => attr::MEMREF_OUTPUT,
        Dir::InOut => attr::MEMREF_INOUT,
    }
}

/// A call's parameters in the driver's form, with the shared memory
/// that carries its temporary buffers.
struct Staged {
    tp: [tee::Param; 4],
    temps: [Option<Mapping>; 4],
}

fn stage(d: &Device, params: &[Param<'_>]) -> Result<Staged, Error> {
    let mut s = Staged {
        tp: [tee::Param::default(); 4],
        temps: [None, None, None, None],
    };
    for (i, p) in params.iter().enumerate() {
        let mut temp = |data: Option<&[u8]>, len: usize, dir: Dir| -> Result<tee::Param, Error> {
            let (map, id, _) = d.alloc(len)?;
            if let Some(src) = data {
                map.write(0, src);
            }
            s.temps[i] = Some(map);
            Ok(tee::Param {
                attr: memref_attr(dir),
                a: 0,
                b: len as u64,
                c: id as u64,
            })
        };
        let t = match p {
            Param::None => tee::Param::default(),
            Param::ValueIn { a, b } => value(attr::VALUE_INPUT, *a, *b),
            Param::ValueOut { .. } => value(attr::VALUE_OUTPUT, 0, 0),
            Param::ValueInOut { a, b } => value(attr::VALUE_INOUT, *a, *b),
            Param::TempIn { buf } => temp(Some(buf), buf.len(), Dir::In)?,
            Param::TempOut { buf, .. } => temp(None, buf.len(), Dir::Out)?,
            Param::TempInOut { buf, .. } => temp(Some(buf), buf.len(), Dir::InOut)?,
            Param::TempNull { dir, size } => {
                // A NULL input with a size is malformed (GP).
                if dir.is_input() && *size != 0 {
                    return Err(Error::api(TEEC_ERROR_BAD_PARAMETERS));
                }
                if d.gen_caps & tee::GEN_CAP_MEMREF_NULL == 0 {
                    return Err(Error::api(TEEC_ERROR_NOT_SUPPORTED));
                }
                tee::Param {
                    attr: memref_attr(*dir),
                    a: 0,
                    b: *size as u64,
                    c: tee::MEMREF_NULL,
                }
            }
            Param::Shm {
                mem,
                dir,
                offset,
                size,
            } => {
                let Some(id) = mem.tee_id else {
                    return Err(Error::api(TEEC_ERROR_BAD_PARAMETERS));
                };
                // As the socket backend's core checks: the directions the
                // memory was allocated for, and the region inside it.
                let flags_ok = (!dir.is_input() || mem.flags & crate::TEEC_MEM_INPUT != 0)
                    && (!dir.is_output() || mem.flags & crate::TEEC_MEM_OUTPUT != 0);
                let inside = offset.checked_add(*size).is_some_and(|end| end <= mem.size);
                if !flags_ok || !inside {
                    return Err(Error::api(TEEC_ERROR_BAD_PARAMETERS));
                }
                tee::Param {
                    attr: memref_attr(*dir),
                    a: *offset as u64,
                    b: *size as u64,
                    c: id as u64,
                }
            }
        };
        s.tp[i] = t;
    }
    Ok(s)
}

fn value(attr: u64, a: u32, b: u32) -> tee::Param {
    tee::Param {
        attr,
        a: a.into(),
        b: b.into(),
        c: 0,
    }
}

/// Copy the outputs back (values, sizes, temporary buffers' data when the
/// call succeeded and it fits), as the socket backend does.
fn unstage(s: &Staged, params: &mut [Param<'_>], result: u32) {
    for (i, p) in params.iter_mut().enumerate() {
        let t = &s.tp[i];
        match p {
            Param::ValueOut { a, b } | Param::ValueInOut { a, b } => {
                *a = t.a as u32;
                *b = t.b as u32;
            }
            Param::TempOut { buf, size } | Param::TempInOut { buf, size } => {
                let n = usize::try_from(t.b).unwrap_or(usize::MAX);
                if result == TEEC_SUCCESS {
                    let len = n.min(buf.len());
                    if let Some(m) = &s.temps[i] {
                        m.read(0, &mut buf[..len]);
                    }
                }
                *size = n;
            }
            Param::TempNull { size, .. } | Param::Shm { size, .. } => {
                *size = usize::try_from(t.b).unwrap_or(usize::MAX);
            }
            _ => {}
        }
    }
}

impl Context {
    pub(crate) fn tee_open_session(
        &self,
        d: &Device,
        uuid: Uuid,
        login: Login,
        params: &mut [Param<'_>],
        cancel: Option<&Arc<CancelToken>>,
    ) -> Result<(Session, u32), Error> {
        let (method, data) = login.raw();
        if matches!(method, 4..=6) {
            // As on the socket backend: Linux's driver refuses them too.
            return Err(Error::new(TEEC_ERROR_NOT_SUPPORTED, TEEC_ORIGIN_COMMS));
        }
        let mut clnt = [0u8; 16];
        clnt[..4].copy_from_slice(&data.to_ne_bytes());
        let mut s = stage(d, params)?;
        let cancel_id = self.begin_call(cancel)? as u32;
        let r = d
            .dev
            .open_session(uuid.0, method, clnt, cancel_id, &mut s.tp);
        end_call(cancel);
        let (session, ans) = r.map_err(io_error)?;
        unstage(&s, params, ans.ret);
        if ans.ret != TEEC_SUCCESS {
            return Err(Error::new(ans.ret, ans.origin));
        }
        Ok((self.opened(session), ans.origin))
    }

    pub(crate) fn tee_allocate(
        &self,
        d: &Device,
        size: usize,
        flags: u32,
    ) -> Result<SharedMemory, Error> {
        let (map, id, _) = d.alloc(size)?;
        Ok(SharedMemory {
            ctx: self.clone(),
            id: 0,
            tee_id: Some(id),
            map,
            size,
            flags,
        })
    }
}

impl Session {
    pub(crate) fn tee_invoke(
        &self,
        d: &Device,
        command: u32,
        params: &mut [Param<'_>],
        cancel: Option<&Arc<CancelToken>>,
    ) -> Result<u32, Error> {
        let mut s = stage(d, params)?;
        if let Some(t) = cancel {
            t.session.store(self.id, Ordering::SeqCst);
        }
        let cancel_id = self.ctx.begin_call(cancel)? as u32;
        let r = d.dev.invoke(self.id, command, cancel_id, &mut s.tp);
        end_call(cancel);
        let ans = r.map_err(io_error)?;
        unstage(&s, params, ans.ret);
        if ans.ret != TEEC_SUCCESS {
            return Err(Error::new(ans.ret, ans.origin));
        }
        Ok(ans.origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_backend() {
        let dev = Some(Path::new(DEV));
        // The device when it exists and nothing else was asked for.
        assert_eq!(choose(None, None, false, true), dev);
        assert_eq!(choose(Some("oxtee"), None, false, true), dev);
        assert_eq!(choose(None, None, false, false), None);
        // A socket named by the environment or by the name wins.
        assert_eq!(choose(None, None, true, true), None);
        assert_eq!(choose(Some("/run/oxtee/s.sock"), None, false, true), None);
        // Forced either way.
        assert_eq!(choose(None, Some("tee"), true, false), dev);
        assert_eq!(choose(None, Some("oxtee"), false, true), None);
        assert_eq!(choose(Some("/tmp/x.sock"), Some("tee"), false, true), None);
        // Device names: only /dev/tee0.
        assert_eq!(choose(Some("/dev/tee0"), Some("oxtee"), true, false), dev);
        assert_eq!(choose(Some("/dev/tee1"), None, false, true), None);
        assert_eq!(choose(Some("/dev/teepriv0"), None, false, true), None);
    }
}
