//! Linux's TEE subsystem (`/dev/tee0`, `include/uapi/linux/tee.h`): the
//! client side of the ioctl interface that OP-TEE's driver (and oxtee's
//! TrustZone tier behind it) serves. Safe wrappers: every argument block
//! is a `repr(C)` value owned by the caller for the duration of the
//! ioctl.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::Path;

/// `TEE_IMPL_ID_OPTEE`.
pub const IMPL_ID_OPTEE: u32 = 1;
/// `TEE_GEN_CAP_GP`: the GlobalPlatform client API is supported.
pub const GEN_CAP_GP: u32 = 1 << 0;
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
}

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

const MAGIC: u8 = 0xa4;
nix::ioctl_read!(ioc_version, MAGIC, 0, Version);
nix::ioctl_readwrite!(ioc_shm_alloc, MAGIC, 1, ShmAllocData);
nix::ioctl_read!(ioc_open_session, MAGIC, 2, BufData);
nix::ioctl_read!(ioc_invoke, MAGIC, 3, BufData);
nix::ioctl_read!(ioc_cancel, MAGIC, 4, CancelArg);
nix::ioctl_read!(ioc_close_session, MAGIC, 5, CloseSessionArg);

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
            "#include <linux/tee.h>\n#include <stdio.h>\nint main(void){printf(\"%lu %lu %lu %lu %lu %lu %zu %zu %zu\\n\",\
             (unsigned long)TEE_IOC_VERSION,(unsigned long)TEE_IOC_SHM_ALLOC,(unsigned long)TEE_IOC_OPEN_SESSION,\
             (unsigned long)TEE_IOC_INVOKE,(unsigned long)TEE_IOC_CANCEL,(unsigned long)TEE_IOC_CLOSE_SESSION,\
             sizeof(struct tee_ioctl_open_session_arg),sizeof(struct tee_ioctl_invoke_arg),sizeof(struct tee_ioctl_param));return 0;}\n",
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
