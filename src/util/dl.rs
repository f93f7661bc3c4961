//! Shared objects loaded at run time (dlopen) for the optional transports
//! and mechanisms (OpenPGM, NORM, GSS-API): libzmq.so.5 keeps no hard
//! dependency on them, and each feature exists exactly when its library
//! loads. Handles are never closed: the function pointers taken from them
//! must stay valid for the life of the process.

use std::ffi::{c_void, CString};

/// A loaded library.
#[derive(Clone, Copy)]
pub struct Library(*mut c_void);

impl Library {
    /// dlopen `soname` (RTLD_LOCAL: its symbols stay out of the global
    /// namespace); None when it is not installed or does not load.
    pub fn open(soname: &str) -> Option<Library> {
        let name = CString::new(soname).ok()?;
        // SAFETY: a NUL-terminated name. The libraries opened here run no
        // constructors that touch our state.
        let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        (!handle.is_null()).then_some(Library(handle))
    }

    /// The address of `name` (a function or data symbol), or None.
    pub fn sym(&self, name: &str) -> Option<*mut c_void> {
        let c = CString::new(name.trim_end_matches('\0')).ok()?;
        // SAFETY: `self.0` is a live handle (never closed); `c` is a
        // NUL-terminated name.
        let p = unsafe { libc::dlsym(self.0, c.as_ptr()) };
        (!p.is_null()).then_some(p)
    }
}

/// Compile `source` with `compiler` ("cc", or "c++" for a header that is
/// only valid C++) and `cc_args` (libraries, include paths), and run it:
/// its standard output. The layout and signature checks of the
/// hand-written bindings use it; a compiler error is the check failing.
#[cfg(test)]
pub fn compile_and_run(what: &str, compiler: &str, source: &str, cc_args: &[&str]) -> String {
    use std::process::Command;
    let dir = std::env::temp_dir().join(format!("{what}-abi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join(if compiler == "cc" {
        "check.c"
    } else {
        "check.cc"
    });
    let bin = dir.join("check");
    std::fs::write(&src, source).unwrap();
    let out = Command::new(compiler)
        .arg(&src)
        .arg("-o")
        .arg(&bin)
        .args(cc_args)
        .output()
        .expect("a compiler (scripts/deps.sh installs gcc and g++)");
    assert!(
        out.status.success(),
        "the {what} bindings disagree with the installed headers:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&bin).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(run.stdout).unwrap()
}

/// The layout check of hand-written bindings: a C (or C++) file with
/// `headers` assigns each function of `signatures` ((symbol, C function
/// pointer type as "R (*)(args)")) to a pointer of that type, so a drifted
/// signature does not compile, and prints each C expression of `expected`,
/// which must equal the value the Rust side assumes.
#[cfg(test)]
pub fn check_bindings(
    what: &str,
    compiler: &str,
    headers: &str,
    signatures: &[(&str, &str)],
    expected: &[(&str, usize)],
    cc_args: &[&str],
) {
    let mut c = format!("#include <stddef.h>\n#include <stdio.h>\n{headers}");
    for (i, (name, ty)) in signatures.iter().enumerate() {
        // `typedef R (*fN)(args)` from "R (*)(args)".
        let td = ty.replacen("(*)", &format!("(*f{i})"), 1);
        c += &format!("typedef {td};\nf{i} check{i} = {name};\n");
    }
    c += "int main(void) {\n";
    for i in 0..signatures.len() {
        c += &format!("  (void) check{i};\n");
    }
    for (expr, _) in expected {
        c += &format!("  printf(\"%zu\\n\", (size_t) ({expr}));\n");
    }
    c += "  return 0;\n}\n";
    let out = compile_and_run(what, compiler, &c, cc_args);
    let got: Vec<usize> = out.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(got.len(), expected.len());
    for ((expr, want), c) in expected.iter().zip(got) {
        assert_eq!(*want, c, "{expr}: Rust {want}, C {c}");
    }
}
