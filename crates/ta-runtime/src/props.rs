//! The three GP property sets as the TA sees them, and property
//! enumerators.
//!
//! The current TA's set and the implementation set come from the core
//! (computed from the verified image and the core's own configuration);
//! a C TA's extra properties (`TA_CURRENT_TA_EXT_PROPERTIES`, compiled into
//! the TA image) are added by the C runtime at start-up. The current
//! client's set follows the session being served.

use oxtee_proto::{Identity, PropValue, Property};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

pub use oxtee_gp::ta::PropSet;

static TA: OnceLock<Vec<Property>> = OnceLock::new();
static TEE: OnceLock<Vec<Property>> = OnceLock::new();
static EXTRA: Mutex<Vec<Property>> = Mutex::new(Vec::new());

/// Record the sets sent by the core with `Create`.
pub(crate) fn install(ta: Vec<Property>, tee: Vec<Property>) {
    let extra = std::mem::take(&mut *EXTRA.lock().unwrap());
    let _ = TA.set(oxtee_core::props::merge(ta, extra));
    let _ = TEE.set(tee);
}

/// The TA's heap size: its gpd.ta.dataSize (see [`install`]).
pub(crate) fn data_size() -> Option<u32> {
    match find(PropSet::CurrentTa, b"gpd.ta.dataSize") {
        Some(PropValue::U32(n)) => Some(n),
        _ => crate::ta_props().map(|p| p.data_size),
    }
}

/// Add extra properties of the current TA found in the TA image itself
/// (C TAs). Called before the TA is created.
pub fn add_extra(props: Vec<Property>) {
    EXTRA.lock().unwrap().extend(props);
}

/// Every property of a set, in enumeration order.
pub fn list(set: PropSet) -> Vec<Property> {
    match set {
        PropSet::CurrentTa => TA.get().cloned().unwrap_or_default(),
        PropSet::Implementation => TEE.get().cloned().unwrap_or_default(),
        PropSet::CurrentClient => {
            let id = crate::client_identity().unwrap_or(Identity {
                login: 0,
                uuid: oxtee_proto::Uuid::NIL,
            });
            vec![
                Property {
                    name: "gpd.client.identity".into(),
                    value: PropValue::Identity(id),
                },
                Property {
                    name: "gpd.client.endian".into(),
                    value: PropValue::U32(0),
                },
            ]
        }
    }
}

/// The value of `name` in `set`.
pub fn find(set: PropSet, name: &[u8]) -> Option<PropValue> {
    list(set)
        .into_iter()
        .find(|p| p.name.as_bytes() == name)
        .map(|p| p.value)
}

/// A property enumerator (TEE_AllocatePropertyEnumerator).
#[derive(Debug, Default)]
struct Enumerator {
    /// The set and the position, once started.
    at: Option<(PropSet, usize)>,
}

static ENUMS: Mutex<Option<HashMap<u32, Enumerator>>> = Mutex::new(None);
static NEXT_ENUM: Mutex<u32> = Mutex::new(1);
/// Most enumerators a TA may hold at once.
const MAX_ENUMS: usize = 1024;

/// Allocate an enumerator; None when the TA holds too many.
pub fn enum_alloc() -> Option<u32> {
    let mut g = ENUMS.lock().unwrap();
    let m = g.get_or_insert_with(HashMap::new);
    if m.len() >= MAX_ENUMS {
        return None;
    }
    let mut n = NEXT_ENUM.lock().unwrap();
    let id = *n;
    *n = n.wrapping_add(1).max(1);
    m.insert(id, Enumerator::default());
    Some(id)
}

/// Free an enumerator; false if it does not exist.
pub fn enum_free(id: u32) -> bool {
    ENUMS
        .lock()
        .unwrap()
        .get_or_insert_with(HashMap::new)
        .remove(&id)
        .is_some()
}

/// Start enumerating `set`; false if the enumerator does not exist.
pub fn enum_start(id: u32, set: PropSet) -> bool {
    match ENUMS
        .lock()
        .unwrap()
        .get_or_insert_with(HashMap::new)
        .get_mut(&id)
    {
        Some(e) => {
            e.at = Some((set, 0));
            true
        }
        None => false,
    }
}

/// Back to the state after allocation; false if it does not exist.
pub fn enum_reset(id: u32) -> bool {
    match ENUMS
        .lock()
        .unwrap()
        .get_or_insert_with(HashMap::new)
        .get_mut(&id)
    {
        Some(e) => {
            e.at = None;
            true
        }
        None => false,
    }
}

/// Whether `id` is a live enumerator.
pub fn enum_exists(id: u32) -> bool {
    ENUMS
        .lock()
        .unwrap()
        .get_or_insert_with(HashMap::new)
        .contains_key(&id)
}

/// The property under the enumerator: Err(()) if the enumerator does not
/// exist, Ok(None) if it is not started or past the end.
#[allow(clippy::result_unit_err)]
pub fn enum_current(id: u32) -> Result<Option<Property>, ()> {
    let g = ENUMS.lock().unwrap();
    let e = g.as_ref().and_then(|m| m.get(&id)).ok_or(())?;
    Ok(e.at.and_then(|(set, i)| list(set).into_iter().nth(i)))
}

/// Move to the next property: Err(()) if the enumerator does not exist,
/// Ok(false) if it is not started or there is no next property.
#[allow(clippy::result_unit_err)]
pub fn enum_next(id: u32) -> Result<bool, ()> {
    let mut g = ENUMS.lock().unwrap();
    let e = g.get_or_insert_with(HashMap::new).get_mut(&id).ok_or(())?;
    match e.at {
        Some((set, i)) if i < list(set).len() => {
            e.at = Some((set, i + 1));
            Ok(i + 1 < list(set).len())
        }
        _ => Ok(false),
    }
}
