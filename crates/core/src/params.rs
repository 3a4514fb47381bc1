//! Translation of client operations into TA parameters.
//!
//! The client library sends typed parameters ([`ClientParam`]); the core
//! checks each against the state it owns (the staging buffer size, the
//! registered shared memory and its direction flags) before anything is
//! handed to a TA. This module holds the checks that need no OS; the
//! daemon supplies the sizes.

use crate::codes::*;
use oxtee_proto::{ClientParam, Dir};

/// What the core knows about one registered shared memory object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShmInfo {
    pub size: u64,
    /// TEEC_MEM_INPUT | TEEC_MEM_OUTPUT
    pub flags: u32,
}

/// A checked parameter: where its bytes are, in the sender's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    None,
    Value {
        dir: Dir,
        a: u32,
        b: u32,
    },
    /// `offset..offset+size` of the staging buffer; `null` for a NULL memref.
    Staged {
        dir: Dir,
        offset: u64,
        size: u64,
        null: bool,
    },
    Shm {
        dir: Dir,
        id: u32,
        offset: u64,
        size: u64,
    },
}

impl Checked {
    /// The TA-side parameter type (TEE_PARAM_TYPE_*).
    pub fn ta_type(&self) -> u32 {
        let by_dir = |d: Dir, base: u32| match d {
            Dir::In => base,
            Dir::Out => base + 1,
            Dir::InOut => base + 2,
        };
        match *self {
            Checked::None => PARAM_NONE,
            Checked::Value { dir, .. } => by_dir(dir, PARAM_VALUE_INPUT),
            Checked::Staged { dir, .. } | Checked::Shm { dir, .. } => {
                by_dir(dir, PARAM_MEMREF_INPUT)
            }
        }
    }
}

fn bad() -> TeeError {
    TeeError::api(TEE_ERROR_BAD_PARAMETERS)
}

/// Check the four parameters of an operation. `staging` is the size of
/// the connection's staging buffer; `shm` looks up a registered object of
/// the same context.
pub fn check(
    params: &[ClientParam; 4],
    staging: u64,
    shm: impl Fn(u32) -> Option<ShmInfo>,
) -> Result<[Checked; 4], TeeError> {
    let mut out = [Checked::None; 4];
    for (i, p) in params.iter().enumerate() {
        out[i] = match *p {
            ClientParam::None => Checked::None,
            ClientParam::Value { dir, a, b } => Checked::Value { dir, a, b },
            ClientParam::Staged {
                dir,
                offset,
                size,
                null,
            } => {
                if null {
                    // A NULL buffer carries only a size (for output size
                    // feedback); input from NULL is only allowed with size 0.
                    if dir.is_input() && size != 0 && dir == Dir::In {
                        return Err(bad());
                    }
                    Checked::Staged {
                        dir,
                        offset: 0,
                        size,
                        null: true,
                    }
                } else {
                    let end = offset.checked_add(size).ok_or_else(bad)?;
                    if end > staging {
                        return Err(bad());
                    }
                    Checked::Staged {
                        dir,
                        offset,
                        size,
                        null: false,
                    }
                }
            }
            ClientParam::Shm {
                dir,
                id,
                offset,
                size,
            } => {
                let info = shm(id).ok_or_else(|| TeeError::api(TEE_ERROR_BAD_PARAMETERS))?;
                let end = offset.checked_add(size).ok_or_else(bad)?;
                if end > info.size {
                    return Err(bad());
                }
                if dir.is_input() && info.flags & TEEC_MEM_INPUT == 0 {
                    return Err(bad());
                }
                if dir.is_output() && info.flags & TEEC_MEM_OUTPUT == 0 {
                    return Err(bad());
                }
                Checked::Shm {
                    dir,
                    id,
                    offset,
                    size,
                }
            }
        };
    }
    Ok(out)
}

/// GP param types of a checked operation.
pub fn ta_param_types(c: &[Checked; 4]) -> u32 {
    param_types(
        c[0].ta_type(),
        c[1].ta_type(),
        c[2].ta_type(),
        c[3].ta_type(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxtee_proto::ClientParam as P;

    fn shm(id: u32) -> Option<ShmInfo> {
        match id {
            1 => Some(ShmInfo {
                size: 100,
                flags: TEEC_MEM_INPUT,
            }),
            2 => Some(ShmInfo {
                size: 100,
                flags: TEEC_MEM_INPUT | TEEC_MEM_OUTPUT,
            }),
            _ => None,
        }
    }

    #[test]
    fn checks_bounds_direction_and_handles() {
        let ok = [
            P::Value {
                dir: Dir::InOut,
                a: 1,
                b: 2,
            },
            P::Staged {
                dir: Dir::In,
                offset: 10,
                size: 20,
                null: false,
            },
            P::Shm {
                dir: Dir::InOut,
                id: 2,
                offset: 50,
                size: 50,
            },
            P::None,
        ];
        let c = check(&ok, 30, shm).unwrap();
        assert_eq!(ta_param_types(&c), param_types(3, 5, 7, 0));

        let cases = [
            P::Staged {
                dir: Dir::In,
                offset: 20,
                size: 20,
                null: false,
            },
            P::Staged {
                dir: Dir::In,
                offset: u64::MAX,
                size: 2,
                null: false,
            },
            P::Shm {
                dir: Dir::In,
                id: 9,
                offset: 0,
                size: 1,
            },
            P::Shm {
                dir: Dir::Out,
                id: 1,
                offset: 0,
                size: 1,
            },
            P::Shm {
                dir: Dir::In,
                id: 2,
                offset: 51,
                size: 50,
            },
            P::Staged {
                dir: Dir::In,
                offset: 0,
                size: 5,
                null: true,
            },
        ];
        for bad in cases {
            let e = check(&[bad, P::None, P::None, P::None], 30, shm).unwrap_err();
            assert_eq!(e, TeeError::api(TEE_ERROR_BAD_PARAMETERS), "{bad:?}");
        }
        // NULL output buffer with a size is legal (size feedback).
        assert!(
            check(
                &[
                    P::Staged {
                        dir: Dir::Out,
                        offset: 0,
                        size: 5,
                        null: true
                    },
                    P::None,
                    P::None,
                    P::None
                ],
                0,
                shm
            )
            .is_ok()
        );
    }
}
