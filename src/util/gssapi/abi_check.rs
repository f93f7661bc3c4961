//! Our hand-written GSS-API bindings against Debian's header
//! (libkrb5-dev's `<gssapi/gssapi.h>`): a C file generated from
//! `ffi::SIGNATURES` static-asserts that every function has exactly the
//! signature we call it with and that the OID symbols have the types we
//! read them as; run, it prints the sizes, offsets and constants we compare
//! with ours. A signature, layout or constant that drifts fails the test.

use std::fmt::Write as _;
use std::mem::{offset_of, size_of};

use super::ffi::*;

/// The C type behind each Rust type the bindings use, with the size of the
/// Rust side: an argument pairing a Rust type with any other C type fails.
fn rust_size(rust: &str, c: &str) -> usize {
    let pairs: &[(&str, &str, usize)] = &[
        ("* mut OmUint32", "OM_uint32 *", size_of::<*mut OmUint32>()),
        ("OmUint32", "OM_uint32", size_of::<OmUint32>()),
        (
            "* mut GssBufferDesc",
            "gss_buffer_t",
            size_of::<*mut GssBufferDesc>(),
        ),
        ("GssOid", "gss_OID", size_of::<GssOid>()),
        ("* mut GssOid", "gss_OID *", size_of::<*mut GssOid>()),
        ("GssName", "gss_name_t", size_of::<GssName>()),
        ("* mut GssName", "gss_name_t *", size_of::<*mut GssName>()),
        ("GssCred", "gss_cred_id_t", size_of::<GssCred>()),
        (
            "* mut GssCred",
            "gss_cred_id_t *",
            size_of::<*mut GssCred>(),
        ),
        ("GssCtx", "gss_ctx_id_t", size_of::<GssCtx>()),
        ("* mut GssCtx", "gss_ctx_id_t *", size_of::<*mut GssCtx>()),
        ("GssOidSet", "gss_OID_set", size_of::<GssOidSet>()),
        (
            "* mut GssOidSet",
            "gss_OID_set *",
            size_of::<*mut GssOidSet>(),
        ),
        (
            "GssCredUsage",
            "gss_cred_usage_t",
            size_of::<GssCredUsage>(),
        ),
        (
            "GssChannelBindings",
            "gss_channel_bindings_t",
            size_of::<GssChannelBindings>(),
        ),
        ("c_int", "int", size_of::<std::ffi::c_int>()),
        ("* mut c_int", "int *", size_of::<*mut std::ffi::c_int>()),
        ("GssQop", "gss_qop_t", size_of::<GssQop>()),
        ("* mut GssQop", "gss_qop_t *", size_of::<*mut GssQop>()),
    ];
    pairs
        .iter()
        .find(|(r, cty, _)| r.replace(' ', "") == rust.replace(' ', "") && *cty == c)
        .map(|p| p.2)
        .unwrap_or_else(|| panic!("Rust type {rust} is not the C type {c}"))
}

#[test]
fn bindings_match_gssapi_h() {
    let mut c = String::from(
        "#include <gssapi/gssapi.h>\n#include <gssapi/gssapi_krb5.h>\n\
         #include <stddef.h>\n#include <stdio.h>\n\
         #define SAME(a, b, what) _Static_assert(__builtin_types_compatible_p(a, b), what)\n",
    );
    let mut sizes = Vec::new();
    for (name, args) in SIGNATURES {
        let cargs: Vec<&str> = args.iter().map(|a| a.1).collect();
        writeln!(
            c,
            "SAME(__typeof__(&{name}), OM_uint32 (*)({}), \"{name}\");",
            cargs.join(", ")
        )
        .unwrap();
        for (rust, cty) in args.iter() {
            sizes.push((cty.to_string(), rust_size(rust, cty)));
        }
    }
    c.push_str(
        "SAME(__typeof__(GSS_C_NT_HOSTBASED_SERVICE), gss_OID, \"hostbased\");\n\
         SAME(__typeof__(GSS_C_NT_USER_NAME), gss_OID, \"user\");\n\
         SAME(__typeof__(GSS_KRB5_NT_PRINCIPAL_NAME), const gss_OID, \"krb5\");\n\
         int main (void) {\n\
         printf (\"gss_buffer_desc %zu %zu %zu\\n\", sizeof (gss_buffer_desc),\n\
           offsetof (gss_buffer_desc, length), offsetof (gss_buffer_desc, value));\n\
         printf (\"gss_OID_desc %zu %zu %zu\\n\", sizeof (gss_OID_desc),\n\
           offsetof (gss_OID_desc, length), offsetof (gss_OID_desc, elements));\n\
         printf (\"const %lu %lu %lu %lu %d %lu %lu\\n\", (unsigned long) GSS_S_COMPLETE,\n\
           (unsigned long) GSS_S_CONTINUE_NEEDED, (unsigned long) GSS_C_MUTUAL_FLAG,\n\
           (unsigned long) GSS_C_REPLAY_FLAG, (int) GSS_C_BOTH,\n\
           (unsigned long) GSS_C_QOP_DEFAULT,\n\
           (unsigned long) GSS_ERROR (0xffffffffu));\n",
    );
    let mut seen = std::collections::BTreeSet::new();
    for (cty, _) in &sizes {
        if seen.insert(cty.clone()) {
            writeln!(c, "printf (\"size {cty}= %zu\\n\", sizeof ({cty}));").unwrap();
        }
    }
    c.push_str("return 0;\n}\n");

    let text =
        crate::util::dl::compile_and_run("gssapi", "cc", &c, &["-std=gnu11", "-Wall", "-Werror"]);

    let line = |key: &str| -> Vec<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in {text}"))
            .split_whitespace()
            .map(|w| w.parse().unwrap())
            .collect()
    };
    assert_eq!(
        line("gss_buffer_desc "),
        [
            size_of::<GssBufferDesc>(),
            offset_of!(GssBufferDesc, length),
            offset_of!(GssBufferDesc, value)
        ]
        .map(|v| v as u64)
    );
    assert_eq!(
        line("gss_OID_desc "),
        [
            size_of::<GssOidDesc>(),
            offset_of!(GssOidDesc, length),
            offset_of!(GssOidDesc, elements)
        ]
        .map(|v| v as u64)
    );
    assert_eq!(
        line("const "),
        [
            u64::from(GSS_S_COMPLETE),
            u64::from(GSS_S_CONTINUE_NEEDED),
            u64::from(GSS_C_MUTUAL_FLAG),
            u64::from(GSS_C_REPLAY_FLAG),
            GSS_C_BOTH as u64,
            u64::from(GSS_C_QOP_DEFAULT),
            u64::from(GSS_ERROR_MASK),
        ]
    );
    for (cty, size) in sizes {
        assert_eq!(line(&format!("size {cty}= ")), [size as u64], "{cty}");
    }
}

#[test]
fn the_library_loads_here() {
    // Debian's libgssapi-krb5-2 is installed wherever libkrb5-dev is
    // (scripts/deps.sh), and every symbol we use must resolve.
    assert!(super::available(), "{LIBRARY} did not load");
}
