//! Sets the SONAME of the shared object and generates zmq.h with cbindgen.
//!
//! The header is written to `$OUT_DIR/zmq.h`; `make header` copies it to
//! `include/zmq.h` (checked in). tests/header_fresh.rs fails when they differ.
//!
//! zmq.h = include/zmq_prologue.h
//!       + cbindgen over src/constants.rs and src/capi/ (constants, then the
//!         `#[no_mangle] extern "C"` functions; `#[cfg(feature = "draft")]`
//!         items inside `#if defined(ZMQ_BUILD_DRAFT_API)`)
//!       + include/zmq_epilogue.h
//!
//! Only those two module trees are parsed, so no other item of the crate can
//! leak into the public header.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());

    // libzmq's SONAME: existing binaries linked to libzmq.so.5 load us.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzmq.so.5");

    println!("cargo:rerun-if-changed=src/constants.rs");
    println!("cargo:rerun-if-changed=src/capi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=include/zmq_prologue.h");
    println!("cargo:rerun-if-changed=include/zmq_epilogue.h");

    let header = generate_header(&crate_dir);
    let path = out_dir.join("zmq.h");
    // Rewrite only on change, so that a rebuild does not touch the mtime.
    if fs::read_to_string(&path).ok().as_deref() != Some(header.as_str()) {
        fs::write(&path, header).expect("write $OUT_DIR/zmq.h");
    }
}

fn generate_header(crate_dir: &Path) -> String {
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is valid");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/constants.rs"))
        .with_src(crate_dir.join("src/capi/mod.rs"))
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen failed to generate zmq.h: {e}"));
    let mut body = Vec::new();
    bindings.write(&mut body);
    let body = String::from_utf8(body).expect("cbindgen writes UTF-8");
    let body = nullable_callbacks(&body);

    let read = |name: &str| {
        fs::read_to_string(crate_dir.join("include").join(name))
            .unwrap_or_else(|e| panic!("read include/{name}: {e}"))
    };
    let mut header = read("zmq_prologue.h");
    header.push_str(merge_conditionals(&summarize_docs(&body)).trim_matches('\n'));
    header.push('\n');
    header.push_str(&read("zmq_epilogue.h"));
    header
}

/// The callback typedefs (`zmq_free_fn`, `zmq_timer_fn`, `zmq_thread_fn`) are
/// function types in C, declared by the prologue, so cbindgen does not know
/// them and leaves `Option<zmq_free_fn>` as is. A nullable callback is a
/// pointer to the function type, as libzmq spells it: `zmq_free_fn *ffn`.
fn nullable_callbacks(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find("Option<") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "Option<".len()..];
        let end = after.find('>').expect("Option<...> is closed");
        let inner = &after[..end];
        assert!(
            inner.starts_with("zmq_") && inner.ends_with("_fn"),
            "zmq.h: cbindgen cannot render `Option<{inner}>` as C; use a raw pointer \
             or one of the zmq_*_fn callback types"
        );
        out.push_str(inner);
        out.push_str(" *");
        rest = &after[end + 1..];
        // `zmq_free_fn * ffn` -> `zmq_free_fn *ffn`
        rest = rest.strip_prefix(' ').unwrap_or(rest);
    }
    out.push_str(rest);
    out
}

/// Doc comments become C comments. Keep the summary (the first paragraph) of
/// each: the rest is Rust-side detail such as `# Safety` sections. Comment
/// delimiters inside the text are defused so the C comment cannot end early.
fn summarize_docs(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut in_doc = false;
    let mut skipping = false;
    for line in body.lines() {
        if !in_doc && line == "/*" {
            in_doc = true;
            skipping = false;
        } else if in_doc && line == " */" {
            in_doc = false;
        } else if in_doc {
            if line.trim().is_empty() {
                skipping = true;
            }
            if skipping {
                continue;
            }
            out.push_str(&ascii(&line.replace("*/", "* /").replace("/*", "/ *")));
            out.push('\n');
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// zmq.h stays ASCII (some compilers read headers in a legacy code page):
/// spell the usual typographic characters of doc comments in ASCII.
fn ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{2192}' => out.push_str("->"),
            '\u{2190}' => out.push_str("<-"),
            '\u{2264}' => out.push_str("<="),
            '\u{2265}' => out.push_str(">="),
            '\u{2260}' => out.push_str("!="),
            '\u{2013}' | '\u{2014}' => out.push_str("--"),
            '\u{2018}' | '\u{2019}' => out.push('\''),
            '\u{201c}' | '\u{201d}' => out.push('"'),
            '\u{2026}' => out.push_str("..."),
            '\u{00d7}' => out.push('x'),
            c if c.is_ascii() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// cbindgen wraps every conditional item in its own `#if ... #endif`; join
/// runs of items under the same condition into one block, as a person would
/// write it (and as libzmq's header groups its draft API).
fn merge_conditionals(body: &str) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    let mut open: Option<&str> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with("#if ") {
            open = Some(line);
        } else if line == "#endif" {
            let mut next = i + 1;
            while next < lines.len() && lines[next].trim().is_empty() {
                next += 1;
            }
            if next < lines.len() && Some(lines[next]) == open {
                // Same condition again: keep the block open; keep the blank
                // lines that separated the two items.
                out.extend(&lines[i + 1..next]);
                i = next + 1;
                continue;
            }
            open = None;
        }
        out.push(line);
        i += 1;
    }
    // cbindgen separates every item by a blank line; a run of `#define`s
    // reads better without them.
    let mut tidy: Vec<&str> = Vec::with_capacity(out.len());
    for (k, line) in out.iter().enumerate() {
        let between_defines = line.is_empty()
            && tidy.last().is_some_and(|prev| prev.starts_with("#define "))
            && out
                .get(k + 1)
                .is_some_and(|next| next.starts_with("#define "));
        if !between_defines {
            tidy.push(line);
        }
    }
    let mut s = tidy.join("\n");
    s.push('\n');
    s
}
