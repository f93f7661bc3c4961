//! Connection metadata attached to received messages (`zmq_msg_gets`).
//!
//! One `Metadata` is built per connection (from the peer's ZMTP properties plus
//! local ones such as "Peer-Address", "User-Id" and the hidden "__fd") and
//! shared through an `Arc` by every message received on it. Values are stored
//! NUL-terminated so `zmq_msg_gets` can return a `const char *` that stays valid
//! as long as the message holds the map.

use std::ffi::CStr;

/// Property name of the peer's routing id.
pub const ROUTING_ID: &[u8] = b"Routing-Id";
/// The deprecated alias of [`ROUTING_ID`], still honoured by lookups.
pub const IDENTITY: &[u8] = b"Identity";
/// Property name of the peer's socket type.
pub const SOCKET_TYPE: &[u8] = b"Socket-Type";
/// Property name of the peer's address.
pub const PEER_ADDRESS: &[u8] = b"Peer-Address";
/// Property name of the authenticated user id (ZAP).
pub const USER_ID: &[u8] = b"User-Id";
/// Hidden property holding the connection's file descriptor (ZMQ_SRCFD).
pub const FD: &[u8] = b"__fd";

struct Property {
    name: Box<[u8]>,
    /// The value followed by a NUL.
    value: Box<[u8]>,
}

/// An immutable-once-shared map of property name → value bytes.
/// Lookups are case-sensitive.
#[derive(Default)]
pub struct Metadata {
    props: Vec<Property>,
}

impl Metadata {
    /// An empty map.
    pub fn new() -> Metadata {
        Metadata::default()
    }

    /// A map of these pairs; when a name repeats, the first value wins.
    pub fn from_pairs<I, N, V>(pairs: I) -> Metadata
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        let mut m = Metadata::new();
        for (n, v) in pairs {
            if m.find(n.as_ref()).is_none() {
                m.push(n.as_ref(), v.as_ref());
            }
        }
        m
    }

    fn push(&mut self, name: &[u8], value: &[u8]) {
        let mut v = Vec::with_capacity(value.len() + 1);
        v.extend_from_slice(value);
        v.push(0);
        self.props.push(Property {
            name: name.into(),
            value: v.into_boxed_slice(),
        });
    }

    fn find(&self, name: &[u8]) -> Option<&Property> {
        self.props.iter().find(|p| &*p.name == name)
    }

    /// Set `name` to `value`, replacing an earlier value.
    pub fn set(&mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        let name = name.as_ref();
        self.props.retain(|p| &*p.name != name);
        self.push(name, value.as_ref());
    }

    fn lookup(&self, name: &[u8]) -> Option<&Property> {
        // libzmq still answers the pre-4.2 name "Identity" with the routing id.
        self.find(name).or_else(|| {
            if name == IDENTITY {
                self.find(ROUTING_ID)
            } else {
                None
            }
        })
    }

    /// The value of `name`, without the terminating NUL.
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.lookup(name).map(|p| &p.value[..p.value.len() - 1])
    }

    /// The value of `name` as a C string (up to its first NUL byte).
    pub fn get_cstr(&self, name: &[u8]) -> Option<&CStr> {
        self.lookup(name)
            .map(|p| CStr::from_bytes_until_nul(&p.value).unwrap_or_default())
    }

    /// Number of properties.
    pub fn len(&self) -> usize {
        self.props.len()
    }

    /// Whether there are no properties.
    pub fn is_empty(&self) -> bool {
        self.props.is_empty()
    }

    /// The (name, value) pairs in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.props
            .iter()
            .map(|p| (&*p.name, &p.value[..p.value.len() - 1]))
    }
}

impl std::fmt::Debug for Metadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(
                self.iter()
                    .map(|(n, v)| (String::from_utf8_lossy(n), String::from_utf8_lossy(v))),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_rules() {
        let mut m = Metadata::from_pairs([
            (&b"Socket-Type"[..], &b"DEALER"[..]),
            (b"Routing-Id", b"peer-1"),
            (b"Socket-Type", b"ignored: first wins"),
            (b"Bin", b"a\0b"),
        ]);
        assert_eq!(m.len(), 3);
        assert_eq!(m.get(b"Socket-Type"), Some(&b"DEALER"[..]));
        assert_eq!(m.get(b"socket-type"), None, "case-sensitive");
        assert_eq!(
            m.get(b"Identity"),
            Some(&b"peer-1"[..]),
            "Identity falls back"
        );
        assert_eq!(m.get_cstr(b"Routing-Id").unwrap().to_bytes(), b"peer-1");
        assert_eq!(m.get(b"Bin"), Some(&b"a\0b"[..]));
        assert_eq!(m.get_cstr(b"Bin").unwrap().to_bytes(), b"a");
        assert_eq!(m.get(b"Nope"), None);
        m.set("Identity", "explicit");
        assert_eq!(m.get(b"Identity"), Some(&b"explicit"[..]));
        m.set("Socket-Type", "ROUTER");
        assert_eq!(m.get(b"Socket-Type"), Some(&b"ROUTER"[..]));
        assert!(Metadata::new().is_empty());
    }
}
