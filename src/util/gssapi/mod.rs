//! GSS-API (MIT Kerberos) for the GSSAPI mechanism: the library loaded at
//! run time (`ffi`), and safe handles over it: credentials, a security
//! context as initiator (client) or acceptor (server), wrap and unwrap.
//!
//! The calls and their arguments are the ones libzmq 4.3 makes
//! (gssapi_mechanism_base.cpp, gssapi_client.cpp, gssapi_server.cpp): names
//! are imported with their trailing NUL counted, credentials are acquired
//! for both initiating and accepting, contexts ask for mutual
//! authentication and replay detection, and wrap always asks for
//! confidentiality with the default QOP.
//!
//! The mechanism (zmtp/mechanism/gssapi) talks to a context through the
//! [`SecContext`] trait, so its framing and state machine are tested with a
//! stand-in context, without a KDC.

#[cfg(test)]
mod abi_check;
mod ffi;

use std::ffi::c_void;
use std::ptr;

use ffi::*;

/// Whether libgssapi_krb5 is loaded (and has every symbol we use): what
/// `zmq_has("gssapi")` reports.
pub fn available() -> bool {
    ffi::api().is_some()
}

/// A GSS-API call failed (its major status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GssError(pub u32);

/// The principal name types of ZMQ_GSSAPI_*_NAMETYPE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameType {
    /// ZMQ_GSSAPI_NT_HOSTBASED: "service" or "service@host".
    Hostbased,
    /// ZMQ_GSSAPI_NT_USER_NAME.
    User,
    /// ZMQ_GSSAPI_NT_KRB5_PRINCIPAL: "primary/instance@REALM".
    Krb5Principal,
}

impl NameType {
    /// From the option's value (0, 1, 2; anything else is hostbased, which
    /// options.rs never lets through).
    pub fn from_option(v: i32) -> NameType {
        match v {
            1 => NameType::User,
            2 => NameType::Krb5Principal,
            _ => NameType::Hostbased,
        }
    }

    fn oid(self, api: &Api) -> GssOid {
        match self {
            NameType::Hostbased => api.nt_hostbased_service,
            NameType::User => api.nt_user_name,
            NameType::Krb5Principal => api.nt_krb5_principal_name,
        }
    }
}

fn check(major: OmUint32) -> Result<OmUint32, GssError> {
    if major & GSS_ERROR_MASK != 0 {
        Err(GssError(major))
    } else {
        Ok(major)
    }
}

/// An imported name (`gss_name_t`), released on drop.
struct Name(GssName);

impl Name {
    /// libzmq imports the option's text up to its first NUL, with the NUL
    /// counted in the length (`strlen + 1`); so do we.
    fn import(api: &Api, text: &[u8], kind: NameType) -> Result<Name, GssError> {
        let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
        let mut owned = Vec::with_capacity(end + 1);
        owned.extend_from_slice(&text[..end]);
        owned.push(0);
        let mut buf = GssBufferDesc {
            length: owned.len(),
            value: owned.as_mut_ptr().cast(),
        };
        let mut minor = 0;
        let mut name: GssName = ptr::null_mut();
        // SAFETY: `buf` points at `owned`, alive for the call; the OID is one
        // of the library's own constants; `name` receives a new handle that
        // this Name owns and releases.
        let major =
            unsafe { (api.gss_import_name)(&mut minor, &mut buf, kind.oid(api), &mut name) };
        check(major)?;
        Ok(Name(name))
    }

    /// The name as text (`gss_display_name`), as ZAP's credential frame.
    fn display(&self, api: &Api) -> Result<Vec<u8>, GssError> {
        let mut minor = 0;
        let mut out = GssBufferDesc::EMPTY;
        // SAFETY: `self.0` is a live name; the library allocates `out`,
        // which `take_buffer` copies and releases.
        let major =
            unsafe { (api.gss_display_name)(&mut minor, self.0, &mut out, ptr::null_mut()) };
        check(major)?;
        Ok(take_buffer(api, &mut out))
    }
}

impl Drop for Name {
    fn drop(&mut self) {
        if let (Some(api), false) = (ffi::api(), self.0.is_null()) {
            let mut minor = 0;
            // SAFETY: a handle the library gave us, released exactly once.
            unsafe { (api.gss_release_name)(&mut minor, &mut self.0) };
        }
    }
}

/// Copies a buffer the library allocated and releases it.
fn take_buffer(api: &Api, buf: &mut GssBufferDesc) -> Vec<u8> {
    let v = if buf.value.is_null() || buf.length == 0 {
        Vec::new()
    } else {
        // SAFETY: the library returned `length` readable bytes at `value`.
        unsafe { std::slice::from_raw_parts(buf.value as *const u8, buf.length) }.to_vec()
    };
    let mut minor = 0;
    // SAFETY: a buffer the library allocated (or an empty one, which it
    // accepts), released once.
    unsafe { (api.gss_release_buffer)(&mut minor, buf) };
    v
}

/// An input buffer over our bytes (the library only reads it).
fn input(bytes: &[u8]) -> GssBufferDesc {
    GssBufferDesc {
        length: bytes.len(),
        value: bytes.as_ptr() as *mut c_void,
    }
}

/// Credentials (`gss_cred_id_t`) for a principal, released on drop.
pub struct Cred(GssCred);

// SAFETY: a credential handle may be used from any one thread at a time;
// the mechanism that owns it moves between threads but is never shared.
unsafe impl Send for Cred {}

impl Cred {
    /// Credentials of `principal` for initiating and accepting
    /// (GSS_C_BOTH, as libzmq asks), from the keytabs and caches the
    /// Kerberos environment names.
    pub fn acquire(principal: &[u8], kind: NameType) -> Result<Cred, GssError> {
        let api = ffi::api().ok_or(GssError(u32::MAX))?;
        let name = Name::import(api, principal, kind)?;
        let mut minor = 0;
        let mut cred: GssCred = ptr::null_mut();
        // SAFETY: `name` is live; no mechanism set (default); `cred`
        // receives a handle this Cred owns.
        let major = unsafe {
            (api.gss_acquire_cred)(
                &mut minor,
                name.0,
                0,
                ptr::null_mut(),
                GSS_C_BOTH,
                &mut cred,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        check(major)?;
        Ok(Cred(cred))
    }
}

impl Drop for Cred {
    fn drop(&mut self) {
        if let (Some(api), false) = (ffi::api(), self.0.is_null()) {
            let mut minor = 0;
            // SAFETY: a handle the library gave us, released exactly once.
            unsafe { (api.gss_release_cred)(&mut minor, &mut self.0) };
        }
    }
}

/// One step of context establishment.
#[derive(Debug, PartialEq, Eq)]
pub struct Step {
    /// The context is established (GSS_S_COMPLETE).
    pub complete: bool,
    /// The token for the peer (may be empty).
    pub token: Vec<u8>,
}

/// What the mechanism needs of a security context.
pub trait SecContext: Send {
    /// One establishment step: `input` is the peer's token (None for the
    /// initiator's first step).
    fn step(&mut self, input: Option<&[u8]>) -> Result<Step, GssError>;
    /// gss_wrap with confidentiality.
    fn wrap(&mut self, plain: &[u8]) -> Result<Vec<u8>, GssError>;
    /// gss_unwrap.
    fn unwrap(&mut self, wrapped: &[u8]) -> Result<Vec<u8>, GssError>;
    /// The initiator's principal as text, on the acceptor once established.
    fn peer_principal(&mut self) -> Result<Vec<u8>, GssError>;
}

/// A context as initiator (client) or acceptor (server).
pub struct Context {
    ctx: GssCtx,
    cred: Option<Cred>,
    /// The initiator's target (the service principal).
    target: Option<Name>,
    /// The acceptor's view of the initiator.
    source: Option<Name>,
}

// SAFETY: the handles are used by one thread at a time (the mechanism that
// owns this context is never shared), which MIT's library allows.
unsafe impl Send for Context {}

impl Context {
    /// A client context towards `service`, with `cred` (None: the default
    /// credentials, as libzmq when ZMQ_GSSAPI_PRINCIPAL is not set).
    pub fn initiator(
        service: &[u8],
        kind: NameType,
        cred: Option<Cred>,
    ) -> Result<Context, GssError> {
        let api = ffi::api().ok_or(GssError(u32::MAX))?;
        let target = Name::import(api, service, kind)?;
        Ok(Context {
            ctx: ptr::null_mut(),
            cred,
            target: Some(target),
            source: None,
        })
    }

    /// A server context with `cred` (None: the default acceptor
    /// credentials, any key in the keytab).
    pub fn acceptor(cred: Option<Cred>) -> Context {
        Context {
            ctx: ptr::null_mut(),
            cred,
            target: None,
            source: None,
        }
    }
}

impl SecContext for Context {
    fn step(&mut self, input_token: Option<&[u8]>) -> Result<Step, GssError> {
        let api = ffi::api().ok_or(GssError(u32::MAX))?;
        let mut minor = 0;
        let mut out = GssBufferDesc::EMPTY;
        let cred = self.cred.as_ref().map_or(ptr::null_mut(), |c| c.0);
        let mut inbuf = input(input_token.unwrap_or(&[]));
        let major = if let Some(target) = &self.target {
            let in_ptr: *mut GssBufferDesc = if input_token.is_some() {
                &mut inbuf
            } else {
                ptr::null_mut()
            };
            // SAFETY: `self.ctx` is null or the context this call made
            // before; `target` is live; the input buffer is read only and
            // outlives the call; the library allocates `out`, released by
            // take_buffer below.
            unsafe {
                (api.gss_init_sec_context)(
                    &mut minor,
                    cred,
                    &mut self.ctx,
                    target.0,
                    ptr::null_mut(),
                    GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG,
                    0,
                    ptr::null_mut(),
                    in_ptr,
                    ptr::null_mut(),
                    &mut out,
                    ptr::null_mut(),
                    ptr::null_mut(),
                )
            }
        } else {
            let mut source: GssName = ptr::null_mut();
            // SAFETY: as above; `source` receives a name handle we own.
            let major = unsafe {
                (api.gss_accept_sec_context)(
                    &mut minor,
                    &mut self.ctx,
                    cred,
                    &mut inbuf,
                    ptr::null_mut(),
                    &mut source,
                    ptr::null_mut(),
                    &mut out,
                    ptr::null_mut(),
                    ptr::null_mut(),
                    ptr::null_mut(),
                )
            };
            if !source.is_null() {
                self.source = Some(Name(source));
            }
            major
        };
        let token = take_buffer(api, &mut out);
        let major = check(major)?;
        Ok(Step {
            complete: major == GSS_S_COMPLETE,
            token,
        })
    }

    fn wrap(&mut self, plain: &[u8]) -> Result<Vec<u8>, GssError> {
        let api = ffi::api().ok_or(GssError(u32::MAX))?;
        let mut minor = 0;
        let mut conf = 0;
        let mut inbuf = input(plain);
        let mut out = GssBufferDesc::EMPTY;
        // SAFETY: an established context; `inbuf` is read only; `out` is
        // the library's, released by take_buffer.
        let major = unsafe {
            (api.gss_wrap)(
                &mut minor,
                self.ctx,
                1,
                GSS_C_QOP_DEFAULT,
                &mut inbuf,
                &mut conf,
                &mut out,
            )
        };
        let v = take_buffer(api, &mut out);
        check(major)?;
        // libzmq asserts confidentiality was applied.
        if conf == 0 {
            return Err(GssError(major));
        }
        Ok(v)
    }

    fn unwrap(&mut self, wrapped: &[u8]) -> Result<Vec<u8>, GssError> {
        let api = ffi::api().ok_or(GssError(u32::MAX))?;
        let mut minor = 0;
        let mut conf = 0;
        let mut inbuf = input(wrapped);
        let mut out = GssBufferDesc::EMPTY;
        // SAFETY: as in wrap; the input is the peer's bytes, which the
        // library validates.
        let major = unsafe {
            (api.gss_unwrap)(
                &mut minor,
                self.ctx,
                &mut inbuf,
                &mut out,
                &mut conf,
                ptr::null_mut(),
            )
        };
        let v = take_buffer(api, &mut out);
        check(major)?;
        Ok(v)
    }

    fn peer_principal(&mut self) -> Result<Vec<u8>, GssError> {
        let api = ffi::api().ok_or(GssError(u32::MAX))?;
        match &self.source {
            Some(n) => n.display(api),
            None => Err(GssError(u32::MAX)),
        }
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        if let (Some(api), false) = (ffi::api(), self.ctx.is_null()) {
            let mut minor = 0;
            // SAFETY: a context the library made, deleted once; no output
            // token wanted.
            unsafe { (api.gss_delete_sec_context)(&mut minor, &mut self.ctx, ptr::null_mut()) };
        }
    }
}
