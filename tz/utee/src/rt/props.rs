//! The three GP property sets as a Rust TA sees them: typed values from
//! the kernel (which holds the sets, the TA's own extra properties among
//! them: a Rust TA's come with its signed header).

use alloc::vec;
use alloc::vec::Vec;

pub use oxtee_gp::ta::PropSet;
use oxtee_proto::tee_layout;
use oxtee_proto::{PropValue, Property};

use crate::sys;

const SHORT_BUFFER: u32 = 0xFFFF_0010;

fn handle(set: PropSet) -> usize {
    match set {
        PropSet::CurrentTa => 0xFFFF_FFFF,
        PropSet::CurrentClient => 0xFFFF_FFFE,
        PropSet::Implementation => 0xFFFF_FFFD,
    }
}

/// Property `index` of `set`: its name and value, None past the end.
fn get(set: usize, index: u32) -> Option<Property> {
    let (mut name, mut value) = (vec![0u8; 128], vec![0u8; 256]);
    loop {
        let (mut nl, mut vl) = (name.len() as u32, value.len() as u32);
        let mut kind = 0;
        let r = sys::get_property(
            set,
            index,
            Some((name.as_mut_ptr(), &mut nl)),
            Some((value.as_mut_ptr(), &mut vl)),
            &mut kind,
        );
        match r {
            0 => {
                // The name's length counts its NUL.
                name.truncate((nl as usize).saturating_sub(1).min(name.len()));
                value.truncate((vl as usize).min(value.len()));
                return Some(Property {
                    name: alloc::string::String::from_utf8_lossy(&name).into(),
                    value: tee_layout::decode(kind, &value)?,
                });
            }
            SHORT_BUFFER if (nl as usize) > name.len() || (vl as usize) > value.len() => {
                name.resize(name.len().max(nl as usize), 0);
                value.resize(value.len().max(vl as usize), 0);
            }
            _ => return None,
        }
    }
}

/// All properties of a set, in enumeration order.
pub fn list(set: PropSet) -> Vec<Property> {
    let h = handle(set);
    (0..).map_while(|i| get(h, i)).collect()
}

/// A property's value.
pub fn find(set: PropSet, name: &[u8]) -> Option<PropValue> {
    let mut z = Vec::with_capacity(name.len() + 1);
    z.extend_from_slice(name);
    z.push(0);
    let (set, index) = sys::property_index(handle(set), &z).ok()?;
    get(set, index).map(|p| p.value)
}
