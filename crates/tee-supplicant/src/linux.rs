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

/// A received request's id (its first parameter, when that is the
/// driver's META value) and its own parameters. Anything else is all the
/// request's (a META bit elsewhere is refused as a bad type later).
pub(crate) fn split_meta(params: &[Param]) -> (Option<u64>, &[Param]) {
    match params.split_first() {
        Some((p, rest)) if p.attr == tee::attr::META | tee::attr::VALUE_INOUT => (Some(p.a), rest),
        _ => (None, params),
    }
}

/// A request as received in the driver's asynchronous mode: its id
/// (`None`: the driver has no such mode, answer it before the next).
struct Received {
    id: Option<u64>,
    req: Request,
}

impl TeePriv {
    /// The next request, asking the driver for its id (a first parameter
    /// of type META), as tee-supplicant does to serve requests on
    /// several threads.
    fn recv_async(&self) -> io::Result<Received> {
        let mut params = [Param::default(); SUPP_MAX_PARAMS];
        loop {
            params[0] = Param {
                attr: tee::attr::META,
                ..Param::default()
            };
            match self.dev.supp_recv(&mut params) {
                Ok((func, n)) => {
                    let (id, rest) = split_meta(&params[..n]);
                    return Ok(Received {
                        id,
                        req: Request {
                            func,
                            params: rest.to_vec(),
                        },
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Answer request `id` (`None`: the one last received).
    fn send_async(&self, id: Option<u64>, ret: u32, params: &[Param]) -> io::Result<()> {
        match id {
            None => self.dev.supp_send(ret, params),
            Some(id) => {
                let mut all = Vec::with_capacity(params.len() + 1);
                all.push(Param {
                    attr: tee::attr::META | tee::attr::VALUE_INOUT,
                    a: id,
                    b: 0,
                    c: 0,
                });
                all.extend_from_slice(params);
                self.dev.supp_send(ret, &all)
            }
        }
    }
}

/// The device behind a shared reference (only its shared memory is asked
/// for by [`Supplicant::handle`]).
struct Shared<'a>(&'a TeePriv);

impl Device for Shared<'_> {
    type Shm = Shm;
    fn recv(&mut self) -> io::Result<Request> {
        self.0.recv_async().map(|r| r.req)
    }
    fn send(&mut self, ret: u32, params: &[Param]) -> io::Result<()> {
        self.0.dev.supp_send(ret, params)
    }
    fn shm_alloc(&mut self, size: usize) -> io::Result<(i32, Shm)> {
        let shm = if self.0.reg_mem {
            self.0.dev.shm_register_mapped(size)?
        } else {
            self.0.dev.shm_alloc_mapped(size)?
        };
        Ok((shm.id(), shm))
    }
}

/// The supplicant's state (a thread that panicked left it as it was).
fn lock<S>(s: &std::sync::Mutex<S>) -> std::sync::MutexGuard<'_, S> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Socket requests waiting for the network at once (the secure world has
/// a few threads; more means a driver that lies).
const MAX_SOCKET_WAITS: usize = 16;

/// `oxtee supplicant --tee PATH`: serve the device until it fails. A
/// socket request (which may wait for the network for as long as its
/// timeout says) is served on a thread of its own; everything else in
/// turn on this one.
pub fn run(path: &Path, cfg: Config) -> io::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let dev = Arc::new(TeePriv::open(path)?);
    let sup: Arc<Mutex<Supplicant<Shm>>> = Arc::new(Mutex::new(Supplicant::new(cfg)));
    let waiting = Arc::new(AtomicUsize::new(0));
    let trace = std::env::var_os("OXTEE_SUPPLICANT_TRACE").is_some();
    loop {
        let Received { id, mut req } = dev.recv_async()?;
        if trace {
            eprintln!(
                "oxtee supplicant: request {} ({id:?}): {:x?}",
                req.func, req.params
            );
        }
        if req.func == crate::cmd::SOCKET && id.is_some() {
            let job = lock(&sup).socket_job(&req.params);
            let started = match job {
                Err(code) => Err(code),
                Ok(_) if waiting.load(Ordering::Acquire) >= MAX_SOCKET_WAITS => {
                    Err(oxtee_gp::pta_system::socket::ERROR_OUT_OF_RESOURCES)
                }
                Ok(job) => {
                    let (dev, sup, busy) = (dev.clone(), sup.clone(), waiting.clone());
                    let socks = lock(&sup).sockets.clone();
                    waiting.fetch_add(1, Ordering::AcqRel);
                    let mut params = req.params.clone();
                    std::thread::Builder::new()
                        .name("oxtee-socket".into())
                        .spawn(move || {
                            let done = job.run(&socks);
                            let ret = lock(&sup).socket_done(&mut params, done);
                            for p in params.iter_mut() {
                                p.attr &= tee::attr::TYPE_MASK;
                            }
                            if trace {
                                eprintln!(
                                    "oxtee supplicant: answer ({id:?}) {ret:#x}: {params:x?}"
                                );
                            }
                            if let Err(e) = dev.send_async(id, ret, &params) {
                                eprintln!("oxtee supplicant: cannot answer a socket request: {e}");
                            }
                            busy.fetch_sub(1, Ordering::AcqRel);
                        })
                        .map(drop)
                        .map_err(|_| {
                            waiting.fetch_sub(1, Ordering::AcqRel);
                            crate::res::OUT_OF_MEMORY
                        })
                }
            };
            match started {
                Ok(()) => continue,
                Err(code) => {
                    for p in req.params.iter_mut() {
                        p.attr &= tee::attr::TYPE_MASK;
                    }
                    dev.send_async(id, code, &req.params)?;
                    continue;
                }
            }
        }
        let ret = lock(&sup).handle(&mut Shared(&dev), req.func, &mut req.params);
        if trace {
            eprintln!(
                "oxtee supplicant: answer ({id:?}) {ret:#x}: {:x?}",
                req.params
            );
        }
        dev.send_async(id, ret, &req.params)?;
    }
}
