//! The layers point down only: no top-level module of src/ may reach, through
//! the modules it names (`use crate::x::...` or an inline `crate::x::` path),
//! back to itself. A cycle between top-level modules is how a layer ends up
//! knowing the one above it (the I/O thread looking sockets up in the
//! context, a pipe building I/O commands), so this keeps them out.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The top-level modules named by `crate::` paths in `text`, comments
/// skipped.
fn named_modules(text: &str, out: &mut BTreeSet<String>) {
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // use crate::{a::X, b};
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        out.insert(name);
                    }
                }
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
}

fn collect(dir: &Path, out: &mut BTreeSet<String>) {
    let mut entries: Vec<_> = fs::read_dir(dir).expect("read src").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            named_modules(&fs::read_to_string(&p).expect("read source"), out);
        }
    }
}

/// Each top-level module (a directory of src/) and the other top-level
/// modules it names.
fn graph(src: &Path) -> Graph {
    let mut g = Graph::new();
    let mut tops: BTreeSet<String> = BTreeSet::new();
    for e in fs::read_dir(src).expect("read src").flatten() {
        let p = e.path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if p.is_dir() || (p.extension().is_some_and(|x| x == "rs") && name != "lib") {
            tops.insert(name);
        }
    }
    for top in &tops {
        let mut named = BTreeSet::new();
        let dir = src.join(top);
        if dir.is_dir() {
            collect(&dir, &mut named);
        }
        let file = src.join(format!("{top}.rs"));
        if file.is_file() {
            named_modules(&fs::read_to_string(&file).unwrap(), &mut named);
        }
        named.retain(|m| m != top && tops.contains(m));
        g.insert(top.clone(), named);
    }
    g
}

/// A cycle through the graph, as the list of its modules, if there is one.
fn find_cycle(g: &Graph) -> Option<Vec<String>> {
    // 0 unvisited, 1 on the current path, 2 done.
    fn visit(
        n: &str,
        g: &Graph,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n).copied().unwrap_or(0) {
            1 => {
                let start = path.iter().position(|m| m == n).unwrap();
                let mut cycle = path[start..].to_vec();
                cycle.push(n.to_owned());
                return Some(cycle);
            }
            2 => return None,
            _ => {}
        }
        state.insert(n.to_owned(), 1);
        path.push(n.to_owned());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if let Some(c) = visit(n, g, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_cycles_between_top_level_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = graph(&src);
    for (m, uses) in &g {
        eprintln!(
            "{m} -> {}",
            uses.iter().cloned().collect::<Vec<_>>().join(" ")
        );
    }
    if let Some(cycle) = find_cycle(&g) {
        panic!(
            "import cycle between top-level modules: {}",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn the_check_sees_a_cycle() {
    let mut named = BTreeSet::new();
    named_modules(
        "use crate::pipe::PipeEnd; // crate::socket\nuse crate::{ctx::Ctx, msg};\nx: crate::io::X",
        &mut named,
    );
    let names: Vec<_> = named.iter().map(String::as_str).collect();
    assert_eq!(names, ["ctx", "io", "msg", "pipe"]);
    let mut g = Graph::new();
    g.insert("io".into(), ["pipe".to_owned()].into());
    g.insert("pipe".into(), ["msg".to_owned()].into());
    g.insert("msg".into(), BTreeSet::new());
    assert!(find_cycle(&g).is_none());
    g.get_mut("msg").unwrap().insert("io".into());
    assert_eq!(find_cycle(&g).unwrap(), ["io", "pipe", "msg", "io"]);
}
