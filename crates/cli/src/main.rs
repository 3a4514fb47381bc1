//! The `oxtee` command.

// Doc comments of the CLI are its --help text, where <uuid> means a placeholder.
#![allow(rustdoc::invalid_html_tags)]

mod attest;
mod bench;
mod bench_storage;
mod invoke;
mod status;
mod ta_imports;
mod ta_mgmt;
mod ta_tools;
mod trace;

use clap::{Parser, Subcommand};
use oxtee_daemon::{Config, Server};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Parser)]
#[command(
    name = "oxtee",
    version,
    about = "A GlobalPlatform TEE on a Linux host"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the secure world until SIGTERM or SIGINT.
    Up {
        /// TOML configuration file (every key has a default).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Override the socket path.
        #[arg(long)]
        socket: Option<PathBuf>,
        /// Override the TA directory.
        #[arg(long)]
        ta_dir: Option<PathBuf>,
        /// Override the storage directory.
        #[arg(long)]
        storage_dir: Option<PathBuf>,
        /// Trust this TA signing key (PEM; repeatable; adds to the config's).
        #[arg(long = "key")]
        keys: Vec<PathBuf>,
        /// Development mode: a fresh temporary TA and storage directory,
        /// trusting the devkit's development key (or a generated one), all
        /// printed, unless given otherwise.
        #[arg(long)]
        dev: bool,
    },
    /// Trusted application images.
    Ta {
        #[command(subcommand)]
        cmd: TaCmd,
    },
    /// Open a session, invoke one command, print the results.
    ///
    /// Parameters, in order, at most four: --value-in A,B  --value-out
    /// --value-inout A,B  --memref-in FILE  --memref-out SIZE
    /// --memref-inout FILE  --none
    Invoke {
        /// TA UUID.
        uuid: String,
        /// Command id (decimal or 0x hex).
        command: String,
        /// Login: public, user, group:GID, application, user-application,
        /// group-application:GID.
        #[arg(long, default_value = "public")]
        login: String,
        /// Socket of the secure world (default $OXTEE_SOCKET or the default path).
        #[arg(long)]
        socket: Option<String>,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        params: Vec<String>,
    },
    /// What the running secure world holds: its memory budget (size and
    /// use), TA instances (memory, sessions), sessions, uptime. The
    /// core's user or root only.
    Status {
        /// Resize the secure memory to this many bytes first (refused
        /// when that cannot hold what is in use).
        #[arg(long, value_name = "BYTES")]
        budget: Option<u64>,
        /// Socket of the secure world (default $OXTEE_SOCKET or the default path).
        #[arg(long)]
        socket: Option<String>,
    },
    /// Record the boundary crossings of the running secure world (client
    /// -> libteec -> core -> TA entry points -> supplicant, and back) as
    /// JSON lines, and draw them as a sequence diagram.
    ///
    /// With a COMMAND, run it traced until it ends (only its own
    /// crossings, unless --all; libteec adds the CA's calls into the TEE
    /// Client API). Without, trace until --seconds pass or Ctrl-C. Anyone
    /// but the core's user and root sees only their own uid's clients.
    Trace(trace::Opts),
    /// Fetch a PSA attestation token (RFC 9783) about a TA for a
    /// challenge, verify it and print its claims.
    Attest {
        /// The TA the token measures.
        #[arg(long)]
        ta: String,
        /// The challenge, 32, 48 or 64 bytes in hex (default: random).
        #[arg(long)]
        challenge: Option<String>,
        /// Verify with this pinned public key (PEM) instead of the one
        /// the secure world reports.
        #[arg(long)]
        key: Option<PathBuf>,
        /// Write the token (COSE_Sign1, CBOR) here.
        #[arg(long)]
        token_out: Option<PathBuf>,
        /// Write the key the secure world reports here (PEM).
        #[arg(long)]
        key_out: Option<PathBuf>,
        /// Socket of the secure world (default $OXTEE_SOCKET or the default path).
        #[arg(long)]
        socket: Option<String>,
    },
    /// The normal-world supplicant (started by `oxtee up`): keeps the
    /// trusted storage's blobs in DIR (default: the folder the core sends
    /// first); its standard input is the socket to the core. With `--tee`,
    /// instead OP-TEE's tee-supplicant on a Linux TEE device
    /// (`/dev/teepriv0`): TA files, the REE file system, shared memory.
    #[command(hide = true)]
    Supplicant {
        #[arg(conflicts_with = "tee")]
        dir: Option<PathBuf>,
        /// Serve this supplicant device (`/dev/teepriv0`).
        #[arg(long, value_name = "PATH")]
        tee: Option<PathBuf>,
        /// A folder of `<uuid>.ta` files, searched in order (repeat it;
        /// default /lib/optee_armtz).
        #[arg(long = "ta-dir", value_name = "DIR", requires = "tee")]
        ta_dirs: Vec<PathBuf>,
        /// The root of the REE file system (default /data/tee).
        #[arg(long = "fs-dir", value_name = "DIR", requires = "tee")]
        fs_dir: Option<PathBuf>,
        /// Load the supplicant plugins (`*.plugin`) of this folder.
        #[arg(long, value_name = "DIR")]
        plugins: Option<PathBuf>,
        /// Serve one TA instance's GP sockets instead (started by the
        /// core for each instance that opens the socket pseudo-TA).
        #[arg(long, conflicts_with_all = ["dir", "tee", "plugins"])]
        net: bool,
    },
    /// Run a secure partition of partitioned mode (`secure_mode = "spm"`),
    /// talking to the core on standard input (started by the core).
    #[command(hide = true)]
    Partition {
        #[arg(value_enum)]
        kind: PartitionKind,
        /// The hardware-unique key's file (created on first start).
        #[arg(long)]
        huk_file: PathBuf,
        /// Its address space limit (the manifest's `memory`).
        #[arg(long)]
        memory: u64,
    },
    /// Run the crash-injection workload on a test store in DIR, printing
    /// "B n" before and "D n" after operation n (for tests/it/storage.rs).
    #[command(hide = true)]
    StorageTorture { dir: PathBuf, seed: u64 },
    /// Measure round trips through the stack (needs the TAs of dist/).
    Bench {
        /// The build output of scripts/build.sh.
        #[arg(long, default_value = "dist")]
        dist: PathBuf,
        /// Iteration scale (10 = default counts).
        #[arg(long, default_value_t = 10)]
        scale: usize,
        /// Pin every process of the run to one CPU (no cross-CPU wake-ups).
        #[arg(long)]
        pin: bool,
        /// Instead: GP crypto through a TA against the same primitives
        /// called directly (AWS-LC and RustCrypto), as ratios.
        #[arg(long)]
        crypto: bool,
        /// Rounds per primitive of --crypto (the median is reported).
        #[arg(long, default_value_t = 7)]
        rounds: usize,
        /// Instead: Trusted Storage through a TA (durable writes) against
        /// the same workloads on plain files with fsync.
        #[arg(long)]
        storage: bool,
        /// MiB of the sequential workload of --storage.
        #[arg(long, default_value_t = 256)]
        storage_mib: u32,
        #[arg(long, hide = true)]
        echo_child: bool,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PartitionKind {
    Storage,
    Crypto,
}

#[derive(Subcommand)]
enum TaCmd {
    /// Install a signed TA image into the running secure world's trusted
    /// storage (OP-TEE's secure-storage TA management): checked as
    /// loading checks it; it then comes before the TA folder's copy.
    /// Needs the core's user or root.
    Install {
        file: PathBuf,
        /// Socket of the secure world (default $OXTEE_SOCKET or the default path).
        #[arg(long)]
        socket: Option<String>,
    },
    /// Remove an installed TA.
    Uninstall {
        uuid: String,
        #[arg(long)]
        socket: Option<String>,
    },
    /// List the installed TAs and their versions.
    List {
        #[arg(long)]
        socket: Option<String>,
    },
    /// The devkit's link step for a TA using library TAs: import stubs,
    /// the list of libraries and the export list (see the devkit README).
    #[command(hide = true)]
    Imports {
        /// Where the generated files go.
        #[arg(long)]
        dir: PathBuf,
        /// Functions a library TA the TA dlopens may call (exported when
        /// an object calls dlopen).
        #[arg(long)]
        dl_exports: Option<PathBuf>,
        /// Objects, then `--libs` and the link libraries.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Generate an RSA signing key (PKCS#8 PEM, mode 0600) and its public key.
    Keygen {
        /// The private key file to write.
        #[arg(long)]
        out: PathBuf,
        /// Also write the public key here (what `oxtee up --key` trusts).
        #[arg(long)]
        public: Option<PathBuf>,
        /// Modulus size (2048 to 4096).
        #[arg(long, default_value_t = 2048)]
        bits: usize,
    },
    /// Sign a TA ELF into OP-TEE's signed image format.
    Sign {
        /// The signing key (private, PEM).
        #[arg(long)]
        key: PathBuf,
        /// The TA's (or library TA's) ELF, stripped as the devkit strips it.
        #[arg(long)]
        elf: PathBuf,
        /// Output file, or a directory to receive <uuid>.ta.
        #[arg(long)]
        out: PathBuf,
        /// Use RSASSA-PKCS1-v1_5 instead of RSASSA-PSS.
        #[arg(long)]
        pkcs1: bool,
        /// Version number in the bootstrap header.
        #[arg(long, default_value_t = 0)]
        ta_version: u32,
        /// Sign through this subkey file (from `oxtee ta sign-subkey`);
        /// --key is then the subkey's private key, and the TA's UUID must
        /// be the one its namespace gives --name (see `oxtee ta subkey-uuid`).
        #[arg(long)]
        subkey: Option<PathBuf>,
        /// The TA's name in the subkey's namespace.
        #[arg(long, requires = "subkey")]
        name: Option<String>,
        /// The UUID the image must carry (as OP-TEE's sign script takes
        /// it); refused if the ELF's header names another.
        #[arg(long)]
        uuid: Option<String>,
    },
    /// Sign a subkey (OP-TEE's subkeys): a key a root key, or a subkey
    /// above it, allows to sign TAs (or further subkeys) in a UUID
    /// namespace. The file is the chain from the root down to it.
    #[command(alias = "subkey")]
    SignSubkey {
        /// The signing key: a root key, or with --subkey, the private key
        /// of that subkey.
        #[arg(long)]
        key: PathBuf,
        /// The new subkey's key (PEM, public or private).
        #[arg(long = "in")]
        input: PathBuf,
        /// The subkey file to write.
        #[arg(long)]
        out: PathBuf,
        /// The new subkey's UUID: the namespace of what it signs. Derived
        /// from the parent's namespace and --name with --subkey.
        #[arg(long)]
        uuid: Option<String>,
        /// Size of the name field that follows it in a signed image
        /// (longest name below it); 0 makes an identity subkey, which
        /// signs only what has its own UUID.
        #[arg(long, default_value_t = 64)]
        name_size: u32,
        /// Subkey levels allowed below it (0: only TAs). Default: one
        /// less than the parent's, or 0.
        #[arg(long)]
        max_depth: Option<u32>,
        /// Rollback counter of the subkey.
        #[arg(long, default_value_t = 0)]
        subkey_version: u32,
        /// The parent subkey file, when --key is a subkey's key.
        #[arg(long)]
        subkey: Option<PathBuf>,
        /// The new subkey's name in the parent's namespace.
        #[arg(long, requires = "subkey")]
        name: Option<String>,
        /// Use RSASSA-PKCS1-v1_5 instead of RSASSA-PSS.
        #[arg(long)]
        pkcs1: bool,
    },
    /// The UUIDs of a subkey file's chain, and the UUID --name gets in
    /// its namespace (what a TA signed through it must have).
    SubkeyUuid {
        /// The subkey file.
        #[arg(long = "in")]
        input: PathBuf,
        /// The TA's (or next subkey's) name in its namespace.
        #[arg(long)]
        name: Option<String>,
    },
    /// Show a signed image's headers and properties (and check it with --key).
    Inspect {
        /// The signed image (`.ta`) or subkey file.
        file: PathBuf,
        /// A trusted public key to check the signature (chain) with.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Build a Rust TA crate, embed its properties and sign it.
    Build {
        /// The TA crate's directory.
        dir: PathBuf,
        /// The tier to build for: `host` (a TA process on this machine)
        /// or `tz` (S-EL0 of the TrustZone tier: aarch64, no_std).
        #[arg(long, value_enum, default_value = "host")]
        tier: ta_tools::Tier,
        /// The signing key (private, PEM).
        #[arg(long)]
        key: PathBuf,
        /// Where the signed `<uuid>.ta` goes.
        #[arg(long)]
        out_dir: PathBuf,
        /// Cargo target directory (default <dir>/target/oxtee-ta).
        #[arg(long)]
        target_dir: Option<PathBuf>,
        /// Sign through this subkey file (as `ta sign --subkey`).
        #[arg(long)]
        subkey: Option<PathBuf>,
        /// The TA's name in the subkey's namespace.
        #[arg(long, requires = "subkey")]
        name: Option<String>,
    },
}

fn main() -> ExitCode {
    // `up --help` shows the defaults as they are on this machine.
    let cmd = <Cli as clap::CommandFactory>::command()
        .mut_subcommand("up", |c| c.after_help(up_defaults()));
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&cmd.get_matches()) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let r = match cli.cmd {
        Cmd::Up {
            config,
            socket,
            ta_dir,
            storage_dir,
            keys,
            dev,
        } => up(config, socket, ta_dir, storage_dir, keys, dev),
        Cmd::Ta { cmd } => match cmd {
            TaCmd::Keygen { out, public, bits } => ta_tools::keygen(&out, public.as_deref(), bits),
            TaCmd::Sign {
                key,
                elf,
                out,
                pkcs1,
                ta_version,
                subkey,
                name,
                uuid,
            } => (|| {
                let uuid = uuid
                    .map(|u| oxtee_proto::Uuid::parse(&u).ok_or(format!("bad --uuid {u}")))
                    .transpose()?;
                let t = ta_tools::through(subkey.as_deref(), name.as_deref())?;
                ta_tools::sign(&key, &elf, &out, pkcs1, ta_version, t, uuid)
            })()
            .map(|p| println!("signed {}", p.display())),
            TaCmd::SignSubkey {
                key,
                input,
                out,
                uuid,
                name_size,
                max_depth,
                subkey_version,
                subkey,
                name,
                pkcs1,
            } => (|| {
                let uuid = uuid
                    .map(|u| oxtee_proto::Uuid::parse(&u).ok_or(format!("bad --uuid {u}")))
                    .transpose()?;
                ta_tools::sign_subkey(&ta_tools::SubkeyArgs {
                    key: &key,
                    public: &input,
                    out: &out,
                    uuid,
                    name_size,
                    max_depth,
                    subkey_version,
                    parent: ta_tools::through(subkey.as_deref(), name.as_deref())?,
                    pkcs1,
                })
            })(),
            TaCmd::Imports {
                dir,
                dl_exports,
                args,
            } => ta_imports::run(&dir, dl_exports.as_deref(), &args),
            TaCmd::SubkeyUuid { input, name } => ta_tools::subkey_uuid(&input, name.as_deref()),
            TaCmd::Inspect { file, key } => ta_tools::inspect(&file, key.as_deref()),
            TaCmd::Install { file, socket } => ta_mgmt::install(&file, socket.as_deref()),
            TaCmd::Uninstall { uuid, socket } => ta_mgmt::uninstall(&uuid, socket.as_deref()),
            TaCmd::List { socket } => ta_mgmt::list(socket.as_deref()),
            TaCmd::Build {
                dir,
                tier,
                key,
                out_dir,
                target_dir,
                subkey,
                name,
            } => ta_tools::through(subkey.as_deref(), name.as_deref())
                .and_then(|t| {
                    ta_tools::build_rust(tier, &dir, &key, &out_dir, target_dir.as_deref(), t)
                })
                .map(|p| println!("signed {}", p.display())),
        },
        Cmd::Invoke {
            uuid,
            command,
            login,
            socket,
            params,
        } => invoke::run(&uuid, &command, &login, socket.as_deref(), &params),
        Cmd::Status { budget, socket } => status::run(budget, socket.as_deref()),
        Cmd::Trace(opts) => trace::run(opts),
        Cmd::Attest {
            ta,
            challenge,
            key,
            token_out,
            key_out,
            socket,
        } => attest::run(&attest::Args {
            ta: &ta,
            challenge: challenge.as_deref(),
            key: key.as_deref(),
            token_out: token_out.as_deref(),
            key_out: key_out.as_deref(),
            socket: socket.as_deref(),
        }),
        Cmd::Partition {
            kind,
            huk_file,
            memory,
        } => partition(kind, &huk_file, memory),
        Cmd::StorageTorture { dir, seed } => storage_torture(&dir, seed),
        Cmd::Supplicant {
            tee: Some(dev),
            ta_dirs,
            fs_dir,
            ..
        } => tee_supplicant(&dev, ta_dirs, fs_dir),
        Cmd::Supplicant { net: true, .. } => net_supplicant(),
        Cmd::Supplicant { dir, plugins, .. } => supplicant(dir, plugins),
        Cmd::Bench {
            echo_child: true, ..
        } => bench::echo_child(),
        Cmd::Bench {
            storage: true,
            dist,
            storage_mib,
            ..
        } => bench_storage::run(&dist, 500, 2048, storage_mib),
        Cmd::Bench {
            crypto: true,
            dist,
            rounds,
            pin,
            ..
        } => bench::run_crypto(&dist, rounds, pin),
        Cmd::Bench {
            dist, scale, pin, ..
        } => bench::run(&dist, scale, pin),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oxtee: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The defaults `oxtee up` uses without a configuration, for its help.
fn up_defaults() -> String {
    let c = Config::default();
    let l = &c.limits;
    format!(
        "Defaults (a configuration file or the options above change them; every key: \
         crates/daemon/src/config.rs, SECURITY.md):\n  \
         socket:      {}\n  \
         TA dir:      {}\n  \
         storage dir: {}\n  \
         TA keys:     none (give --key, ta_keys, or --dev)\n  \
         limits:      {} contexts, {} per user; {} connections, {} per user; \
         {} sessions per user; {} MiB of temporary memrefs per call",
        c.socket.display(),
        c.ta_dir.display(),
        c.storage_dir.display(),
        l.max_contexts,
        l.max_contexts_per_uid,
        l.max_connections,
        l.max_connections_per_uid,
        l.max_sessions_per_uid,
        l.max_staging >> 20,
    )
}

fn up(
    config: Option<PathBuf>,
    socket: Option<PathBuf>,
    ta_dir: Option<PathBuf>,
    storage_dir: Option<PathBuf>,
    keys: Vec<PathBuf>,
    dev: bool,
) -> Result<(), String> {
    // What started the core may have left descriptors open: none of them
    // goes on to a TA, the supplicant or a partition.
    oxtee_sys::cloexec_inherited().map_err(|e| format!("descriptors: {e}"))?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OXTEE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let mut cfg = match &config {
        Some(p) => Config::load(p).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    if dev {
        // A fresh private folder (mkdtemp, 0700): a predictable name in
        // /tmp could have been made first by another user.
        let base = tempfile::Builder::new()
            .prefix("oxtee-dev-")
            .tempdir()
            .map_err(|e| e.to_string())?
            .keep();
        let ta = base.join("ta");
        let st = base.join("storage");
        std::fs::create_dir_all(&ta).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(&st).map_err(|e| e.to_string())?;
        if ta_dir.is_none() {
            cfg.ta_dir = ta;
        }
        if storage_dir.is_none() {
            cfg.storage_dir = st;
        }
        if keys.is_empty() && cfg.ta_keys.is_empty() {
            // The key the devkit signs with (dist/devkit/keys beside
            // dist/bin/oxtee, or <prefix>/share/oxtee/devkit/keys beside
            // <prefix>/bin/oxtee as scripts/install.sh puts it), as the
            // demo and `make` use it; else a new one.
            let devkit_key = std::env::current_exe().ok().and_then(|e| {
                let top = e.parent()?.parent()?;
                ["devkit", "share/oxtee/devkit"]
                    .iter()
                    .map(|d| top.join(d).join("keys/default_ta.pub.pem"))
                    .find(|k| k.is_file())
            });
            let key = match devkit_key {
                Some(k) => k,
                None => {
                    let k = base.join("dev_ta_key.pem");
                    ta_tools::keygen(&k, None, 2048)?;
                    k
                }
            };
            cfg.ta_keys.push(key);
        }
    }
    if let Some(s) = socket {
        cfg.socket = s;
    }
    if let Some(t) = ta_dir {
        cfg.ta_dir = t;
    }
    if let Some(s) = storage_dir {
        cfg.storage_dir = s;
    }
    cfg.ta_keys.extend(keys);
    if dev {
        println!("development secure world (see SECURITY.md: not for secrets)");
        println!("  TA directory:      {}", cfg.ta_dir.display());
        println!("  storage directory: {}", cfg.storage_dir.display());
        println!("  socket:            {}", cfg.socket.display());
        for k in &cfg.ta_keys {
            println!("  trusted TA key:    {}", k.display());
        }
    }
    // Block SIGINT/SIGTERM in every thread; one thread waits for them.
    let mut set = nix::sys::signal::SigSet::empty();
    set.add(nix::sys::signal::Signal::SIGINT);
    set.add(nix::sys::signal::Signal::SIGTERM);
    set.thread_block().map_err(|e| e.to_string())?;
    let server = Server::bind(cfg).map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let s2 = stop.clone();
    std::thread::spawn(move || {
        if let Ok(sig) = set.wait() {
            tracing::info!("received {sig:?}");
        }
        s2.store(true, Ordering::Relaxed);
    });
    server.run(&stop).map_err(|e| e.to_string())
}

/// The crash-injection workload (see `oxtee_daemon::trusted_storage::torture`).
fn storage_torture(dir: &std::path::Path, seed: u64) -> Result<(), String> {
    use oxtee_daemon::trusted_storage::torture;
    use std::io::Write;
    let mut s = torture::open_store(dir).map_err(|e| format!("open: {e:?}"))?;
    let mut out = std::io::stdout().lock();
    for (i, op) in torture::ops(seed, 2_000).iter().enumerate() {
        let _ = writeln!(out, "B {i}");
        let _ = out.flush();
        torture::apply(&mut s, op).map_err(|e| format!("op {i} {op:?}: {e:?}"))?;
        let _ = writeln!(out, "D {i}");
        let _ = out.flush();
    }
    Ok(())
}

/// The supplicant process: serve the core on standard input.
fn supplicant(dir: Option<PathBuf>, plugins: Option<PathBuf>) -> Result<(), String> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| e.to_string())?;
    let ch = oxtee_sys::Channel::from_fd(fd);
    oxtee_daemon::supplicant::serve(&ch, dir, plugins.as_deref())
        .map_err(|e| format!("supplicant: {e}"))
}

/// `oxtee partition KIND`: a secure partition, for the core (its SPMC)
/// on standard input.
fn partition(kind: PartitionKind, huk_file: &std::path::Path, memory: u64) -> Result<(), String> {
    let kind = match kind {
        PartitionKind::Storage => oxtee_partition::Kind::Storage,
        PartitionKind::Crypto => oxtee_partition::Kind::Crypto,
    };
    oxtee_partition::run(kind, huk_file, memory).map_err(|e| format!("partition: {e}"))
}

/// `oxtee supplicant --net`: one TA instance's sockets, for the core on
/// standard input.
fn net_supplicant() -> Result<(), String> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| e.to_string())?;
    let ch = oxtee_sys::Channel::from_fd(fd);
    oxtee_daemon::sockets::serve(&ch).map_err(|e| format!("network supplicant: {e}"))
}

/// `oxtee supplicant --tee PATH`: OP-TEE's tee-supplicant on a Linux TEE
/// device, until the device fails.
fn tee_supplicant(
    dev: &std::path::Path,
    ta_dirs: Vec<PathBuf>,
    fs_dir: Option<PathBuf>,
) -> Result<(), String> {
    let mut cfg = oxtee_tee_supplicant::Config::default();
    if !ta_dirs.is_empty() {
        cfg.ta_dirs = ta_dirs;
    }
    if let Some(d) = fs_dir {
        cfg.fs_dir = d;
    }
    oxtee_tee_supplicant::run(dev, cfg).map_err(|e| format!("supplicant: {}: {e}", dev.display()))
}
