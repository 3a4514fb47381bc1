//! `oxtee ta keygen | sign | sign-subkey | subkey-uuid | inspect | build`.

use oxtee_core::{head, image};
use oxtee_proto::{TaProps, Uuid};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use std::path::{Path, PathBuf};
use std::process::Command;

pub type R<T = ()> = Result<T, String>;

pub fn keygen(out: &Path, public: Option<&Path>, bits: usize) -> R {
    let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, bits).map_err(|e| e.to_string())?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| e.to_string())?;
    write_private(out, pem.as_bytes())?;
    let pubpath = public
        .map(Path::to_path_buf)
        .unwrap_or_else(|| out.with_extension("pub.pem"));
    let pubpem = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| e.to_string())?;
    std::fs::write(&pubpath, pubpem).map_err(|e| format!("{}: {e}", pubpath.display()))?;
    println!(
        "private key: {}\npublic key:  {}",
        out.display(),
        pubpath.display()
    );
    Ok(())
}

fn write_private(path: &Path, data: &[u8]) -> R {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(data)
        .map_err(|e| format!("{}: {e}", path.display()))
}

pub fn load_private(path: &Path) -> R<rsa::RsaPrivateKey> {
    let pem = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    image::private_key_from_pem(&pem).map_err(|e| format!("{}: {e}", path.display()))
}

/// A subkey to sign through: OP-TEE's `--subkey FILE --name NAME`.
#[derive(Debug, Clone, Copy)]
pub struct Through<'a> {
    /// The subkey file (`oxtee ta sign-subkey`).
    pub subkey: &'a Path,
    /// The name, in the last subkey's namespace, of what is signed.
    pub name: &'a str,
}

/// `--subkey` and `--name` as given: a name needs a subkey.
pub fn through<'a>(subkey: Option<&'a Path>, name: Option<&'a str>) -> R<Option<Through<'a>>> {
    match (subkey, name) {
        (Some(subkey), name) => Ok(Some(Through {
            subkey,
            name: name.unwrap_or(""),
        })),
        (None, Some(_)) => {
            Err("--name names a TA or subkey in a subkey's namespace: it needs --subkey".into())
        }
        (None, None) => Ok(None),
    }
}

fn read(path: &Path) -> R<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn algo(pkcs1: bool) -> u32 {
    if pkcs1 {
        image::ALG_RSASSA_PKCS1_V1_5_SHA256
    } else {
        image::ALG_RSASSA_PKCS1_PSS_MGF1_SHA256
    }
}

fn algo_name(algo: u32) -> &'static str {
    match algo {
        image::ALG_RSASSA_PKCS1_PSS_MGF1_SHA256 => "RSASSA-PSS-SHA256",
        _ => "RSASSA-PKCS1-v1_5-SHA256",
    }
}

/// Sign `elf` into `out` (a file, or a directory receiving `<uuid>.ta`),
/// with a root key, or with a subkey's key `through` its subkey file.
/// With `expect`, the ELF must name that UUID.
pub fn sign(
    key: &Path,
    elf: &Path,
    out: &Path,
    pkcs1: bool,
    ta_version: u32,
    through: Option<Through<'_>>,
    expect: Option<Uuid>,
) -> R<PathBuf> {
    let mut bytes = read(elf)?;
    // A TA names its UUID in its header; a library TA in its DT_SONAME.
    // (A TA for this host, or for the TrustZone tier's S-EL0.)
    let props = head::read(&bytes)
        .or_else(|e| head::read_for(&bytes, object::elf::EM_AARCH64).map_err(|_| e));
    let uuid = match props {
        Ok(p) => {
            // Runs with no dynamic loader: optional references nothing
            // defines are settled as absent (a static PIE has none).
            head::settle_optional_references(&mut bytes)
                .map_err(|e| format!("{}: {e}", elf.display()))?;
            p.uuid
        }
        Err(e) => oxtee_core::shlib::library(&bytes)
            .map(|lib| lib.uuid)
            .map_err(|_| format!("{}: {e}", elf.display()))?,
    };
    if let Some(want) = expect
        && want != uuid
    {
        return Err(format!(
            "{}: the TA's header names UUID {uuid}, not {want} (the UUID given to sign it)",
            elf.display()
        ));
    }
    let keyp = key;
    let key = load_private(key)?;
    let mut rng = rand_core::OsRng;
    let signed = match through {
        None => image::sign(&bytes, uuid, ta_version, &key, algo(pkcs1), &mut rng)
            .map_err(|e| e.to_string())?,
        Some(t) => {
            let chain = read(t.subkey)?;
            image::sign_with_subkey(
                &bytes,
                uuid,
                ta_version,
                (&chain, t.name.as_bytes()),
                &key,
                algo(pkcs1),
                &mut rng,
            )
            .map_err(|e| match e {
                image::ImageError::UuidOutsideNamespace { expected, got } => format!(
                    "{}: the TA's UUID {got} is not in the namespace of {}: signed with \
                     --name {:?}, the TA must have UUID {expected} (its BINARY and TA_UUID)",
                    elf.display(),
                    t.subkey.display(),
                    t.name
                ),
                image::ImageError::Sign(why) if why.contains("not the subkey's key") => format!(
                    "{} is not the private key of the last subkey in {}",
                    keyp.display(),
                    t.subkey.display()
                ),
                e => format!("{}: {e}", t.subkey.display()),
            })?
        }
    };
    let dest = if out.is_dir() {
        out.join(format!("{}.ta", uuid))
    } else {
        out.to_path_buf()
    };
    std::fs::write(&dest, signed).map_err(|e| format!("{}: {e}", dest.display()))?;
    Ok(dest)
}

/// What `oxtee ta sign-subkey` is asked for.
pub struct SubkeyArgs<'a> {
    /// The signer: a root key, or the parent subkey's key.
    pub key: &'a Path,
    /// The new subkey's key (public, or private: only its public half is used).
    pub public: &'a Path,
    pub out: &'a Path,
    pub uuid: Option<Uuid>,
    pub name_size: u32,
    pub max_depth: Option<u32>,
    pub subkey_version: u32,
    /// The parent subkey file, and the new subkey's name in its namespace.
    pub parent: Option<Through<'a>>,
    pub pkcs1: bool,
}

/// Make a subkey file, as OP-TEE's `sign_encrypt.py sign-subkey` does.
pub fn sign_subkey(a: &SubkeyArgs<'_>) -> R {
    let pem =
        std::fs::read_to_string(a.public).map_err(|e| format!("{}: {e}", a.public.display()))?;
    let public =
        image::public_key_from_pem(&pem).map_err(|e| format!("{}: {e}", a.public.display()))?;
    let signer = load_private(a.key)?;
    let chain = a.parent.map(|p| read(p.subkey)).transpose()?;
    let (uuid, max_depth) = match (&chain, a.parent) {
        (Some(chain), Some(p)) => {
            let subkeys = image::parse_subkey_file(chain)
                .map_err(|e| format!("{}: {e}", p.subkey.display()))?;
            let last = subkeys.last().expect("a subkey file has a subkey");
            let derived = image::next_uuid(chain, p.name.as_bytes())
                .map_err(|e| format!("--name {:?}: {e}", p.name))?;
            if let Some(u) = a.uuid {
                if u != derived {
                    return Err(format!(
                        "--uuid {u} is not in the namespace of {}: with --name {:?} the subkey's UUID is {derived}",
                        p.subkey.display(),
                        p.name
                    ));
                }
            }
            let max_depth = match a.max_depth {
                Some(d) => d,
                None if last.max_depth == 0 => {
                    return Err(format!(
                        "{} has max_depth 0: it may sign TAs, not subkeys",
                        p.subkey.display()
                    ));
                }
                None => last.max_depth - 1,
            };
            (derived, max_depth)
        }
        _ => (
            a.uuid
                .ok_or("--uuid (the new subkey's namespace) is required without --subkey")?,
            a.max_depth.unwrap_or(0),
        ),
    };
    let params = image::SubkeyParams {
        uuid,
        name_size: a.name_size,
        subkey_version: a.subkey_version,
        max_depth,
        algo: algo(a.pkcs1),
    };
    let parent = match (&chain, a.parent) {
        (Some(c), Some(p)) => Some((c.as_slice(), p.name.as_bytes())),
        _ => None,
    };
    let file = image::sign_subkey(
        &params,
        &public,
        parent,
        &signer,
        algo(a.pkcs1),
        &mut rand_core::OsRng,
    )
    .map_err(|e| match e {
        image::ImageError::Sign(why) if why.contains("not the parent subkey's key") => format!(
            "{} is not the private key of the last subkey in {}",
            a.key.display(),
            a.parent
                .map(|p| p.subkey.display().to_string())
                .unwrap_or_default()
        ),
        e => e.to_string(),
    })?;
    std::fs::write(a.out, file).map_err(|e| format!("{}: {e}", a.out.display()))?;
    println!(
        "subkey {uuid} (max_depth {max_depth}, name_size {}, version {}) written to {}",
        a.name_size,
        a.subkey_version,
        a.out.display()
    );
    Ok(())
}

/// The UUIDs of a subkey file's chain, and the UUID `name` gives below it
/// (OP-TEE's `sign_encrypt.py subkey-uuid`).
pub fn subkey_uuid(file: &Path, name: Option<&str>) -> R {
    let chain = read(file)?;
    let subkeys =
        image::parse_subkey_file(&chain).map_err(|e| format!("{}: {e}", file.display()))?;
    for sk in &subkeys {
        println!("subkey uuid: {}", sk.uuid);
    }
    let next = image::next_uuid(&chain, name.unwrap_or("").as_bytes())
        .map_err(|e| format!("--name {:?}: {e}", name.unwrap_or("")))?;
    println!("next uuid:   {next}");
    Ok(())
}

fn print_subkeys(subkeys: &[image::Subkey<'_>]) {
    for (i, sk) in subkeys.iter().enumerate() {
        let by = if i == 0 {
            "a root key".to_string()
        } else {
            format!("subkey {}", subkeys[i - 1].uuid)
        };
        println!("subkey {}:    {}", i + 1, sk.uuid);
        println!(
            "  signed by: {by}, {} (0x{:08x})",
            algo_name(sk.algo),
            sk.algo
        );
        println!(
            "  key:       RSA-{} ({} 0x{:08x}), subkey version {}, max_depth {}",
            sk.key.n().bits(),
            algo_name(sk.key_algo),
            sk.key_algo,
            sk.subkey_version,
            sk.max_depth
        );
        match (sk.name_size, sk.next_name, sk.next_uuid) {
            (0, _, _) => println!("  next:      identity subkey: the next UUID is {}", sk.uuid),
            (n, Some(name), Some(u)) => println!(
                "  next:      name {:?} (name_size {n}) -> {u}",
                String::from_utf8_lossy(name)
            ),
            (n, _, _) => println!("  next:      a name of up to {n} bytes in its namespace"),
        }
    }
}

pub fn inspect(file: &Path, key: Option<&Path>) -> R {
    let bytes = read(file)?;
    let keys = match key {
        Some(k) => {
            let pem = std::fs::read_to_string(k).map_err(|e| format!("{}: {e}", k.display()))?;
            Some((k, image::public_key_from_pem(&pem)?))
        }
        None => None,
    };
    let img = match image::parse(&bytes) {
        Ok(img) => img,
        Err(e) => {
            // A subkey file?
            let Ok(subkeys) = image::parse_subkey_file(&bytes) else {
                return Err(format!("{}: {e}", file.display()));
            };
            println!("file:        {} (a subkey file)", file.display());
            print_subkeys(&subkeys);
            if let Some((k, pk)) = keys {
                match image::verify_subkey_file(&bytes, &[pk]) {
                    Ok(_) => println!("signature:   valid chain from root key {}", k.display()),
                    Err(e) => return Err(format!("signature:   INVALID: {e}")),
                }
            }
            return Ok(());
        }
    };
    println!("file:        {}", file.display());
    print_subkeys(&img.subkeys);
    println!("image type:  {} (bootstrap TA)", img.img_type);
    println!("uuid:        {}", img.uuid);
    if let Some(last) = img.subkeys.last() {
        if last.next_uuid == Some(img.uuid) {
            println!("             (in the namespace of subkey {})", last.uuid);
        } else {
            println!(
                "WARNING: the UUID is outside the namespace of subkey {} (which allows {})",
                last.uuid,
                last.next_uuid.map(|u| u.to_string()).unwrap_or_default()
            );
        }
    }
    println!("ta version:  {}", img.ta_version);
    println!(
        "algorithm:   {} (0x{:08x}), signature {} bytes",
        algo_name(img.algo),
        img.algo,
        img.sig.len()
    );
    println!("elf size:    {}", img.elf.len());
    match head::read(img.elf) {
        Ok(p) => {
            println!("flags:       0x{:x}{}", p.flags, flag_names(p.flags));
            println!("stack size:  {}", p.stack_size);
            println!("data size:   {}", p.data_size);
            println!("version:     {}", p.version);
            println!("description: {}", p.description);
            if p.uuid != img.uuid {
                println!(
                    "WARNING: the ELF header names {} but the image is signed for {}",
                    p.uuid, img.uuid
                );
            }
        }
        Err(e) => println!("TA header:   invalid: {e}"),
    }
    if let Some((k, pk)) = keys {
        match image::verify(&bytes, &[pk]) {
            Ok(_) if img.subkeys.is_empty() => println!("signature:   valid for {}", k.display()),
            Ok(_) => println!(
                "signature:   valid, through {} subkey(s) from root key {}",
                img.subkeys.len(),
                k.display()
            ),
            Err(e) => return Err(format!("signature:   INVALID: {e}")),
        }
    }
    Ok(())
}

fn flag_names(f: u32) -> String {
    let mut v = Vec::new();
    for (bit, name) in [
        (1 << 2, "singleInstance"),
        (1 << 3, "multiSession"),
        (1 << 4, "instanceKeepAlive"),
    ] {
        if f & bit != 0 {
            v.push(name);
        }
    }
    if v.is_empty() {
        String::new()
    } else {
        format!(" ({})", v.join(", "))
    }
}

/// The Rust TA target triple of this host.
pub fn host_triple() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "aarch64-unknown-linux-gnu"
    } else {
        "x86_64-unknown-linux-gnu"
    }
}

/// Read `[package.metadata.oxtee]` of a TA crate.
pub fn rust_ta_props(manifest: &Path) -> R<(String, TaProps)> {
    let text =
        std::fs::read_to_string(manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let doc: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", manifest.display()))?;
    let pkg = doc
        .get("package")
        .and_then(|p| p.as_table())
        .ok_or("no [package]")?;
    let name = pkg
        .get("name")
        .and_then(|v| v.as_str())
        .ok_or("no package name")?
        .to_string();
    let version = pkg
        .get("version")
        .and_then(|v| v.as_str())
        .unwrap_or("0.0")
        .to_string();
    let meta = pkg
        .get("metadata")
        .and_then(|m| m.get("oxtee"))
        .and_then(|m| m.as_table())
        .ok_or_else(|| format!("{}: no [package.metadata.oxtee] table", manifest.display()))?;
    let uuid_s = meta
        .get("uuid")
        .and_then(|v| v.as_str())
        .ok_or("metadata.oxtee.uuid is required")?;
    let uuid = Uuid::parse(uuid_s).ok_or_else(|| format!("bad uuid {uuid_s}"))?;
    let mut flags = 0u32;
    if let Some(list) = meta.get("flags").and_then(|v| v.as_array()) {
        for f in list {
            flags |= match f.as_str() {
                Some("single-instance") => 1 << 2,
                Some("multi-session") => 1 << 3,
                Some("instance-keep-alive") => 1 << 4,
                other => return Err(format!("unknown TA flag {other:?}")),
            };
        }
    }
    let num = |k: &str, d: u32| -> R<u32> {
        match meta.get(k) {
            None => Ok(d),
            Some(v) => v
                .as_integer()
                .and_then(|i| u32::try_from(i).ok())
                .ok_or_else(|| format!("bad {k}")),
        }
    };
    let props = TaProps {
        uuid,
        flags,
        stack_size: num("stack-size", 64 * 1024)?,
        data_size: num("data-size", 1024 * 1024)?,
        version,
        description: meta
            .get("description")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string(),
        ext: ext_props(meta.get("properties"))?,
    };
    // What the TA header can carry (the core refuses more when it loads
    // the image, and TA processes are handed at most that).
    let limits = [
        (
            "version",
            props.version.len(),
            oxtee_proto::limits::TA_VERSION,
        ),
        (
            "description",
            props.description.len(),
            oxtee_proto::limits::TA_DESCRIPTION,
        ),
        (
            "extra properties (encoded)",
            oxtee_proto::encode_with_limit(&props.ext, usize::MAX).map_or(usize::MAX, |e| e.len()),
            oxtee_proto::limits::EXT_PROPS,
        ),
    ];
    for (what, len, max) in limits {
        if len > max {
            return Err(format!(
                "{}: the TA's {what} take {len} bytes, at most {max} fit in a TA header",
                manifest.display()
            ));
        }
    }
    Ok((name, props))
}

/// `[package.metadata.oxtee.properties]`: `name = true | 123 | "text"`,
/// or a one-key table `{ u64 = N }`, `{ uuid = "..." }`, `{ base64 = "..." }`.
fn ext_props(t: Option<&toml::Value>) -> R<Vec<oxtee_proto::Property>> {
    use oxtee_proto::{PropValue, Property};
    let Some(t) = t else { return Ok(Vec::new()) };
    let t = t
        .as_table()
        .ok_or("metadata.oxtee.properties must be a table")?;
    let mut out = Vec::new();
    for (name, v) in t {
        let bad = || format!("property {name}: unsupported value {v}");
        let value = match v {
            toml::Value::Boolean(b) => PropValue::Bool(*b),
            toml::Value::Integer(i) => match u32::try_from(*i) {
                Ok(n) => PropValue::U32(n),
                Err(_) => PropValue::U64(u64::try_from(*i).map_err(|_| bad())?),
            },
            toml::Value::String(s) => PropValue::String(s.clone()),
            toml::Value::Table(tt) if tt.len() == 1 => {
                let (k, x) = tt.iter().next().expect("one entry");
                match (k.as_str(), x) {
                    ("u64", toml::Value::Integer(i)) => {
                        PropValue::U64(u64::try_from(*i).map_err(|_| bad())?)
                    }
                    ("uuid", toml::Value::String(s)) => {
                        PropValue::Uuid(Uuid::parse(s).ok_or_else(bad)?)
                    }
                    ("base64", toml::Value::String(s)) => {
                        PropValue::Binary(oxtee_proto::unbase64(s).ok_or_else(bad)?)
                    }
                    _ => return Err(bad()),
                }
            }
            _ => return Err(bad()),
        };
        out.push(Property {
            name: name.clone(),
            value,
        });
    }
    Ok(out)
}

/// The tier a Rust TA is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Tier {
    /// A TA process on this host (static executable, the standard library).
    Host,
    /// S-EL0 of the TrustZone tier: a static PIE for
    /// aarch64-unknown-none-softfloat over the tier's libutee.
    Tz,
}

/// The Rust target of TAs for the TrustZone tier's S-EL0: no FP/SIMD
/// (the secure world saves no FP registers), aligned accesses.
pub const TZ_TRIPLE: &str = "aarch64-unknown-none-softfloat";

/// Build a Rust TA crate for `tier`, embed its header and sign it.
pub fn build_rust(
    tier: Tier,
    dir: &Path,
    key: &Path,
    out_dir: &Path,
    target_dir: Option<&Path>,
    through: Option<Through<'_>>,
) -> R<PathBuf> {
    match tier {
        Tier::Host => build_rust_host(dir, key, out_dir, target_dir, through),
        Tier::Tz => build_rust_tz(dir, key, out_dir, target_dir, through),
    }
}

/// A Rust TA crate's manifest, package name, properties and Cargo target
/// directory (default `<dir>/target/oxtee-ta`).
fn rust_ta(dir: &Path, target_dir: Option<&Path>) -> R<(PathBuf, String, TaProps, PathBuf)> {
    let manifest = dir.join("Cargo.toml");
    let (name, props) = rust_ta_props(&manifest)?;
    let target_dir = target_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.join("target/oxtee-ta"));
    Ok((manifest, name, props, target_dir))
}

/// What a TA's heap holds besides `data-size` bytes of allocations at
/// S-EL0 (the devkit's `OXTEE_TZ_HEAP_SLACK`): the allocator's bookkeeping.
const TZ_HEAP_SLACK: usize = 4096;

/// The TA header and heap of a Rust TA for S-EL0, as Rust source: what the
/// devkit's `user_ta_header.c` gives a C TA (the header record, under the
/// symbol libutee reads, in the section the kernel reads; the heap,
/// `data-size` bytes of .bss; an empty C property table, the extra
/// properties being in the header).
fn tz_head_source(props: &TaProps) -> String {
    let head = head::encode(props);
    let bytes: Vec<String> = head.iter().map(|b| b.to_string()).collect();
    format!(
        "// Generated by `oxtee ta build --tier tz` for TA {uuid}.\n\
         #![no_std]\n\
         #![allow(non_upper_case_globals)]\n\
         #[repr(C, align(8))]\n\
         pub struct Head([u8; {n}]);\n\
         #[unsafe(no_mangle)]\n\
         #[unsafe(link_section = \"{section}\")]\n\
         #[used]\n\
         pub static oxtee_ta_head: Head = Head([{bytes}]);\n\
         #[repr(C, align(16))]\n\
         pub struct Heap([u8; {data}]);\n\
         #[unsafe(no_mangle)]\n\
         pub static mut ta_heap: Heap = Heap([0; {data}]);\n\
         #[unsafe(no_mangle)]\n\
         pub static ta_heap_size: usize = {data};\n\
         #[unsafe(no_mangle)]\n\
         pub static ta_props: [u64; 0] = [];\n\
         #[unsafe(no_mangle)]\n\
         pub static ta_num_props: usize = 0;\n",
        uuid = props.uuid,
        n = head.len(),
        section = head::SECTION,
        bytes = bytes.join(","),
        data = props.data_size as usize + TZ_HEAP_SLACK,
    )
}

/// FNV-1a, 64 bits: a name for content (not a security function).
fn fnv1a(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn run(c: &mut Command, what: &str) -> R {
    let st = c.status().map_err(|e| format!("cannot run {what}: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{what} failed"))
    }
}

/// Build a Rust TA crate for S-EL0: the crate for
/// aarch64-unknown-none-softfloat (its SDK over the tier's libutee), with
/// its header object, linked as the devkit links a C TA for the tier (a
/// static PIE entered at `__ta_entry`, W^X segments in 4 KiB pages,
/// RELRO, only what is used), stripped at link and signed.
fn build_rust_tz(
    dir: &Path,
    key: &Path,
    out_dir: &Path,
    target_dir: Option<&Path>,
    through: Option<Through<'_>>,
) -> R<PathBuf> {
    let (manifest, name, props, target_dir) = rust_ta(dir, target_dir)?;
    // Named by its content: the TA is linked again when its header changes.
    let source = tz_head_source(&props);
    let work = target_dir.join("oxtee-tz-head");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let stem = format!("{}-{:016x}", props.uuid, fnv1a(source.as_bytes()));
    let src = work.join(format!("{stem}.rs"));
    let obj = work.join(format!("{stem}.o"));
    std::fs::write(&src, &source).map_err(|e| format!("{}: {e}", src.display()))?;
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    run(
        Command::new(&rustc)
            .args(["--edition", "2024", "--crate-type", "lib", "--emit", "obj"])
            .args([
                "-C",
                "relocation-model=pie",
                "-C",
                "panic=abort",
                "--target",
                TZ_TRIPLE,
            ])
            .arg("-o")
            .arg(&obj)
            .arg(&src),
        "rustc (the TA header)",
    )?;
    let mut flags = std::env::var("OXTEE_TA_RUSTFLAGS").unwrap_or_default();
    for f in [
        "-C relocation-model=pie",
        "-C strip=symbols",
        // No unwinding at S-EL0 (panic = abort): no unwind tables either.
        "-C force-unwind-tables=no",
        "-C link-arg=-pie",
        "-C link-arg=--no-dynamic-linker",
        "-C link-arg=-e__ta_entry",
        "-C link-arg=--gc-sections",
        "-C link-arg=-zrelro",
        "-C link-arg=-znow",
        "-C link-arg=-znoexecstack",
        "-C link-arg=-zseparate-code",
        "-C link-arg=-zmax-page-size=4096",
        "-C link-arg=--build-id=none",
    ] {
        flags.push(' ');
        flags.push_str(f);
    }
    // The header object on the TA's own link line only (`cargo rustc`),
    // so that TAs built one after another share their dependencies.
    run(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["rustc", "--release", "--target", TZ_TRIPLE, "--bin", &name])
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target_dir)
            .arg("--")
            .arg(format!("-Clink-arg={}", obj.display()))
            .env("RUSTFLAGS", flags.trim())
            // Small images, as OP-TEE's: size-optimised, whole-program.
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s")
            .env("CARGO_PROFILE_RELEASE_LTO", "true")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
            .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false"),
        &format!("cargo build of {} for {TZ_TRIPLE}", dir.display()),
    )?;
    let exe = target_dir.join(TZ_TRIPLE).join("release").join(&name);
    std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let elf = out_dir.join(format!("{}.stripped.elf", props.uuid));
    std::fs::copy(&exe, &elf).map_err(|e| format!("{}: {e}", exe.display()))?;
    sign(key, &elf, out_dir, false, 0, through, Some(props.uuid))
}

/// Build a Rust TA crate as a static executable, embed its header and sign it.
fn build_rust_host(
    dir: &Path,
    key: &Path,
    out_dir: &Path,
    target_dir: Option<&Path>,
    through: Option<Through<'_>>,
) -> R<PathBuf> {
    let (manifest, name, props, target_dir) = rust_ta(dir, target_dir)?;
    let triple = host_triple();
    let mut flags = std::env::var("OXTEE_TA_RUSTFLAGS").unwrap_or_default();
    flags.push_str(" -C target-feature=+crt-static -C panic=abort");
    let st = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "--target", triple, "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .env("RUSTFLAGS", flags.trim())
        // As in this workspace's .cargo/config.toml: a TA process seeds
        // AWS-LC from the kernel, not from 30-40 ms of CPU jitter.
        .env("AWS_LC_SYS_NO_JITTER_ENTROPY", "1")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !st.success() {
        return Err(format!("cargo build of {} failed", dir.display()));
    }
    let exe = target_dir.join(triple).join("release").join(&name);
    std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let elf = out_dir.join(format!("{}.elf", props.uuid));
    let headf = out_dir.join(format!("{}.head", props.uuid));
    std::fs::write(&headf, head::encode(&props)).map_err(|e| e.to_string())?;
    let st = Command::new("objcopy")
        .arg("--add-section")
        .arg(format!("{}={}", head::SECTION, headf.display()))
        .arg("--set-section-flags")
        .arg(format!("{}=readonly", head::SECTION))
        .arg(&exe)
        .arg(&elf)
        .status()
        .map_err(|e| format!("cannot run objcopy (binutils): {e}"))?;
    let _ = std::fs::remove_file(&headf);
    if !st.success() {
        return Err("objcopy failed".into());
    }
    // Signed and run: the image without symbols and debug information,
    // as OP-TEE signs; the full ELF stays beside it for gdb.
    let stripped = out_dir.join(format!("{}.stripped.elf", props.uuid));
    let st = Command::new("objcopy")
        .arg("--strip-unneeded")
        .arg(&elf)
        .arg(&stripped)
        .status()
        .map_err(|e| format!("cannot run objcopy (binutils): {e}"))?;
    if !st.success() {
        return Err("objcopy --strip-unneeded failed".into());
    }
    sign(key, &stripped, out_dir, false, 0, through, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(extra: &str) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let m = d.path().join("Cargo.toml");
        std::fs::write(
            &m,
            format!(
                "[package]\nname = \"t\"\nversion = \"1.0.0\"\n\
                 [package.metadata.oxtee]\nuuid = \"8aaaf200-2450-11e4-abe2-0002a5d5c51b\"\n{extra}"
            ),
        )
        .unwrap();
        (d, m)
    }

    /// A TA whose header would not fit (and whose Create message would
    /// exceed its bound) is refused when it is built, naming the field.
    #[test]
    fn oversized_ta_header_fields_are_refused_at_build() {
        let (_d, m) = manifest("description = \"ok\"\n");
        assert!(rust_ta_props(&m).is_ok());
        let (_d, m) = manifest(&format!("description = \"{}\"\n", "d".repeat(256)));
        let e = rust_ta_props(&m).unwrap_err();
        assert!(e.contains("description take 256 bytes, at most 255"), "{e}");
        let mut props = String::from("[package.metadata.oxtee.properties]\n");
        for i in 0..40 {
            props.push_str(&format!("\"com.example.p{i}\" = \"{}\"\n", "v".repeat(250)));
        }
        let (_d, m) = manifest(&props);
        let e = rust_ta_props(&m).unwrap_err();
        assert!(e.contains("extra properties (encoded) take"), "{e}");
    }
}
