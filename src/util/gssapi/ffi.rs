//! The few GSS-API calls the GSSAPI mechanism makes, bound by hand to MIT
//! Kerberos' `libgssapi_krb5.so.2` and loaded at run time (dlopen), so our
//! shared object has no link-time dependency on Kerberos: without the
//! library, `zmq_has("gssapi")` is 0 and the options are refused as by a
//! libzmq built without GSSAPI.
//!
//! Every type and signature mirrors Debian's `<gssapi/gssapi.h>` (MIT
//! krb5 1.20). The `gss_api!` list below names each argument's Rust type
//! next to its C spelling; `abi_check.rs` (a test) compiles those C
//! spellings against the real header with `__builtin_types_compatible_p`,
//! and compares the struct layouts and constants with ours.

use std::ffi::{c_int, c_void};
use std::sync::OnceLock;

/// `OM_uint32`: major and minor status, flags, lengths of OIDs.
pub type OmUint32 = u32;
/// `gss_qop_t`.
pub type GssQop = OmUint32;
/// `gss_cred_usage_t`.
pub type GssCredUsage = c_int;
/// `gss_name_t`, `gss_cred_id_t`, `gss_ctx_id_t`: opaque handles.
pub type GssName = *mut c_void;
pub type GssCred = *mut c_void;
pub type GssCtx = *mut c_void;
/// `gss_channel_bindings_t` and `gss_OID_set`: only ever passed as NULL.
pub type GssChannelBindings = *mut c_void;
pub type GssOidSet = *mut c_void;

/// `gss_buffer_desc`.
#[repr(C)]
#[derive(Debug)]
pub struct GssBufferDesc {
    pub length: usize,
    pub value: *mut c_void,
}

impl GssBufferDesc {
    pub const EMPTY: GssBufferDesc = GssBufferDesc {
        length: 0,
        value: std::ptr::null_mut(),
    };
}

/// `gss_OID_desc`.
#[repr(C)]
pub struct GssOidDesc {
    pub length: OmUint32,
    pub elements: *mut c_void,
}
/// `gss_OID`.
pub type GssOid = *mut GssOidDesc;

pub const GSS_S_COMPLETE: OmUint32 = 0;
/// (Only compared with the header: any non-error, non-COMPLETE status
/// means continue.)
#[allow(dead_code)]
pub const GSS_S_CONTINUE_NEEDED: OmUint32 = 1;
/// GSS_ERROR(x): a calling or routine error (the supplementary bits aside).
pub const GSS_ERROR_MASK: OmUint32 = 0xffff_0000;
pub const GSS_C_MUTUAL_FLAG: OmUint32 = 2;
pub const GSS_C_REPLAY_FLAG: OmUint32 = 4;
pub const GSS_C_BOTH: GssCredUsage = 0;
pub const GSS_C_QOP_DEFAULT: GssQop = 0;

/// Declares the function table: each entry is `name(arg type = "C type",
/// ...)`, all returning `OM_uint32`. Generates [`Api`] (function pointers),
/// its loader, and [`SIGNATURES`] for the header check.
macro_rules! gss_api {
    ($($name:ident ( $($arg:ty = $cty:literal),* );)*) => {
        /// The resolved functions.
        pub struct Api {
            $(pub $name: unsafe extern "C" fn($($arg),*) -> OmUint32,)*
            pub nt_hostbased_service: GssOid,
            pub nt_user_name: GssOid,
            pub nt_krb5_principal_name: GssOid,
        }

        /// (function, [(Rust type, C type) per argument]).
        #[cfg(test)]
        pub const SIGNATURES: &[(&str, &[(&str, &str)])] = &[
            $((stringify!($name), &[$((stringify!($arg), $cty)),*]),)*
        ];

        impl Api {
            /// # Safety
            /// `lib` is libgssapi_krb5.
            unsafe fn resolve(lib: crate::util::dl::Library) -> Option<Api> {
                Some(Api {
                    // SAFETY: each symbol is the function of that name with
                    // the signature above (checked against gssapi.h by
                    // abi_check.rs); a missing one returns None first.
                    $($name: unsafe {
                        std::mem::transmute::<*mut c_void, unsafe extern "C" fn($($arg),*) -> OmUint32>(
                            lib.sym(stringify!($name))?)
                    },)*
                    // SAFETY: these are exported data symbols of type
                    // gss_OID (`extern gss_OID GSS_C_NT_...`), so the symbol
                    // address points at a pointer to the OID; the library
                    // initialised them statically and never changes them.
                    nt_hostbased_service: unsafe {
                        *(lib.sym("GSS_C_NT_HOSTBASED_SERVICE")? as *const GssOid)
                    },
                    nt_user_name: unsafe { *(lib.sym("GSS_C_NT_USER_NAME")? as *const GssOid) },
                    nt_krb5_principal_name: unsafe {
                        *(lib.sym("GSS_KRB5_NT_PRINCIPAL_NAME")? as *const GssOid)
                    },
                })
            }
        }
    };
}

gss_api! {
    gss_import_name(*mut OmUint32 = "OM_uint32 *", *mut GssBufferDesc = "gss_buffer_t",
        GssOid = "gss_OID", *mut GssName = "gss_name_t *");
    gss_display_name(*mut OmUint32 = "OM_uint32 *", GssName = "gss_name_t",
        *mut GssBufferDesc = "gss_buffer_t", *mut GssOid = "gss_OID *");
    gss_release_name(*mut OmUint32 = "OM_uint32 *", *mut GssName = "gss_name_t *");
    gss_release_buffer(*mut OmUint32 = "OM_uint32 *", *mut GssBufferDesc = "gss_buffer_t");
    gss_acquire_cred(*mut OmUint32 = "OM_uint32 *", GssName = "gss_name_t",
        OmUint32 = "OM_uint32", GssOidSet = "gss_OID_set",
        GssCredUsage = "gss_cred_usage_t", *mut GssCred = "gss_cred_id_t *",
        *mut GssOidSet = "gss_OID_set *", *mut OmUint32 = "OM_uint32 *");
    gss_release_cred(*mut OmUint32 = "OM_uint32 *", *mut GssCred = "gss_cred_id_t *");
    gss_init_sec_context(*mut OmUint32 = "OM_uint32 *", GssCred = "gss_cred_id_t",
        *mut GssCtx = "gss_ctx_id_t *", GssName = "gss_name_t", GssOid = "gss_OID",
        OmUint32 = "OM_uint32", OmUint32 = "OM_uint32",
        GssChannelBindings = "gss_channel_bindings_t", *mut GssBufferDesc = "gss_buffer_t",
        *mut GssOid = "gss_OID *", *mut GssBufferDesc = "gss_buffer_t",
        *mut OmUint32 = "OM_uint32 *", *mut OmUint32 = "OM_uint32 *");
    gss_accept_sec_context(*mut OmUint32 = "OM_uint32 *", *mut GssCtx = "gss_ctx_id_t *",
        GssCred = "gss_cred_id_t", *mut GssBufferDesc = "gss_buffer_t",
        GssChannelBindings = "gss_channel_bindings_t", *mut GssName = "gss_name_t *",
        *mut GssOid = "gss_OID *", *mut GssBufferDesc = "gss_buffer_t",
        *mut OmUint32 = "OM_uint32 *", *mut OmUint32 = "OM_uint32 *",
        *mut GssCred = "gss_cred_id_t *");
    gss_delete_sec_context(*mut OmUint32 = "OM_uint32 *", *mut GssCtx = "gss_ctx_id_t *",
        *mut GssBufferDesc = "gss_buffer_t");
    gss_wrap(*mut OmUint32 = "OM_uint32 *", GssCtx = "gss_ctx_id_t", c_int = "int",
        GssQop = "gss_qop_t", *mut GssBufferDesc = "gss_buffer_t", *mut c_int = "int *",
        *mut GssBufferDesc = "gss_buffer_t");
    gss_unwrap(*mut OmUint32 = "OM_uint32 *", GssCtx = "gss_ctx_id_t",
        *mut GssBufferDesc = "gss_buffer_t", *mut GssBufferDesc = "gss_buffer_t",
        *mut c_int = "int *", *mut GssQop = "gss_qop_t *");
}

// SAFETY: the table holds function pointers and pointers to the library's
// immutable OID constants; the library stays loaded for the process's life
// (never dlclosed), and MIT's GSS-API functions are thread-safe for
// distinct handles.
unsafe impl Send for Api {}
// SAFETY: as above; nothing in the table is ever written after loading.
unsafe impl Sync for Api {}

/// The shared object libzmq links (Debian: libgssapi-krb5-2).
pub const LIBRARY: &str = "libgssapi_krb5.so.2";

/// The library's functions, loaded on first use; None when it (or any
/// symbol we use) is missing.
pub fn api() -> Option<&'static Api> {
    static API: OnceLock<Option<Api>> = OnceLock::new();
    API.get_or_init(|| {
        let lib = crate::util::dl::Library::open(LIBRARY)?;
        // SAFETY: `lib` was just opened and is never closed.
        let api = unsafe { Api::resolve(lib) };
        api.filter(|a| {
            !a.nt_hostbased_service.is_null()
                && !a.nt_user_name.is_null()
                && !a.nt_krb5_principal_name.is_null()
        })
    })
    .as_ref()
}
