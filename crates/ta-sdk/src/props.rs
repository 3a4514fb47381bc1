//! GP properties for Rust TAs: the current TA's (gpd.ta.* and the extra
//! properties of `[package.metadata.oxtee.properties]`), the current
//! client's (gpd.client.*) and the implementation's (gpd.tee.*).

use crate::prelude::*;
pub use crate::rt::props::PropSet;
use crate::{TeeError, TeeResult};
pub use oxtee_proto::{Identity, PropValue, Property, Uuid};

/// All properties of a set, in enumeration order.
pub fn properties(set: PropSet) -> Vec<Property> {
    crate::rt::props::list(set)
}

/// A property's value (TEE_ERROR_ITEM_NOT_FOUND if there is none).
pub fn property(set: PropSet, name: &str) -> TeeResult<PropValue> {
    crate::rt::props::find(set, name.as_bytes()).ok_or(TeeError::ITEM_NOT_FOUND)
}

/// A property as text (TEE_GetPropertyAsString): every type converts.
pub fn property_string(set: PropSet, name: &str) -> TeeResult<String> {
    property(set, name).map(|v| v.to_text())
}

macro_rules! typed {
    ($f:ident, $t:ty, $pat:pat => $v:expr) => {
        /// A property of this type (TEE_ERROR_BAD_FORMAT for another type).
        pub fn $f(set: PropSet, name: &str) -> TeeResult<$t> {
            match property(set, name)? {
                $pat => Ok($v),
                _ => Err(TeeError::BAD_FORMAT),
            }
        }
    };
}

typed!(property_bool, bool, PropValue::Bool(b) => b);
typed!(property_u32, u32, PropValue::U32(n) => n);
typed!(property_u64, u64, PropValue::U64(n) => n);
typed!(property_uuid, Uuid, PropValue::Uuid(u) => u);
typed!(property_identity, Identity, PropValue::Identity(i) => i);
typed!(property_binary, Vec<u8>, PropValue::Binary(b) => b);
