//! The real device: a supplicant descriptor of Linux's TEE subsystem
//! (`/dev/teepriv0`) through the safe ioctl wrappers of `oxtee_sys::tee`.

use std::io;
use std::path::Path;

use oxtee_sys::tee::{self, Param, SUPP_MAX_PARAMS, Shm, TeeDevice};

use crate::{Config, Device, Request, SharedMem, Supplicant};

/// An open supplicant device of an OP-TEE driver.
#[derive(Debug)]
pub struct TeePriv {
    dev: TeeDevice,
    /// The driver registers this process's memory (`GEN_CAP_REG_MEM`).
    reg_mem: bool,
}

impl TeePriv {
    /// Open `path` and check that it is an OP-TEE supplicant device (the
    /// driver says OP-TEE and privileged), as tee-supplicant does.
    pub fn open(path: &Path) -> io::Result<TeePriv> {
        let dev = TeeDevice::open(path)?;
        let v = dev.version()?;
        if v.impl_id != tee::IMPL_ID_OPTEE {
            return Err(io::Error::other(format!(
                "{}: not an OP-TEE device (implementation {})",
                path.display(),
                v.impl_id
            )));
        }
        if v.gen_caps & tee::GEN_CAP_PRIVILEGED == 0 {
            return Err(io::Error::other(format!(
                "{}: not a supplicant device (use /dev/teepriv*)",
                path.display()
            )));
        }
        Ok(TeePriv {
            dev,
            reg_mem: v.gen_caps & tee::GEN_CAP_REG_MEM != 0,
        })
    }
}

impl SharedMem for Shm {
    fn size(&self) -> usize {
        self.mapping().len()
    }

    fn read(&self, off: usize, dst: &mut [u8]) -> bool {
        self.mapping().read(off, dst)
    }

    fn write(&self, off: usize, src: &[u8]) -> bool {
        self.mapping().write(off, src)
    }
}

impl Device for TeePriv {
    type Shm = Shm;

    fn recv(&mut self) -> io::Result<Request> {
        let mut params = [Param::default(); SUPP_MAX_PARAMS];
        loop {
            match self.dev.supp_recv(&mut params) {
                Ok((func, n)) => {
                    return Ok(Request {
                        func,
                        params: params[..n].to_vec(),
                    });
                }
                // A signal while waiting: wait again.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn send(&mut self, ret: u32, params: &[Param]) -> io::Result<()> {
        self.dev.supp_send(ret, params)
    }

    /// As tee-supplicant: the supplicant's own memory registered when the
    /// driver can (the driver's own allocations then stay out of it),
    /// otherwise memory allocated by the driver.
    fn shm_alloc(&mut self, size: usize) -> io::Result<(i32, Shm)> {
        let shm = if self.reg_mem {
            self.dev.shm_register_mapped(size)?
        } else {
            self.dev.shm_alloc_mapped(size)?
        };
        Ok((shm.id(), shm))
    }
}

/// `oxtee supplicant --tee PATH`: serve the device until it fails.
pub fn run(path: &Path, cfg: Config) -> io::Result<()> {
    let mut dev = TeePriv::open(path)?;
    let mut sup: Supplicant<Shm> = Supplicant::new(cfg);
    sup.serve(&mut dev)
}
