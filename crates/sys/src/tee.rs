//! Linux's TEE subsystem (`/dev/tee0`, `include/uapi/linux/tee.h`): the
//! ioctl interface that OP-TEE's driver (and oxtee's TrustZone tier behind
//! it) serves, for clients (`/dev/tee0`) and for the supplicant
//! (`/dev/teepriv0`: [`TeeDevice::supp_recv`], [`TeeDevice::supp_send`]).
//! Safe wrappers: every argument block is a `repr(C)` value owned by the
//! caller for the duration of the ioctl.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::Path;

/// `TEE_IMPL_ID_OPTEE`.
pub const IMPL_ID_OPTEE: u32 = 1;
/// `TEE_GEN_CAP_GP`: the GlobalPlatform client API is supported.
pub const GEN_CAP_GP: u32 = 1 << 0;
/// `TEE_GEN_CAP_PRIVILEGED`: a supplicant device (`/dev/teepriv*`).
pub const GEN_CAP_PRIVILEGED: u32 = 1 << 1;
/// `TEE_GEN_CAP_REG_MEM`: user memory can be registered.
pub const GEN_CAP_REG_MEM: u32 = 1 << 2;
/// `TEE_GEN_CAP_MEMREF_NULL`: NULL memory references can be passed.
pub const GEN_CAP_MEMREF_NULL: u32 = 1 << 3;
/// `TEE_MEMREF_NULL`: a memref parameter's `c` for a NULL buffer.
pub const MEMREF_NULL: u64 = u64::MAX;

/// `TEE_IOCTL_PARAM_ATTR_TYPE_*`.
pub mod attr {
    pub const NONE: u64 = 0;
    pub const VALUE_INPUT: u64 = 1;
    pub const VALUE_OUTPUT: u64 = 2;
    pub const VALUE_INOUT: u64 = 3;
    pub const MEMREF_INPUT: u64 = 5;
    pub const MEMREF_OUTPUT: u64 = 6;
    pub const MEMREF_INOUT: u64 = 7;
    /// `TEE_IOCTL_PARAM_ATTR_TYPE_MASK`: the type bits of an attribute.
    pub const TYPE_MASK: u64 = 0xff;
    /// `TEE_IOCTL_PARAM_ATTR_META`: a parameter about the request itself
    /// (asynchronous supplicant requests; not asked for here).
    pub const META: u64 = 0x100;
}

/// Parameters a supplicant request may carry here: the room offered to
/// the driver by [`TeeDevice::supp_recv`] (as many as OP-TEE's
/// tee-supplicant offers; no OP-TEE RPC uses more).
pub const SUPP_MAX_PARAMS: usize = 5;
/// The shared-memory id the driver gives a memref without a buffer.
pub const SHM_ID_NONE: u64 = u64::MAX;

/// `struct tee_ioctl_version_data`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Version {
    pub impl_id: u32,
    pub impl_caps: u32,
    pub gen_caps: u32,
}

/// `struct tee_ioctl_param`: a value (a, b, c) or a memref (offset,
/// size, shared-memory id).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Param {
    pub attr: u64,
    pub a: u64,
    pub b: u64,
    pub c: u64,
}

#[repr(C)]
struct BufData {
    buf_ptr: u64,
    buf_len: u64,
}

impl BufData {
    /// The address and size of `arg` (the caller keeps it borrowed while
    /// the ioctl runs).
    fn of<T>(arg: &mut T) -> BufData {
        BufData {
            buf_ptr: arg as *mut T as u64,
            buf_len: size_of::<T>() as u64,
        }
    }
}

#[repr(C)]
#[derive(Default)]
struct ShmAllocData {
    size: u64,
    flags: u32,
    id: i32,
}

/// `struct tee_ioctl_shm_register_data`.
#[repr(C)]
#[derive(Default)]
struct ShmRegisterData {
    addr: u64,
    length: u64,
    flags: u32,
    id: i32,
}

#[repr(C)]
struct CancelArg {
    cancel_id: u32,
    session: u32,
}

#[repr(C)]
struct CloseSessionArg {
    session: u32,
}

/// `struct tee_ioctl_open_session_arg` followed by four parameters.
#[repr(C)]
#[derive(Default)]
struct OpenSessionArg {
    uuid: [u8; 16],
    clnt_uuid: [u8; 16],
    clnt_login: u32,
    cancel_id: u32,
    session: u32,
    ret: u32,
    ret_origin: u32,
    num_params: u32,
    params: [Param; 4],
}

/// `struct tee_ioctl_invoke_arg` followed by four parameters.
#[repr(C)]
#[derive(Default)]
struct InvokeArg {
    func: u32,
    session: u32,
    cancel_id: u32,
    ret: u32,
    ret_origin: u32,
    num_params: u32,
    params: [Param; 4],
}

/// `struct tee_iocl_supp_recv_arg` followed by room for the parameters.
#[repr(C)]
#[derive(Default)]
struct SuppRecvArg {
    func: u32,
    num_params: u32,
    params: [Param; SUPP_MAX_PARAMS],
}

/// `struct tee_iocl_supp_send_arg` followed by the parameters.
#[repr(C)]
#[derive(Default)]
struct SuppSendArg {
    ret: u32,
    num_params: u32,
    params: [Param; SUPP_MAX_PARAMS],
}

const SUPP_HEADER: usize = 2 * size_of::<u32>();

const MAGIC: u8 = 0xa4;
nix::ioctl_read!(ioc_version, MAGIC, 0, Version);
nix::ioctl_readwrite!(ioc_shm_alloc, MAGIC, 1, ShmAllocData);
nix::ioctl_read!(ioc_open_session, MAGIC, 2, BufData);
nix::ioctl_read!(ioc_invoke, MAGIC, 3, BufData);
nix::ioctl_read!(ioc_cancel, MAGIC, 4, CancelArg);
nix::ioctl_read!(ioc_close_session, MAGIC, 5, CloseSessionArg);
nix::ioctl_read!(ioc_supp_recv, MAGIC, 6, BufData);
nix::ioctl_read!(ioc_supp_send, MAGIC, 7, BufData);
nix::ioctl_readwrite!(ioc_shm_register, MAGIC, 9, ShmRegisterData);

/// What the secure world answered: GP result and origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    pub ret: u32,
    pub origin: u32,
}

/// An open TEE client device.
#[derive(Debug)]
pub struct TeeDevice {
    file: File,
}

impl TeeDevice {
    /// Open a client device (`/dev/tee0`).
    pub fn open(path: &Path) -> io::Result<TeeDevice> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        Ok(TeeDevice { file })
    }

    fn fd(&self) -> i32 {
        self.file.as_raw_fd()
    }

    /// TEE_IOC_VERSION.
    pub fn version(&self) -> io::Result<Version> {
        let mut v = Version::default();
        // SAFETY: `v` is a live, writable tee_ioctl_version_data for the
        // duration of the call; the fd is open.
        unsafe { ioc_version(self.fd(), &mut v) }.map_err(io::Error::from)?;
        Ok(v)
    }

    /// TEE_IOC_OPEN_SESSION with four parameters (updated in place).
    /// Returns the session id and the answer.
    pub fn open_session(
        &self,
        uuid: [u8; 16],
        login: u32,
        clnt_uuid: [u8; 16],
        cancel_id: u32,
        params: &mut [Param; 4],
    ) -> io::Result<(u32, Answer)> {
        let mut arg = OpenSessionArg {
            uuid,
            clnt_uuid,
            clnt_login: login,
            cancel_id,
            num_params: 4,
            params: *params,
            ..Default::default()
        };
        let mut buf = BufData::of(&mut arg);
        // SAFETY: `buf` points at `arg`, which lives (and is not otherwise
        // borrowed) until the ioctl returns; its length is its size.
        unsafe { ioc_open_session(self.fd(), &mut buf) }.map_err(io::Error::from)?;
        *params = arg.params;
        Ok((
            arg.session,
            Answer {
                ret: arg.ret,
                origin: arg.ret_origin,
            },
        ))
    }

    /// TEE_IOC_INVOKE with four parameters (updated in place).
    pub fn invoke(
        &self,
        session: u32,
        func: u32,
        cancel_id: u32,
        params: &mut [Param; 4],
    ) -> io::Result<Answer> {
        let mut arg = InvokeArg {
            func,
            session,
            cancel_id,
            num_params: 4,
            params: *params,
            ..Default::default()
        };
        let mut buf = BufData::of(&mut arg);
        // SAFETY: as in `open_session`.
        unsafe { ioc_invoke(self.fd(), &mut buf) }.map_err(io::Error::from)?;
        *params = arg.params;
        Ok(Answer {
            ret: arg.ret,
            origin: arg.ret_origin,
        })
    }

    /// TEE_IOC_CANCEL.
    pub fn cancel(&self, session: u32, cancel_id: u32) -> io::Result<()> {
        let mut arg = CancelArg { cancel_id, session };
        // SAFETY: `arg` lives until the ioctl returns.
        unsafe { ioc_cancel(self.fd(), &mut arg) }.map_err(io::Error::from)?;
        Ok(())
    }

    /// TEE_IOC_CLOSE_SESSION.
    pub fn close_session(&self, session: u32) -> io::Result<()> {
        let mut arg = CloseSessionArg { session };
        // SAFETY: `arg` lives until the ioctl returns.
        unsafe { ioc_close_session(self.fd(), &mut arg) }.map_err(io::Error::from)?;
        Ok(())
    }

    /// TEE_IOC_SHM_ALLOC: shared memory of at least `size` bytes, as an
    /// fd to map, its id for memref parameters and its real size.
    pub fn shm_alloc(&self, size: usize) -> io::Result<(OwnedFd, i32, usize)> {
        let mut d = ShmAllocData {
            size: size as u64,
            ..Default::default()
        };
        // SAFETY: `d` lives until the ioctl returns.
        let fd = unsafe { ioc_shm_alloc(self.fd(), &mut d) }.map_err(io::Error::from)?;
        // SAFETY: on success the ioctl returns a new descriptor that
        // nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let real = usize::try_from(d.size).map_err(|_| io::Error::other("shm size"))?;
        Ok((fd, d.id, real))
    }
}

impl TeeDevice {
    /// TEE_IOC_SHM_ALLOC and a shared read-write mapping of the result:
    /// the memory stays allocated (and its id valid) while the [`Shm`]
    /// lives.
    pub fn shm_alloc_mapped(&self, size: usize) -> io::Result<Shm> {
        let (fd, id, real) = self.shm_alloc(size)?;
        let map = crate::Mapping::map(fd.as_fd(), real)?;
        Ok(Shm { id, _fd: fd, map })
    }

    /// Memory of this process registered with the driver
    /// (TEE_IOC_SHM_REGISTER, what tee-supplicant does when the driver
    /// offers `GEN_CAP_REG_MEM`): `size` bytes (rounded up to pages) of a
    /// fresh memfd mapping, their id valid while the [`Shm`] lives.
    pub fn shm_register_mapped(&self, size: usize) -> io::Result<Shm> {
        let len = size
            .checked_next_multiple_of(4096)
            .filter(|&l| l > 0)
            .ok_or_else(|| io::Error::other("shm size"))?;
        let mem = crate::memfd("oxtee-supp-shm", len as u64, true)?;
        let map = crate::Mapping::map(mem.as_fd(), len)?;
        let mut d = ShmRegisterData {
            addr: map.as_ptr() as u64,
            length: len as u64,
            ..Default::default()
        };
        // SAFETY: `d` lives until the ioctl returns; the range it names is
        // the mapping `map`, which stays mapped for as long as the
        // registration (`Shm` keeps both; the descriptor is dropped last).
        let fd = unsafe { ioc_shm_register(self.fd(), &mut d) }.map_err(io::Error::from)?;
        // SAFETY: on success the ioctl returns a new descriptor that
        // nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Shm {
            id: d.id,
            _fd: fd,
            map,
        })
    }

    /// TEE_IOC_SUPPL_RECV (supplicant devices only): wait for the next
    /// request of the secure world. `params` is the room offered (all
    /// `NONE` going in: synchronous requests, without a meta parameter;
    /// the first `NONE | META`: the driver puts the request's id there,
    /// for a [`TeeDevice::supp_send`] that names it); returns the function
    /// and how many parameters it filled. A count larger than the room is refused as invalid
    /// data, not trusted.
    pub fn supp_recv(&self, params: &mut [Param; SUPP_MAX_PARAMS]) -> io::Result<(u32, usize)> {
        // The parameters go in as given: a first one of type META (none
        // else) asks for the request's id there (requests answered out
        // of order, by several threads).
        let mut arg = SuppRecvArg {
            num_params: SUPP_MAX_PARAMS as u32,
            params: *params,
            ..Default::default()
        };
        let mut buf = BufData::of(&mut arg);
        // SAFETY: `buf` points at `arg` (header and SUPP_MAX_PARAMS
        // parameters, exactly the length given), which lives and is not
        // otherwise borrowed until the ioctl returns.
        unsafe { ioc_supp_recv(self.fd(), &mut buf) }.map_err(io::Error::from)?;
        let n = usize::try_from(arg.num_params).unwrap_or(usize::MAX);
        if n > SUPP_MAX_PARAMS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "supplicant request with more parameters than offered",
            ));
        }
        *params = arg.params;
        Ok((arg.func, n))
    }

    /// TEE_IOC_SUPPL_SEND: answer the request last received with result
    /// `ret` and its parameters (the same number, outputs updated).
    pub fn supp_send(&self, ret: u32, params: &[Param]) -> io::Result<()> {
        if params.len() > SUPP_MAX_PARAMS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "too many supplicant parameters",
            ));
        }
        let mut arg = SuppSendArg {
            ret,
            num_params: params.len() as u32,
            ..Default::default()
        };
        arg.params[..params.len()].copy_from_slice(params);
        let mut buf = BufData::of(&mut arg);
        buf.buf_len = (SUPP_HEADER + size_of_val(params)) as u64;
        // SAFETY: `buf` points at `arg`, which lives and is not otherwise
        // borrowed until the ioctl returns; the length given (header and
        // `params.len()` parameters) is at most its size.
        unsafe { ioc_supp_send(self.fd(), &mut buf) }.map_err(io::Error::from)?;
        Ok(())
    }
}

/// Driver shared memory mapped into this process
/// ([`TeeDevice::shm_alloc_mapped`], [`TeeDevice::shm_register_mapped`]).
/// The descriptor is dropped before the mapping: a registration never
/// outlives the memory it names.
#[derive(Debug)]
pub struct Shm {
    id: i32,
    _fd: OwnedFd,
    map: crate::Mapping,
}

impl Shm {
    /// The id memref parameters name it by.
    pub fn id(&self) -> i32 {
        self.id
    }

    /// The mapping (bounds-checked copies in and out).
    pub fn mapping(&self) -> &crate::Mapping {
        &self.map
    }
}

impl AsFd for TeeDevice {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The request numbers and structure sizes match the kernel's UAPI
    /// header (compiled with the host's C compiler when it has it).
    #[test]
    fn ioctl_numbers_match_the_uapi_header() {
        let ours = [
            nix::request_code_read!(MAGIC, 0, size_of::<Version>()) as u64,
            nix::request_code_readwrite!(MAGIC, 1, size_of::<ShmAllocData>()) as u64,
            nix::request_code_read!(MAGIC, 2, size_of::<BufData>()) as u64,
            nix::request_code_read!(MAGIC, 3, size_of::<BufData>()) as u64,
            nix::request_code_read!(MAGIC, 4, size_of::<CancelArg>()) as u64,
            nix::request_code_read!(MAGIC, 5, size_of::<CloseSessionArg>()) as u64,
            (size_of::<OpenSessionArg>() - 4 * size_of::<Param>()) as u64,
            (size_of::<InvokeArg>() - 4 * size_of::<Param>()) as u64,
            size_of::<Param>() as u64,
            nix::request_code_read!(MAGIC, 6, size_of::<BufData>()) as u64,
            nix::request_code_read!(MAGIC, 7, size_of::<BufData>()) as u64,
            (size_of::<SuppRecvArg>() - SUPP_MAX_PARAMS * size_of::<Param>()) as u64,
            (size_of::<SuppSendArg>() - SUPP_MAX_PARAMS * size_of::<Param>()) as u64,
            SUPP_HEADER as u64,
            std::mem::offset_of!(SuppRecvArg, params) as u64,
            GEN_CAP_PRIVILEGED as u64,
            attr::TYPE_MASK,
            attr::META,
            nix::request_code_readwrite!(MAGIC, 9, size_of::<ShmRegisterData>()) as u64,
        ];
        if !Path::new("/usr/include/linux/tee.h").exists() {
            eprintln!("no linux/tee.h here: skipped");
            return;
        }
        let dir = std::env::temp_dir().join(format!("oxtee-teeh-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let c = dir.join("t.c");
        std::fs::write(
            &c,
            "#include <linux/tee.h>\n#include <stdio.h>\n#include <stddef.h>\nint main(void){printf(\"%lu %lu %lu %lu %lu %lu %zu %zu %zu\\n\",\
             (unsigned long)TEE_IOC_VERSION,(unsigned long)TEE_IOC_SHM_ALLOC,(unsigned long)TEE_IOC_OPEN_SESSION,\
             (unsigned long)TEE_IOC_INVOKE,(unsigned long)TEE_IOC_CANCEL,(unsigned long)TEE_IOC_CLOSE_SESSION,\
             sizeof(struct tee_ioctl_open_session_arg),sizeof(struct tee_ioctl_invoke_arg),sizeof(struct tee_ioctl_param));\
             printf(\"%lu %lu %zu %zu %zu %zu %lu %lu %lu\\n\",(unsigned long)TEE_IOC_SUPPL_RECV,(unsigned long)TEE_IOC_SUPPL_SEND,\
             sizeof(struct tee_iocl_supp_recv_arg),sizeof(struct tee_iocl_supp_send_arg),sizeof(struct tee_iocl_supp_send_arg),\
             offsetof(struct tee_iocl_supp_recv_arg,params),(unsigned long)TEE_GEN_CAP_PRIVILEGED,\
             (unsigned long)TEE_IOCTL_PARAM_ATTR_TYPE_MASK,(unsigned long)TEE_IOCTL_PARAM_ATTR_META);\
             printf(\"%lu\\n\",(unsigned long)TEE_IOC_SHM_REGISTER);return 0;}\n",
        )
        .unwrap();
        let exe = dir.join("t");
        let st = std::process::Command::new("cc")
            .arg(&c)
            .arg("-o")
            .arg(&exe)
            .status()
            .unwrap();
        assert!(st.success());
        let out = std::process::Command::new(&exe).output().unwrap();
        let theirs: Vec<u64> = String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .map(|w| w.parse().unwrap())
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(theirs, ours);
    }
}
