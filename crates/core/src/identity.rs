//! Client identities (gpd.client.identity), computed the way the Linux TEE
//! subsystem computes them for OP-TEE: a UUIDv5 in a fixed namespace over a
//! short text naming the user, the group or the application.
//!
//! The inputs come from the kernel (socket peer credentials and the
//! client's executable as `/proc/<pid>/exe` resolves), never from what the
//! client claims. The APPLICATION logins are an oxtee definition (upstream
//! Linux refuses them): the text is `app=<path>` for APPLICATION,
//! `uid=<hex>:app=<path>` for USER_APPLICATION and
//! `gid=<hex>:app=<path>` for GROUP_APPLICATION.

use crate::codes::*;
use alloc::{format, string::String, vec::Vec};
use oxtee_proto::{Identity, Uuid};

/// The namespace OP-TEE/Linux use for login UUIDs.
pub const LOGIN_NAMESPACE: [u8; 16] = [
    0x58, 0xac, 0x9c, 0xa0, 0x20, 0x86, 0x46, 0x83, 0xa1, 0xb8, 0xec, 0x4b, 0xc0, 0x8e, 0x01, 0xb6,
];

/// What the kernel told the core about the client of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups plus the effective group.
    pub groups: Vec<u32>,
    /// The client's executable as the core resolved it, if it could.
    pub exe: Option<String>,
}

fn v5(name: &str) -> Uuid {
    let ns = uuid::Uuid::from_bytes(LOGIN_NAMESPACE);
    Uuid(*uuid::Uuid::new_v5(&ns, name.as_bytes()).as_bytes())
}

/// Compute the identity of a session opened with `login` and
/// `connection_data` by `peer`.
pub fn client_identity(
    login: u32,
    connection_data: u32,
    peer: &PeerInfo,
) -> Result<Identity, TeeError> {
    let exe = || {
        peer.exe
            .as_deref()
            .ok_or(TeeError::tee(TEE_ERROR_ACCESS_DENIED))
    };
    let check_group = |gid: u32| {
        if peer.groups.contains(&gid) || peer.gid == gid {
            Ok(())
        } else {
            Err(TeeError::tee(TEE_ERROR_ACCESS_DENIED))
        }
    };
    let uuid = match login {
        LOGIN_PUBLIC => Uuid::NIL,
        LOGIN_USER => v5(&format!("uid={:x}", peer.uid)),
        LOGIN_GROUP => {
            check_group(connection_data)?;
            v5(&format!("gid={connection_data:x}"))
        }
        LOGIN_APPLICATION => v5(&format!("app={}", exe()?)),
        LOGIN_USER_APPLICATION => v5(&format!("uid={:x}:app={}", peer.uid, exe()?)),
        LOGIN_GROUP_APPLICATION => {
            check_group(connection_data)?;
            v5(&format!("gid={connection_data:x}:app={}", exe()?))
        }
        _ => return Err(TeeError::api(TEE_ERROR_BAD_PARAMETERS)),
    };
    Ok(Identity { login, uuid })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn peer() -> PeerInfo {
        PeerInfo {
            uid: 1000,
            gid: 1000,
            groups: vec![1000, 27],
            exe: Some("/usr/bin/ca".into()),
        }
    }

    #[test]
    fn user_login_is_uuidv5_of_uid_hex() {
        let id = client_identity(LOGIN_USER, 0, &peer()).unwrap();
        let ns = uuid::Uuid::from_bytes(LOGIN_NAMESPACE);
        assert_eq!(id.uuid.0, *uuid::Uuid::new_v5(&ns, b"uid=3e8").as_bytes());
        assert_eq!(id.uuid.0[6] >> 4, 5, "version nibble");
        assert_eq!(id.login, LOGIN_USER);
    }

    #[test]
    fn public_is_nil_and_group_checks_membership() {
        assert_eq!(
            client_identity(LOGIN_PUBLIC, 0, &peer()).unwrap().uuid,
            Uuid::NIL
        );
        assert!(client_identity(LOGIN_GROUP, 27, &peer()).is_ok());
        assert_eq!(
            client_identity(LOGIN_GROUP, 4242, &peer())
                .unwrap_err()
                .code,
            TEE_ERROR_ACCESS_DENIED
        );
        assert_eq!(
            client_identity(LOGIN_GROUP_APPLICATION, 4242, &peer())
                .unwrap_err()
                .code,
            TEE_ERROR_ACCESS_DENIED
        );
        assert_eq!(
            client_identity(3, 0, &peer()).unwrap_err().code,
            TEE_ERROR_BAD_PARAMETERS
        );
    }

    #[test]
    fn application_logins_differ_by_exe_and_user() {
        let a = client_identity(LOGIN_APPLICATION, 0, &peer()).unwrap();
        let mut other = peer();
        other.exe = Some("/usr/bin/other".into());
        let b = client_identity(LOGIN_APPLICATION, 0, &other).unwrap();
        assert_ne!(a.uuid, b.uuid);
        let ua = client_identity(LOGIN_USER_APPLICATION, 0, &peer()).unwrap();
        assert_ne!(a.uuid, ua.uuid);
        other.exe = None;
        assert!(client_identity(LOGIN_APPLICATION, 0, &other).is_err());
    }
}
