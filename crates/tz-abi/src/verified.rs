//! TA images the kernel has verified, remembered by the SHA-256 of their
//! bytes: an image fetched again whose bytes hash to a remembered digest
//! is the same bytes (SHA-256 is collision resistant), so its signature
//! is not checked again. The image is still fetched from the normal world
//! and hashed every time (a TA file that changes is seen at its next
//! load); only the RSA verification, most of a load's cost under QEMU,
//! is saved. OP-TEE verifies every time.

use alloc::collections::VecDeque;

use oxtee_core::image::{self, RsaPublicKey, SignedImage};
use sha2::{Digest, Sha256};

/// How many images are remembered (the least recently verified or used
/// is forgotten first).
pub const REMEMBERED: usize = 32;

/// The digests of verified images, with the UUID each was signed for
/// and the key id of its signer.
#[derive(Default)]
pub struct Verified {
    seen: VecDeque<([u8; 32], [u8; 16], [u8; 32])>,
}

impl Verified {
    pub fn new() -> Verified {
        Verified::default()
    }

    /// `bytes` as a signed image for `uuid`: verified against `keys`, or
    /// recognised as an image verified before for that UUID. `None` if
    /// it does not verify or is signed for another UUID. With the image,
    /// the key id (`image::key_id`) of the key that signed it.
    pub fn check<'a>(
        &mut self,
        bytes: &'a [u8],
        uuid: [u8; 16],
        keys: &[RsaPublicKey],
    ) -> Option<(SignedImage<'a>, [u8; 32])> {
        let digest: [u8; 32] = Sha256::digest(bytes).into();
        let img = match self.seen.iter().position(|e| e.0 == digest) {
            Some(i) => {
                let e = self.seen.remove(i)?;
                self.seen.push_front(e);
                // The same bytes: they verified, for this UUID.
                let img = image::parse(bytes).ok()?;
                (e.1 == uuid).then_some((img, e.2))?
            }
            None => {
                let img = image::verify(bytes, keys).ok()?;
                let signer = img.signer?;
                if img.uuid.0 != uuid {
                    return None;
                }
                self.seen.push_front((digest, img.uuid.0, signer));
                self.seen.truncate(REMEMBERED);
                (img, signer)
            }
        };
        (img.0.uuid.0 == uuid).then_some(img)
    }

    /// How many digests are remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &[u8] =
        include_bytes!("../../../tz/guest/fixtures/05a87e89-29c1-451d-b5a1-cf6e5d72dc70.ta");
    const UUID: [u8; 16] = [
        0x05, 0xa8, 0x7e, 0x89, 0x29, 0xc1, 0x45, 0x1d, 0xb5, 0xa1, 0xcf, 0x6e, 0x5d, 0x72, 0xdc,
        0x70,
    ];

    fn key() -> RsaPublicKey {
        image::public_key_from_pem(include_str!("../../../tz/guest/fixtures/signer.pub.pem"))
            .unwrap()
    }

    #[test]
    fn an_image_verified_once_is_recognised_by_its_bytes_for_its_uuid_only() {
        let mut v = Verified::new();
        let keys = [key()];
        let (first, signer) = v.check(FIXTURE, UUID, &keys).unwrap();
        assert_eq!(signer, image::key_id(&keys[0]));
        assert_eq!(v.len(), 1);
        // Again, even with no key trusted: the same bytes, the same ELF,
        // the same signer.
        let (again, signer_again) = v.check(FIXTURE, UUID, &[]).unwrap();
        assert_eq!(again.elf, first.elf);
        assert_eq!(signer_again, signer);
        // The same bytes asked for under another UUID.
        let mut other = UUID;
        other[15] ^= 1;
        assert!(v.check(FIXTURE, other, &keys).is_none());
        // A byte changed: verified afresh, and refused.
        let mut bad = FIXTURE.to_vec();
        let at = bad.len() - 100;
        bad[at] ^= 0x40;
        assert!(v.check(&bad, UUID, &keys).is_none());
        assert_eq!(v.len(), 1);
        // Never verified: no key, no pass.
        assert!(Verified::new().check(FIXTURE, UUID, &[]).is_none());
    }

    #[test]
    fn the_memory_is_bounded() {
        let mut v = Verified::new();
        for i in 0..REMEMBERED as u8 + 5 {
            v.seen.push_front(([i; 32], UUID, [0; 32]));
            v.seen.truncate(REMEMBERED);
        }
        assert!(v.check(FIXTURE, UUID, &[key()]).is_some());
        assert_eq!(v.len(), REMEMBERED);
        assert_eq!(v.seen[0].1, UUID);
    }
}
