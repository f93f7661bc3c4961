//! Socket options: storage, libzmq's defaults, and the generic parsing rules
//! (int options need exactly sizeof(int); string getters NUL-terminate).
//! Pattern-specific options (ROUTER_MANDATORY, SUBSCRIBE, ...) are handled by
//! the pattern modules; what is stored here is what every socket has.
//!
//! Every option libzmq 4.3.5 (built with the draft API, CURVE, IPC peer
//! credentials, WSS, and GSSAPI when libgssapi_krb5 loads, without VMCI or
//! NORM) accepts generically is
//! stored here, even when the transport that reads it comes later: the fields
//! are public and named after libzmq's `options_t` members.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::constants::*;
use crate::ctx::CtxOptions;
use crate::error::{Errno, Result};
use crate::io::command::GssapiOptions;
use crate::util::z85;

// Draft option numbers. constants.rs declares them only with the "draft"
// feature (for the header); the library always handles them, as libzmq built
// with the draft API does.
const OPT_ZAP_ENFORCE_DOMAIN: i32 = 93;
const OPT_LOOPBACK_FASTPATH: i32 = 94;
const OPT_METADATA: i32 = 95;
const OPT_MULTICAST_LOOP: i32 = 96;
const OPT_ROUTER_NOTIFY: i32 = 97;
const OPT_SOCKS_USERNAME: i32 = 99;
const OPT_SOCKS_PASSWORD: i32 = 100;
const OPT_IN_BATCH_SIZE: i32 = 101;
const OPT_OUT_BATCH_SIZE: i32 = 102;
const OPT_WSS_KEY_PEM: i32 = 103;
const OPT_WSS_CERT_PEM: i32 = 104;
const OPT_WSS_TRUST_PEM: i32 = 105;
const OPT_WSS_HOSTNAME: i32 = 106;
const OPT_WSS_TRUST_SYSTEM: i32 = 107;
const OPT_RECONNECT_STOP: i32 = 109;
const OPT_HELLO_MSG: i32 = 110;
const OPT_DISCONNECT_MSG: i32 = 111;
const OPT_PRIORITY: i32 = 112;
const OPT_BUSY_POLL: i32 = 113;
const OPT_HICCUP_MSG: i32 = 114;

/// Size of a CURVE key in bytes, and of its Z85 text.
pub const CURVE_KEY_LEN: usize = 32;
pub const CURVE_KEY_Z85_LEN: usize = 40;

/// Longest interface name SO_BINDTODEVICE takes (IFNAMSIZ, with its NUL).
const BINDTODEVICE_MAX: usize = 16;

/// HEARTBEAT_TTL is carried in the PING command in deciseconds (16 bits).
const MS_PER_DECISECOND: i32 = 100;

pub use crate::transport::filter::TcpAcceptFilter;

impl TcpAcceptFilter {
    /// Parse "address[/bits]" as libzmq does: a numeric address (IPv6 only
    /// when the socket has ZMQ_IPV6), optionally in brackets; no DNS.
    fn parse(text: &[u8], ipv6: bool) -> Result<TcpAcceptFilter> {
        let text = std::str::from_utf8(text).map_err(|_| Errno::EINVAL)?;
        let (addr, mask) = match text.rfind('/') {
            Some(i) => (&text[..i], Some(&text[i + 1..])),
            None => (text, None),
        };
        let addr = addr
            .strip_prefix('[')
            .and_then(|a| a.strip_suffix(']'))
            .unwrap_or(addr);
        let mut address: IpAddr = addr.parse().map_err(|_| Errno::EINVAL)?;
        match address {
            IpAddr::V6(_) if !ipv6 => return Err(Errno::EINVAL),
            // An IPv6 socket sees IPv4 peers as v4-mapped addresses.
            IpAddr::V4(v4) if ipv6 => address = IpAddr::V6(v4.to_ipv6_mapped()),
            _ => {}
        }
        let full: u8 = if address.is_ipv4() { 32 } else { 128 };
        let prefix_len = match mask {
            None => full,
            Some("0") => 0,
            Some(m) => {
                let bits = leading_int(m);
                if bits < 1 || bits > i64::from(full) {
                    return Err(Errno::EINVAL);
                }
                bits as u8
            }
        };
        Ok(TcpAcceptFilter {
            address,
            prefix_len,
        })
    }
}

/// strtol(s, NULL, 10): optional sign and leading digits; 0 when none.
fn leading_int(s: &str) -> i64 {
    let s = s.trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for c in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    if neg {
        -v
    } else {
        v
    }
}

#[derive(Clone)]
pub struct Options {
    pub socket_type: i32,

    // Queues and blocking.
    pub sndhwm: i32,
    pub rcvhwm: i32,
    pub linger: i32,
    pub rcvtimeo: i32,
    pub sndtimeo: i32,
    pub immediate: bool,
    pub conflate: bool,
    /// I/O thread affinity bitmap (ZMQ_AFFINITY).
    pub affinity: u64,
    /// Largest inbound message accepted; -1 = no limit.
    pub maxmsgsize: i64,

    // Identity.
    pub routing_id: Vec<u8>,
    /// Routing id to give the next connected peer (ROUTER/STREAM); consumed by connect.
    pub connect_routing_id: Vec<u8>,
    /// ZMQ_ROUTER_RAW: connections carry raw bytes, no ZMTP (set through
    /// the ROUTER pattern).
    pub raw_socket: bool,
    /// ZMQ_STREAM_NOTIFY (STREAM sockets; set through their pattern).
    pub raw_notify: bool,
    /// Does this socket type want to know its peers' routing ids (ROUTER)?
    pub recv_routing_id: bool,
    pub last_endpoint: String,

    // Connection management.
    pub reconnect_ivl: i32,
    pub reconnect_ivl_max: i32,
    /// ZMQ_RECONNECT_STOP_* bits.
    pub reconnect_stop: i32,
    pub connect_timeout: i32,
    pub handshake_ivl: i32,
    pub heartbeat_ivl: i32,
    /// In deciseconds, as sent in PING; getsockopt reports it in ms.
    pub heartbeat_ttl: u16,
    /// -1: use heartbeat_ivl.
    pub heartbeat_timeout: i32,
    pub backlog: i32,
    /// Kernel SO_SNDBUF / SO_RCVBUF; -1 leaves the OS default.
    pub sndbuf: i32,
    pub rcvbuf: i32,
    pub tos: i32,
    pub priority: i32,
    pub busy_poll: i32,
    pub ipv6: bool,
    /// Use this already-open fd instead of socket() for the next bind/connect.
    pub use_fd: i32,
    pub bindtodevice: Vec<u8>,
    pub loopback_fastpath: bool,
    pub in_batch_size: i32,
    pub out_batch_size: i32,
    /// ZMQ_OUT_BATCH_SIZE was set: writes gather exactly that much, as in
    /// libzmq; left alone, up to 64 KiB (see `session_out_batch`).
    pub out_batch_set: bool,

    // TCP.
    /// -1: leave the OS default; 0/1: SO_KEEPALIVE off/on.
    pub tcp_keepalive: i32,
    pub tcp_keepalive_cnt: i32,
    pub tcp_keepalive_idle: i32,
    pub tcp_keepalive_intvl: i32,
    pub tcp_maxrt: i32,
    pub tcp_accept_filters: Vec<TcpAcceptFilter>,
    pub socks_proxy_address: Vec<u8>,
    pub socks_proxy_username: Vec<u8>,
    pub socks_proxy_password: Vec<u8>,
    /// ZMQ_WSS_*: kept as given, read when a wss listener or connection is
    /// made (libzmq's wss_key_pem, wss_cert_pem, ...).
    pub wss: crate::transport::tls::WssOptions,

    // IPC peer credential filters (SO_PEERCRED).
    pub ipc_uid_accept_filters: Vec<u32>,
    pub ipc_gid_accept_filters: Vec<u32>,
    pub ipc_pid_accept_filters: Vec<i32>,

    // Multicast (pgm/norm/udp).
    pub rate: i32,
    pub recovery_ivl: i32,
    pub multicast_hops: i32,
    pub multicast_maxtpdu: i32,
    pub multicast_loop: bool,

    // Security.
    /// ZMQ_NULL, ZMQ_PLAIN, ZMQ_CURVE or ZMQ_GSSAPI.
    pub mechanism: i32,
    /// The server side of PLAIN/CURVE/GSSAPI.
    pub as_server: bool,
    pub zap_domain: Vec<u8>,
    pub zap_enforce_domain: bool,
    /// ZMQ_GSSAPI_*: only settable when libgssapi_krb5 loads.
    pub gssapi: GssapiOptions,
    pub plain_username: Vec<u8>,
    pub plain_password: Vec<u8>,
    pub curve_public_key: [u8; CURVE_KEY_LEN],
    pub curve_secret_key: [u8; CURVE_KEY_LEN],
    pub curve_server_key: [u8; CURVE_KEY_LEN],
    /// ZMQ_METADATA: "X-" properties sent in the handshake (first value set wins).
    pub app_metadata: BTreeMap<Vec<u8>, Vec<u8>>,

    // Messages the engine injects on connect / disconnect / hiccup.
    pub hello_msg: Vec<u8>,
    pub disconnect_msg: Vec<u8>,
    pub hiccup_msg: Vec<u8>,

    // Read by patterns; settable generically in libzmq.
    pub invert_matching: bool,
    /// ZMQ_NOTIFY_* bits; ROUTER sets it, every socket can read it.
    pub router_notify: i32,
    /// ZMQ_ZERO_COPY_RECV, the context's when the socket was made (libzmq
    /// copies it likewise; no socket option sets it).
    pub zero_copy_recv: bool,
}

/// Bytes of small frames a connection gathers per write when the
/// application left ZMQ_OUT_BATCH_SIZE alone: a stream of small messages
/// then goes out in writes of up to 64 KiB (and the peer, growing its
/// receive buffer as the stream fills it, reads it as large): at 1 KiB, an
/// eighth of the system calls and wake-ups at both ends. Only what is
/// queued is written, so a lone message never waits for a batch. A size
/// the application sets is kept exactly, as libzmq keeps it (8192, its
/// default, included); getsockopt reports 8192 until then, as libzmq does.
pub const DEFAULT_OUT_BATCH: usize = 64 * 1024;

impl Options {
    /// ZMQ_OUT_BATCH_SIZE as the connections use it (see
    /// [`DEFAULT_OUT_BATCH`]).
    pub fn session_out_batch(&self) -> usize {
        if self.out_batch_set {
            self.out_batch_size.max(1) as usize
        } else {
            DEFAULT_OUT_BATCH
        }
    }

    /// ZMQ_HELLO_MSG as this socket type sends it on every new connection
    /// (empty: none). libzmq sends it from ROUTER, DEALER, CLIENT, SERVER
    /// and PEER only.
    pub fn effective_hello_msg(&self) -> &[u8] {
        match self.socket_type {
            ZMQ_ROUTER | ZMQ_DEALER | ZMQ_CLIENT | ZMQ_SERVER | ZMQ_PEER => &self.hello_msg,
            _ => &[],
        }
    }

    /// ZMQ_DISCONNECT_MSG as this socket type receives it when an accepted
    /// peer goes (ROUTER, SERVER, PEER; empty: none).
    pub fn effective_disconnect_msg(&self) -> &[u8] {
        match self.socket_type {
            ZMQ_ROUTER | ZMQ_SERVER | ZMQ_PEER => &self.disconnect_msg,
            _ => &[],
        }
    }

    /// ZMQ_HICCUP_MSG as this socket type receives it when a connection it
    /// made is lost (DEALER, CLIENT, PEER; empty: none).
    pub fn effective_hiccup_msg(&self) -> &[u8] {
        match self.socket_type {
            ZMQ_DEALER | ZMQ_CLIENT | ZMQ_PEER => &self.hiccup_msg,
            _ => &[],
        }
    }

    /// A new socket's options: libzmq's defaults, except that the context
    /// decides ZMQ_IPV6 (its ZMQ_IPV6) and ZMQ_LINGER (-1 when ZMQ_BLOCKY,
    /// else 0), read when the socket is created (socket_base_t's constructor).
    pub fn new(socket_type: i32, ctx: &CtxOptions) -> Options {
        Options {
            socket_type,
            sndhwm: 1000,
            rcvhwm: 1000,
            linger: if ctx.blocky { -1 } else { 0 },
            rcvtimeo: -1,
            sndtimeo: -1,
            immediate: false,
            conflate: false,
            affinity: 0,
            maxmsgsize: -1,
            routing_id: Vec::new(),
            connect_routing_id: Vec::new(),
            raw_socket: false,
            raw_notify: true,
            recv_routing_id: false,
            last_endpoint: String::new(),
            reconnect_ivl: 100,
            reconnect_ivl_max: 0,
            reconnect_stop: 0,
            connect_timeout: 0,
            handshake_ivl: 30000,
            heartbeat_ivl: 0,
            heartbeat_ttl: 0,
            heartbeat_timeout: -1,
            backlog: 100,
            sndbuf: -1,
            rcvbuf: -1,
            tos: 0,
            priority: 0,
            busy_poll: 0,
            ipv6: ctx.ipv6,
            use_fd: -1,
            bindtodevice: Vec::new(),
            loopback_fastpath: false,
            in_batch_size: 8192,
            out_batch_size: 8192,
            out_batch_set: false,
            tcp_keepalive: -1,
            tcp_keepalive_cnt: -1,
            tcp_keepalive_idle: -1,
            tcp_keepalive_intvl: -1,
            tcp_maxrt: 0,
            tcp_accept_filters: Vec::new(),
            socks_proxy_address: Vec::new(),
            socks_proxy_username: Vec::new(),
            socks_proxy_password: Vec::new(),
            wss: Default::default(),
            ipc_uid_accept_filters: Vec::new(),
            ipc_gid_accept_filters: Vec::new(),
            ipc_pid_accept_filters: Vec::new(),
            rate: 100,
            recovery_ivl: 10000,
            multicast_hops: 1,
            multicast_maxtpdu: 1500,
            multicast_loop: true,
            mechanism: ZMQ_NULL,
            as_server: false,
            zap_domain: Vec::new(),
            zap_enforce_domain: false,
            gssapi: GssapiOptions::default(),
            plain_username: Vec::new(),
            plain_password: Vec::new(),
            curve_public_key: [0; CURVE_KEY_LEN],
            curve_secret_key: [0; CURVE_KEY_LEN],
            curve_server_key: [0; CURVE_KEY_LEN],
            app_metadata: BTreeMap::new(),
            hello_msg: Vec::new(),
            disconnect_msg: Vec::new(),
            hiccup_msg: Vec::new(),
            invert_matching: false,
            router_notify: 0,
            zero_copy_recv: ctx.zero_copy_recv,
        }
    }

    /// HEARTBEAT_TTL in milliseconds (what getsockopt reports).
    pub fn heartbeat_ttl_ms(&self) -> i32 {
        i32::from(self.heartbeat_ttl) * MS_PER_DECISECOND
    }

    /// An empty value stands for libzmq's (NULL, 0): the C layer maps a NULL
    /// pointer with length 0 to an empty slice.
    pub fn set(&mut self, option: i32, val: &[u8]) -> Result<()> {
        match option {
            // Queues and blocking.
            ZMQ_SNDHWM => self.sndhwm = int_at_least(val, 0)?,
            ZMQ_RCVHWM => self.rcvhwm = int_at_least(val, 0)?,
            ZMQ_LINGER => self.linger = int_at_least(val, -1)?,
            ZMQ_RCVTIMEO => self.rcvtimeo = int_at_least(val, -1)?,
            ZMQ_SNDTIMEO => self.sndtimeo = int_at_least(val, -1)?,
            ZMQ_IMMEDIATE => self.immediate = bool_int(val)?,
            ZMQ_CONFLATE => self.conflate = bool_int(val)?,
            ZMQ_AFFINITY => self.affinity = u64_value(val)?,
            ZMQ_MAXMSGSIZE => self.maxmsgsize = i64_value(val)?,

            // Identity.
            ZMQ_ROUTING_ID => {
                if val.is_empty() || val.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.routing_id = val.to_vec();
            }
            // libzmq takes it on the routing socket types only.
            ZMQ_CONNECT_ROUTING_ID if matches!(self.socket_type, ZMQ_ROUTER | ZMQ_STREAM) => {
                if val.is_empty() {
                    return Err(Errno::EINVAL);
                }
                self.connect_routing_id = val.to_vec();
            }

            // Connection management.
            ZMQ_RECONNECT_IVL => self.reconnect_ivl = int_at_least(val, -1)?,
            ZMQ_RECONNECT_IVL_MAX => self.reconnect_ivl_max = int_at_least(val, 0)?,
            OPT_RECONNECT_STOP => self.reconnect_stop = int_value(val)?,
            ZMQ_CONNECT_TIMEOUT => self.connect_timeout = int_at_least(val, 0)?,
            ZMQ_HANDSHAKE_IVL => self.handshake_ivl = int_at_least(val, 0)?,
            ZMQ_HEARTBEAT_IVL => self.heartbeat_ivl = int_at_least(val, 0)?,
            ZMQ_HEARTBEAT_TTL => {
                // Truncated to deciseconds first, as libzmq: -99..=6553599 pass.
                let ds = int_value(val)? / MS_PER_DECISECOND;
                self.heartbeat_ttl = u16::try_from(ds).map_err(|_| Errno::EINVAL)?;
            }
            ZMQ_HEARTBEAT_TIMEOUT => self.heartbeat_timeout = int_at_least(val, 0)?,
            ZMQ_BACKLOG => self.backlog = int_at_least(val, 0)?,
            ZMQ_SNDBUF => self.sndbuf = int_at_least(val, -1)?,
            ZMQ_RCVBUF => self.rcvbuf = int_at_least(val, -1)?,
            ZMQ_TOS => self.tos = int_at_least(val, 0)?,
            OPT_PRIORITY => self.priority = int_at_least(val, 0)?,
            OPT_BUSY_POLL => self.busy_poll = int_value(val)?,
            ZMQ_IPV6 => self.ipv6 = bool_int(val)?,
            ZMQ_IPV4ONLY => self.ipv6 = !bool_int(val)?,
            ZMQ_USE_FD => self.use_fd = int_at_least(val, -1)?,
            ZMQ_BINDTODEVICE => {
                self.bindtodevice = string_strict(val, BINDTODEVICE_MAX)?;
            }
            OPT_LOOPBACK_FASTPATH => self.loopback_fastpath = bool_relaxed(val)?,
            OPT_IN_BATCH_SIZE => self.in_batch_size = int_at_least(val, 1)?,
            OPT_OUT_BATCH_SIZE => {
                self.out_batch_size = int_at_least(val, 1)?;
                self.out_batch_set = true;
            }

            // TCP.
            ZMQ_TCP_KEEPALIVE => {
                let v = int_value(val)?;
                if !(-1..=1).contains(&v) {
                    return Err(Errno::EINVAL);
                }
                self.tcp_keepalive = v;
            }
            ZMQ_TCP_KEEPALIVE_CNT => self.tcp_keepalive_cnt = int_at_least(val, -1)?,
            ZMQ_TCP_KEEPALIVE_IDLE => self.tcp_keepalive_idle = int_at_least(val, -1)?,
            ZMQ_TCP_KEEPALIVE_INTVL => self.tcp_keepalive_intvl = int_at_least(val, -1)?,
            ZMQ_TCP_MAXRT => self.tcp_maxrt = int_at_least(val, 0)?,
            ZMQ_TCP_ACCEPT_FILTER => {
                let text = string_strict(val, 255)?;
                if text.is_empty() {
                    self.tcp_accept_filters.clear();
                } else {
                    let filter = TcpAcceptFilter::parse(&text, self.ipv6)?;
                    self.tcp_accept_filters.push(filter);
                }
            }
            ZMQ_SOCKS_PROXY => self.socks_proxy_address = string_strict(val, usize::MAX)?,
            OPT_SOCKS_USERNAME => self.socks_proxy_username = string_strict(val, 255)?,
            OPT_SOCKS_PASSWORD => self.socks_proxy_password = string_strict(val, 255)?,

            // IPC peer credentials: (NULL, 0) clears the set, else one id is added.
            ZMQ_IPC_FILTER_UID => {
                ipc_filter(val, &mut self.ipc_uid_accept_filters, u32::from_ne_bytes)?
            }
            ZMQ_IPC_FILTER_GID => {
                ipc_filter(val, &mut self.ipc_gid_accept_filters, u32::from_ne_bytes)?
            }
            ZMQ_IPC_FILTER_PID => {
                ipc_filter(val, &mut self.ipc_pid_accept_filters, i32::from_ne_bytes)?
            }

            // Multicast.
            ZMQ_RATE => self.rate = int_at_least(val, 1)?,
            ZMQ_RECOVERY_IVL => self.recovery_ivl = int_at_least(val, 0)?,
            ZMQ_MULTICAST_HOPS => self.multicast_hops = int_at_least(val, 1)?,
            ZMQ_MULTICAST_MAXTPDU => self.multicast_maxtpdu = int_at_least(val, 1)?,
            OPT_MULTICAST_LOOP => self.multicast_loop = bool_relaxed(val)?,

            // Security. Setting a PLAIN or CURVE credential selects that
            // mechanism; the *_SERVER flags pick the side.
            ZMQ_PLAIN_SERVER => {
                self.as_server = bool_int(val)?;
                self.mechanism = if self.as_server { ZMQ_PLAIN } else { ZMQ_NULL };
            }
            ZMQ_PLAIN_USERNAME | ZMQ_PLAIN_PASSWORD => {
                if val.is_empty() {
                    self.mechanism = ZMQ_NULL;
                    return Ok(());
                }
                if val.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                if option == ZMQ_PLAIN_USERNAME {
                    self.plain_username = val.to_vec();
                } else {
                    self.plain_password = val.to_vec();
                }
                self.as_server = false;
                self.mechanism = ZMQ_PLAIN;
            }
            ZMQ_CURVE_SERVER => {
                self.as_server = bool_int(val)?;
                self.mechanism = if self.as_server { ZMQ_CURVE } else { ZMQ_NULL };
            }
            ZMQ_CURVE_PUBLICKEY => {
                self.curve_public_key = curve_key(val)?;
                self.mechanism = ZMQ_CURVE;
            }
            ZMQ_CURVE_SECRETKEY => {
                self.curve_secret_key = curve_key(val)?;
                self.mechanism = ZMQ_CURVE;
            }
            ZMQ_CURVE_SERVERKEY => {
                // A client's setting: the socket stops being a CURVE server.
                self.curve_server_key = curve_key(val)?;
                self.as_server = false;
                self.mechanism = ZMQ_CURVE;
            }
            ZMQ_ZAP_DOMAIN => {
                if val.is_empty() || val.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.zap_domain = val.to_vec();
            }
            OPT_ZAP_ENFORCE_DOMAIN => self.zap_enforce_domain = bool_relaxed(val)?,
            OPT_METADATA => {
                let (key, value) = metadata(val)?;
                self.app_metadata.entry(key).or_insert(value);
            }

            OPT_HELLO_MSG => self.hello_msg = val.to_vec(),
            OPT_DISCONNECT_MSG => self.disconnect_msg = val.to_vec(),
            OPT_HICCUP_MSG => self.hiccup_msg = val.to_vec(),

            ZMQ_INVERT_MATCHING => self.invert_matching = bool_relaxed(val)?,

            // GSSAPI exists when its library loads; without it, as a libzmq
            // built without GSSAPI, the options are EINVAL (below).
            ZMQ_GSSAPI_SERVER
            | ZMQ_GSSAPI_PRINCIPAL
            | ZMQ_GSSAPI_SERVICE_PRINCIPAL
            | ZMQ_GSSAPI_PLAINTEXT
            | ZMQ_GSSAPI_PRINCIPAL_NAMETYPE
            | ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE
                if crate::util::gssapi::available() =>
            {
                self.set_gssapi(option, val)?
            }

            // libzmq 4.3.5 with WSS takes any bytes for the PEM texts and
            // the host name (checked only when used) and 0 or 1 for
            // TRUST_SYSTEM; none of them can be read back.
            OPT_WSS_KEY_PEM => self.wss.key_pem = val.to_vec(),
            OPT_WSS_CERT_PEM => self.wss.cert_pem = val.to_vec(),
            OPT_WSS_TRUST_PEM => self.wss.trust_pem = val.to_vec(),
            OPT_WSS_HOSTNAME => self.wss.hostname = val.to_vec(),
            OPT_WSS_TRUST_SYSTEM => self.wss.trust_system = bool_int(val)?,

            // Not built in (as libzmq without them): VMCI, NORM.
            // Read-only options and unknown numbers are EINVAL too.
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// libzmq's rules: SERVER takes 0 or 1 and selects GSSAPI either way;
    /// the principals take 1..=255 bytes (kept as given, NUL and all) and
    /// select GSSAPI, SERVICE_PRINCIPAL making the socket a client; the
    /// name types take 0, 1 or 2.
    fn set_gssapi(&mut self, option: i32, val: &[u8]) -> Result<()> {
        let g = &mut self.gssapi;
        match option {
            ZMQ_GSSAPI_PLAINTEXT => g.plaintext = bool_int(val)?,
            ZMQ_GSSAPI_PRINCIPAL_NAMETYPE | ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE => {
                let nt = int_value(val)?;
                if !(ZMQ_GSSAPI_NT_HOSTBASED..=ZMQ_GSSAPI_NT_KRB5_PRINCIPAL).contains(&nt) {
                    return Err(Errno::EINVAL);
                }
                if option == ZMQ_GSSAPI_PRINCIPAL_NAMETYPE {
                    g.principal_nt = nt;
                } else {
                    g.service_principal_nt = nt;
                }
            }
            ZMQ_GSSAPI_SERVER => {
                self.as_server = bool_int(val)?;
                self.mechanism = ZMQ_GSSAPI;
            }
            ZMQ_GSSAPI_PRINCIPAL | ZMQ_GSSAPI_SERVICE_PRINCIPAL => {
                if val.is_empty() || val.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                if option == ZMQ_GSSAPI_PRINCIPAL {
                    self.gssapi.principal = val.to_vec();
                } else {
                    self.gssapi.service_principal = val.to_vec();
                    self.as_server = false;
                }
                self.mechanism = ZMQ_GSSAPI;
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    pub fn get(&self, option: i32, out: &mut OptOut) -> Result<()> {
        match option {
            ZMQ_TYPE => out.int(self.socket_type),
            ZMQ_SNDHWM => out.int(self.sndhwm),
            ZMQ_RCVHWM => out.int(self.rcvhwm),
            ZMQ_LINGER => out.int(self.linger),
            ZMQ_RCVTIMEO => out.int(self.rcvtimeo),
            ZMQ_SNDTIMEO => out.int(self.sndtimeo),
            ZMQ_IMMEDIATE => out.int(self.immediate as i32),
            ZMQ_CONFLATE => out.int(self.conflate as i32),
            ZMQ_AFFINITY => out.uint64(self.affinity),
            ZMQ_MAXMSGSIZE => out.int64(self.maxmsgsize),
            ZMQ_ROUTING_ID => out.bytes(&self.routing_id),
            ZMQ_LAST_ENDPOINT => out.string(&self.last_endpoint),

            ZMQ_RECONNECT_IVL => out.int(self.reconnect_ivl),
            ZMQ_RECONNECT_IVL_MAX => out.int(self.reconnect_ivl_max),
            OPT_RECONNECT_STOP => out.int(self.reconnect_stop),
            ZMQ_CONNECT_TIMEOUT => out.int(self.connect_timeout),
            ZMQ_HANDSHAKE_IVL => out.int(self.handshake_ivl),
            ZMQ_HEARTBEAT_IVL => out.int(self.heartbeat_ivl),
            ZMQ_HEARTBEAT_TTL => out.int(self.heartbeat_ttl_ms()),
            ZMQ_HEARTBEAT_TIMEOUT => out.int(self.heartbeat_timeout),
            ZMQ_BACKLOG => out.int(self.backlog),
            ZMQ_SNDBUF => out.int(self.sndbuf),
            ZMQ_RCVBUF => out.int(self.rcvbuf),
            ZMQ_TOS => out.int(self.tos),
            OPT_PRIORITY => out.int(self.priority),
            // libzmq 4.3.5's getter writes the value but then reports EINVAL.
            OPT_BUSY_POLL => Err(Errno::EINVAL),
            ZMQ_IPV6 => out.int(self.ipv6 as i32),
            ZMQ_IPV4ONLY => out.int(!self.ipv6 as i32),
            ZMQ_USE_FD => out.int(self.use_fd),
            ZMQ_BINDTODEVICE => out.cstr(&self.bindtodevice),
            OPT_LOOPBACK_FASTPATH => out.int(self.loopback_fastpath as i32),
            OPT_IN_BATCH_SIZE => out.int(self.in_batch_size),
            OPT_OUT_BATCH_SIZE => out.int(self.out_batch_size),

            ZMQ_TCP_KEEPALIVE => out.int(self.tcp_keepalive),
            ZMQ_TCP_KEEPALIVE_CNT => out.int(self.tcp_keepalive_cnt),
            ZMQ_TCP_KEEPALIVE_IDLE => out.int(self.tcp_keepalive_idle),
            ZMQ_TCP_KEEPALIVE_INTVL => out.int(self.tcp_keepalive_intvl),
            ZMQ_TCP_MAXRT => out.int(self.tcp_maxrt),
            ZMQ_SOCKS_PROXY => out.cstr(&self.socks_proxy_address),
            OPT_SOCKS_USERNAME => out.cstr(&self.socks_proxy_username),
            OPT_SOCKS_PASSWORD => out.cstr(&self.socks_proxy_password),

            ZMQ_RATE => out.int(self.rate),
            ZMQ_RECOVERY_IVL => out.int(self.recovery_ivl),
            ZMQ_MULTICAST_HOPS => out.int(self.multicast_hops),
            ZMQ_MULTICAST_MAXTPDU => out.int(self.multicast_maxtpdu),
            OPT_MULTICAST_LOOP => out.int(self.multicast_loop as i32),

            ZMQ_MECHANISM => out.int(self.mechanism),
            ZMQ_PLAIN_SERVER => out.int((self.as_server && self.mechanism == ZMQ_PLAIN) as i32),
            ZMQ_PLAIN_USERNAME => out.cstr(&self.plain_username),
            ZMQ_PLAIN_PASSWORD => out.cstr(&self.plain_password),
            ZMQ_CURVE_SERVER => out.int((self.as_server && self.mechanism == ZMQ_CURVE) as i32),
            ZMQ_CURVE_PUBLICKEY => out.curve_key(&self.curve_public_key),
            ZMQ_CURVE_SECRETKEY => out.curve_key(&self.curve_secret_key),
            ZMQ_CURVE_SERVERKEY => out.curve_key(&self.curve_server_key),
            ZMQ_ZAP_DOMAIN => out.cstr(&self.zap_domain),
            OPT_ZAP_ENFORCE_DOMAIN => out.int(self.zap_enforce_domain as i32),
            ZMQ_GSSAPI_SERVER
            | ZMQ_GSSAPI_PRINCIPAL
            | ZMQ_GSSAPI_SERVICE_PRINCIPAL
            | ZMQ_GSSAPI_PLAINTEXT
            | ZMQ_GSSAPI_PRINCIPAL_NAMETYPE
            | ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE
                if crate::util::gssapi::available() =>
            {
                let g = &self.gssapi;
                match option {
                    ZMQ_GSSAPI_SERVER => {
                        out.int((self.as_server && self.mechanism == ZMQ_GSSAPI) as i32)
                    }
                    ZMQ_GSSAPI_PRINCIPAL => out.cstr(&g.principal),
                    ZMQ_GSSAPI_SERVICE_PRINCIPAL => out.cstr(&g.service_principal),
                    ZMQ_GSSAPI_PLAINTEXT => out.int(g.plaintext as i32),
                    ZMQ_GSSAPI_PRINCIPAL_NAMETYPE => out.int(g.principal_nt),
                    _ => out.int(g.service_principal_nt),
                }
            }

            ZMQ_INVERT_MATCHING => out.int(self.invert_matching as i32),
            OPT_ROUTER_NOTIFY => out.int(self.router_notify),
            _ => Err(Errno::EINVAL),
        }
    }
}

/// Parse an int option value: exactly sizeof(int) bytes, native order.
pub fn int_value(val: &[u8]) -> Result<i32> {
    let bytes: [u8; 4] = val.try_into().map_err(|_| Errno::EINVAL)?;
    Ok(i32::from_ne_bytes(bytes))
}

pub fn int_at_least(val: &[u8], min: i32) -> Result<i32> {
    let v = int_value(val)?;
    if v < min {
        return Err(Errno::EINVAL);
    }
    Ok(v)
}

/// A 0/1 int option (libzmq rejects other values with EINVAL).
pub fn bool_int(val: &[u8]) -> Result<bool> {
    match int_value(val)? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Errno::EINVAL),
    }
}

/// An int option read as a flag: any non-zero value is true.
pub fn bool_relaxed(val: &[u8]) -> Result<bool> {
    Ok(int_value(val)? != 0)
}

/// An int64 option: exactly 8 bytes.
pub fn i64_value(val: &[u8]) -> Result<i64> {
    let bytes: [u8; 8] = val.try_into().map_err(|_| Errno::EINVAL)?;
    Ok(i64::from_ne_bytes(bytes))
}

/// A uint64 option: exactly 8 bytes.
pub fn u64_value(val: &[u8]) -> Result<u64> {
    let bytes: [u8; 8] = val.try_into().map_err(|_| Errno::EINVAL)?;
    Ok(u64::from_ne_bytes(bytes))
}

/// A string option of at most `max` bytes; empty (NULL, 0) clears it.
fn string_strict(val: &[u8], max: usize) -> Result<Vec<u8>> {
    if val.len() > max {
        return Err(Errno::EINVAL);
    }
    Ok(val.to_vec())
}

/// One IPC credential filter entry of 4 bytes, or (NULL, 0) to clear.
fn ipc_filter<T: PartialEq>(val: &[u8], set: &mut Vec<T>, conv: fn([u8; 4]) -> T) -> Result<()> {
    if val.is_empty() {
        set.clear();
        return Ok(());
    }
    let bytes: [u8; 4] = val.try_into().map_err(|_| Errno::EINVAL)?;
    let id = conv(bytes);
    if !set.contains(&id) {
        set.push(id);
    }
    Ok(())
}

/// A CURVE key given as 32 raw bytes, 40 Z85 characters, or 40 characters
/// and a NUL.
fn curve_key(val: &[u8]) -> Result<[u8; CURVE_KEY_LEN]> {
    match val.len() {
        CURVE_KEY_LEN => {
            let mut key = [0; CURVE_KEY_LEN];
            key.copy_from_slice(val);
            Ok(key)
        }
        CURVE_KEY_Z85_LEN => z85::decode_key(val),
        n if n == CURVE_KEY_Z85_LEN + 1 && val[CURVE_KEY_Z85_LEN] == 0 => {
            z85::decode_key(&val[..CURVE_KEY_Z85_LEN])
        }
        _ => Err(Errno::EINVAL),
    }
}

/// "X-key:value": the key starts with "X-" and is at most 255 bytes, the
/// value is not empty. A 4-byte value reads as an int in libzmq and is refused.
fn metadata(val: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    if val.is_empty() || val.len() == 4 {
        return Err(Errno::EINVAL);
    }
    let pos = val.iter().position(|&c| c == b':').ok_or(Errno::EINVAL)?;
    if pos == 0 || pos == val.len() - 1 {
        return Err(Errno::EINVAL);
    }
    let key = &val[..pos];
    if !key.starts_with(b"X-") || key.len() > 255 {
        return Err(Errno::EINVAL);
    }
    Ok((key.to_vec(), val[pos + 1..].to_vec()))
}

/// The caller's getsockopt buffer, with libzmq's size rules.
pub struct OptOut<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> OptOut<'a> {
    pub fn new(buf: &'a mut [u8]) -> OptOut<'a> {
        OptOut { buf, len: 0 }
    }

    /// Bytes written (what getsockopt stores in *optvallen).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// An int value: the buffer must be exactly sizeof(int).
    pub fn int(&mut self, v: i32) -> Result<()> {
        if self.buf.len() != 4 {
            return Err(Errno::EINVAL);
        }
        self.buf.copy_from_slice(&v.to_ne_bytes());
        self.len = 4;
        Ok(())
    }

    /// An int value for the few options libzmq serves through its
    /// `do_getsockopt<int>` helper (ZMQ_RCVMORE, ZMQ_FD, ZMQ_EVENTS,
    /// ZMQ_THREAD_SAFE, ZMQ_TOPICS_COUNT): a longer buffer is accepted, as
    /// old programs and bindings pass an int64 for ZMQ_RCVMORE; the int goes
    /// first, the rest is zeroed and *optvallen becomes sizeof(int).
    pub fn int_padded(&mut self, v: i32) -> Result<()> {
        self.bytes(&v.to_ne_bytes())
    }

    /// An int64 value: the buffer must be exactly 8 bytes.
    pub fn int64(&mut self, v: i64) -> Result<()> {
        self.uint64(v as u64)
    }

    /// A uint64 value: the buffer must be exactly 8 bytes.
    pub fn uint64(&mut self, v: u64) -> Result<()> {
        if self.buf.len() != 8 {
            return Err(Errno::EINVAL);
        }
        self.buf.copy_from_slice(&v.to_ne_bytes());
        self.len = 8;
        Ok(())
    }

    /// Binary value: the buffer must hold it; the rest is zeroed (libzmq does).
    pub fn bytes(&mut self, v: &[u8]) -> Result<()> {
        if self.buf.len() < v.len() {
            return Err(Errno::EINVAL);
        }
        self.buf[..v.len()].copy_from_slice(v);
        self.buf[v.len()..].fill(0);
        self.len = v.len();
        Ok(())
    }

    /// String value: copied with its NUL, the rest of the buffer zeroed.
    pub fn string(&mut self, v: &str) -> Result<()> {
        self.cstr(v.as_bytes())
    }

    /// A string held as bytes: copied with a NUL, the rest of the buffer zeroed.
    pub fn cstr(&mut self, v: &[u8]) -> Result<()> {
        let n = v.len() + 1;
        if self.buf.len() < n {
            return Err(Errno::EINVAL);
        }
        self.buf[..v.len()].copy_from_slice(v);
        self.buf[v.len()..].fill(0);
        self.len = n;
        Ok(())
    }

    /// A CURVE key: a 32-byte buffer gets it raw, a 41-byte one as Z85 text
    /// with its NUL; any other size is EINVAL. *optvallen is left as it was.
    pub fn curve_key(&mut self, key: &[u8; CURVE_KEY_LEN]) -> Result<()> {
        match self.buf.len() {
            CURVE_KEY_LEN => self.buf.copy_from_slice(key),
            n if n == CURVE_KEY_Z85_LEN + 1 => {
                self.buf[..CURVE_KEY_Z85_LEN].copy_from_slice(&z85::encode_key(key));
                self.buf[CURVE_KEY_Z85_LEN] = 0;
            }
            _ => return Err(Errno::EINVAL),
        }
        self.len = self.buf.len();
        Ok(())
    }

    /// A file descriptor (zmq_fd_t = int on POSIX).
    /// libzmq serves it as `do_getsockopt<fd_t>`: a wider buffer is zero-padded.
    pub fn fd(&mut self, fd: i32) -> Result<()> {
        self.int_padded(fd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: i32) -> [u8; 4] {
        v.to_ne_bytes()
    }

    fn get_int(o: &Options, opt: i32) -> i32 {
        let mut buf = [0u8; 4];
        let mut out = OptOut::new(&mut buf);
        o.get(opt, &mut out).unwrap();
        i32::from_ne_bytes(buf)
    }

    /// Left alone, ZMQ_OUT_BATCH_SIZE reads 8192 (libzmq's default) and
    /// connections gather up to 64 KiB per write; once set, exactly the
    /// size set, 8192 included.
    #[test]
    fn out_batch_grows_only_while_left_alone() {
        let mut o = Options::new(ZMQ_PUSH, &CtxOptions::default());
        assert_eq!(get_int(&o, OPT_OUT_BATCH_SIZE), 8192);
        assert_eq!(o.session_out_batch(), DEFAULT_OUT_BATCH);
        for v in [8192, 100, 1 << 20] {
            o.set(OPT_OUT_BATCH_SIZE, &int(v)).unwrap();
            assert_eq!(get_int(&o, OPT_OUT_BATCH_SIZE), v);
            assert_eq!(o.session_out_batch(), v as usize);
        }
        assert!(o.set(OPT_OUT_BATCH_SIZE, &int(0)).is_err());
    }

    #[test]
    fn heartbeat_ttl_in_deciseconds() {
        let mut o = Options::new(ZMQ_PAIR, &CtxOptions::default());
        o.set(ZMQ_HEARTBEAT_TTL, &int(1234)).unwrap();
        assert_eq!(get_int(&o, ZMQ_HEARTBEAT_TTL), 1200);
        o.set(ZMQ_HEARTBEAT_TTL, &int(6_553_599)).unwrap();
        assert_eq!(get_int(&o, ZMQ_HEARTBEAT_TTL), 6_553_500);
        assert!(o.set(ZMQ_HEARTBEAT_TTL, &int(6_553_600)).is_err());
        o.set(ZMQ_HEARTBEAT_TTL, &int(-99)).unwrap();
        assert!(o.set(ZMQ_HEARTBEAT_TTL, &int(-100)).is_err());
    }

    #[test]
    fn curve_keys_switch_mechanism() {
        let mut o = Options::new(ZMQ_PAIR, &CtxOptions::default());
        let z = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
        o.set(ZMQ_CURVE_SERVERKEY, z).unwrap();
        assert_eq!(o.mechanism, ZMQ_CURVE);
        let mut buf = [0u8; 41];
        let mut out = OptOut::new(&mut buf);
        o.get(ZMQ_CURVE_SERVERKEY, &mut out).unwrap();
        assert_eq!(&buf[..40], z);
        assert!(o.set(ZMQ_CURVE_PUBLICKEY, &[0; 33]).is_err());
        o.set(ZMQ_PLAIN_USERNAME, b"u").unwrap();
        assert_eq!(o.mechanism, ZMQ_PLAIN);
        o.set(ZMQ_PLAIN_USERNAME, b"").unwrap();
        assert_eq!(o.mechanism, ZMQ_NULL);
    }

    #[test]
    fn accept_filters() {
        let f = TcpAcceptFilter::parse(b"10.1.0.0/16", false).unwrap();
        assert_eq!(f.prefix_len, 16);
        assert!(TcpAcceptFilter::parse(b"10.1.0.0/33", false).is_err());
        assert!(TcpAcceptFilter::parse(b"::1", false).is_err());
        assert_eq!(
            TcpAcceptFilter::parse(b"[::1]", true).unwrap().prefix_len,
            128
        );
        assert!(TcpAcceptFilter::parse(b"localhost", true).is_err());
        assert!(TcpAcceptFilter::parse(b"1.2.3.4/", false).is_err());
        assert!(TcpAcceptFilter::parse(b"1.2.3.4/33", true).is_ok());
    }

    #[test]
    fn metadata_rules() {
        assert!(metadata(b"X-key:value").is_ok());
        assert!(metadata(b"key:value").is_err());
        assert!(metadata(b"X-key:").is_err());
        assert!(metadata(b"X-ab").is_err());
    }
}
