//! Sets the SONAME of the shared object and generates zmq.h with cbindgen.
//!
//! The header is written to `$OUT_DIR/zmq.h`; `make header` copies it to
//! `include/zmq.h` (checked in). A test fails when the two differ.

use std::env;
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());

    // libzmq's SONAME: existing binaries linked to libzmq.so.5 load us.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzmq.so.5");

    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=include/zmq_prologue.h");
    println!("cargo:rerun-if-changed=include/zmq_epilogue.h");

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is valid");
    match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(out_dir.join("zmq.h"));
        }
        Err(e) => panic!("cbindgen failed to generate zmq.h: {e}"),
    }
}
