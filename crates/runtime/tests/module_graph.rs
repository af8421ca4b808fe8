//! The layering check: reads the sources of the runtime (`crates/runtime/src`) and the
//! kernel (`kernel/src`), builds each crate's module graph from its paths (`use crate::…`,
//! `crate::x::…`, `super::…`, `self::…` and child modules named directly), and fails when
//! the largest import cycle (a strongly connected component, found with Tarjan's algorithm)
//! is larger than the crate's budget. The offending cycle is printed.
//!
//! A node is one source file (inline `mod x { … }` blocks belong to their file). Public
//! re-exports (`pub use a::b as c`) and `#[macro_export]` macros are followed to where the
//! item is defined, so moving a name behind a re-export does not hide a dependency.
//!
//! Run alone with `cargo test -p runtime --test module_graph -- --nocapture` to see the
//! numbers for both crates.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The largest import cycle allowed among the runtime's modules (issue 13; it was 27).
const RUNTIME_BUDGET: usize = 4;
/// The largest import cycle allowed among the kernel's modules (issue 13; it was 14).
const KERNEL_BUDGET: usize = 3;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    ColCol,
    Open,
    Close,
    Semi,
    Comma,
    Star,
    Other(char),
}

/// Source text without comments, strings and character literals, as tokens.
fn tokens(src: &str) -> Vec<Tok> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or('\0');
        if c == '/' && next == '/' {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == '*' {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == '"' || (next == '#' && matches!(b.get(i + 2), Some('"') | Some('#'))))
        {
            // A raw string: r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while j < b.len() && b[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            'raw: while j < b.len() {
                if b[j] == '"' {
                    let mut k = 0;
                    while k < hashes && b.get(j + 1 + k) == Some(&'#') {
                        k += 1;
                    }
                    if k == hashes {
                        j += 1 + hashes;
                        break 'raw;
                    }
                }
                j += 1;
            }
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' {
            // A character literal ('a', '\n', '\u{..}') or a lifetime ('a).
            if next == '\\' {
                i += 2;
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(b[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
        } else if c == ':' && next == ':' {
            out.push(Tok::ColCol);
            i += 2;
        } else {
            out.push(match c {
                '{' => Tok::Open,
                '}' => Tok::Close,
                ';' => Tok::Semi,
                ',' => Tok::Comma,
                '*' => Tok::Star,
                _ => Tok::Other(c),
            });
            i += 1;
        }
    }
    out.retain(|t| !matches!(t, Tok::Other(c) if c.is_whitespace()));
    out
}

/// One `use` tree flattened into paths, each with the name it binds (for re-exports).
fn use_paths(
    toks: &[Tok],
    prefix: &[String],
    out: &mut Vec<(Vec<String>, Option<String>)>,
) -> usize {
    let mut path: Vec<String> = prefix.to_vec();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Ident(s) if s == "as" => {
                if let Some(Tok::Ident(alias)) = toks.get(i + 1) {
                    let p = trim_self(&path);
                    out.push((p, Some(alias.clone())));
                    path = prefix.to_vec();
                }
                i += 2;
                continue;
            }
            Tok::Ident(s) => path.push(s.clone()),
            Tok::ColCol => {}
            Tok::Star => {
                out.push((path.clone(), None));
                path = prefix.to_vec();
            }
            Tok::Open => {
                let used = use_paths(&toks[i + 1..], &path, out);
                i += used + 1;
                path = prefix.to_vec();
                continue;
            }
            Tok::Comma => {
                if path.len() > prefix.len() {
                    let p = trim_self(&path);
                    let name = p.last().cloned();
                    out.push((p, name));
                }
                path = prefix.to_vec();
            }
            Tok::Close | Tok::Semi => {
                if path.len() > prefix.len() {
                    let p = trim_self(&path);
                    let name = p.last().cloned();
                    out.push((p, name));
                }
                return i + 1;
            }
            Tok::Other(_) => {}
        }
        i += 1;
    }
    i
}

/// `a::b::{self}` names `a::b`.
fn trim_self(path: &[String]) -> Vec<String> {
    let mut p = path.to_vec();
    if p.len() > 1 && p.last().map(String::as_str) == Some("self") {
        p.pop();
    }
    p
}

/// What one file says: the paths it names (relative to the inline module they are in),
/// its public re-exports, its exported macros and its child modules.
struct FileScan {
    /// (inline module path inside the file, path as written)
    paths: Vec<(Vec<String>, Vec<String>)>,
    /// (inline module path, bound name, path as written)
    reexports: Vec<(Vec<String>, String, Vec<String>)>,
    macros: Vec<String>,
    /// inline modules (paths inside the file) and declared file modules
    inline_mods: Vec<Vec<String>>,
}

fn scan(src: &str) -> FileScan {
    let t = tokens(src);
    let mut scan = FileScan {
        paths: Vec::new(),
        reexports: Vec::new(),
        macros: Vec::new(),
        inline_mods: Vec::new(),
    };
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let ident = |k: usize| match t.get(k) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    while i < t.len() {
        let here: Vec<String> = stack.iter().map(|(n, _)| n.clone()).collect();
        match &t[i] {
            Tok::Open => depth += 1,
            Tok::Close => {
                if stack.last().map(|(_, d)| *d) == Some(depth) {
                    stack.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(s) if s == "mod" => {
                if let (Some(name), Some(Tok::Open)) = (ident(i + 1), t.get(i + 2)) {
                    let mut m = here.clone();
                    m.push(name.to_string());
                    scan.inline_mods.push(m);
                    stack.push((name.to_string(), depth + 1));
                    depth += 1;
                    i += 3;
                    continue;
                }
            }
            Tok::Ident(s) if s == "macro_rules" => {
                // `#[macro_export] macro_rules! name`: the tokens before are `# [ macro_export ]`.
                let exported = i >= 2 && ident(i - 2) == Some("macro_export");
                if let (true, Some(name)) = (exported, ident(i + 2)) {
                    scan.macros.push(name.to_string());
                }
            }
            Tok::Ident(s)
                if s == "use" && !matches!(t.get(i.wrapping_sub(1)), Some(Tok::ColCol)) =>
            {
                let public = ident(i.wrapping_sub(1)) == Some("pub")
                    || (i >= 4
                        && ident(i - 4) == Some("pub")
                        && matches!(t.get(i - 1), Some(Tok::Other(')'))));
                let mut out = Vec::new();
                let end = t[i + 1..]
                    .iter()
                    .position(|x| *x == Tok::Semi)
                    .map_or(t.len(), |p| i + 1 + p + 1);
                use_paths(&t[i + 1..end], &[], &mut out);
                for (p, name) in out {
                    if public && let Some(name) = name {
                        scan.reexports.push((here.clone(), name, p.clone()));
                    }
                    scan.paths.push((here.clone(), p));
                }
                i = end;
                continue;
            }
            Tok::Ident(first) if matches!(t.get(i + 1), Some(Tok::ColCol)) => {
                let dollar = matches!(t.get(i.wrapping_sub(1)), Some(Tok::Other('$')));
                let preceded = matches!(t.get(i.wrapping_sub(1)), Some(Tok::ColCol)) && !dollar;
                if !preceded {
                    let mut p = vec![first.clone()];
                    let mut k = i + 1;
                    while matches!(t.get(k), Some(Tok::ColCol)) {
                        match ident(k + 1) {
                            Some(s) => p.push(s.to_string()),
                            None => break,
                        }
                        k += 2;
                    }
                    scan.paths.push((here.clone(), p));
                    i = k;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    scan
}

/// One crate's module graph: a node per source file.
struct Graph {
    names: Vec<String>,
    edges: Vec<BTreeSet<usize>>,
}

fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs").to_string();
    if !(stem == "mod" || (parts.is_empty() && (stem == "lib" || stem == "main"))) {
        parts.push(stem);
    }
    parts
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("readable source dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn build(src: &Path) -> Graph {
    let mut files = Vec::new();
    rs_files(src, &mut files);
    let mods: Vec<Vec<String>> = files.iter().map(|f| module_of(src, f)).collect();
    let scans: Vec<FileScan> = files
        .iter()
        .map(|f| scan(&fs::read_to_string(f).expect("readable source")))
        .collect();

    // Every module path (file modules and inline ones) and the file node it belongs to.
    let mut node_of: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for (n, m) in mods.iter().enumerate() {
        node_of.insert(m.clone(), n);
        for inline in &scans[n].inline_mods {
            let mut full = m.clone();
            full.extend(inline.iter().cloned());
            node_of.insert(full, n);
        }
    }
    // Public re-exports and exported macros: (module, name) -> where it really comes from.
    let mut reexport: BTreeMap<(Vec<String>, String), Vec<String>> = BTreeMap::new();
    let mut macros = BTreeSet::new();
    for (n, m) in mods.iter().enumerate() {
        for (inline, name, p) in &scans[n].reexports {
            let mut here = m.clone();
            here.extend(inline.iter().cloned());
            if let Some(abs) = absolute(&here, p, &node_of) {
                reexport.insert((here, name.clone()), abs);
            }
        }
        for mac in &scans[n].macros {
            let mut target = m.clone();
            target.push(mac.clone());
            reexport.insert((Vec::new(), mac.clone()), target);
            macros.insert(mac.clone());
        }
    }

    let mut edges = vec![BTreeSet::new(); files.len()];
    for (n, m) in mods.iter().enumerate() {
        for (inline, p) in &scans[n].paths {
            let mut here = m.clone();
            here.extend(inline.iter().cloned());
            let Some(abs) = absolute(&here, p, &node_of) else {
                continue;
            };
            let mut targets = Vec::new();
            resolve(&abs, &node_of, &reexport, &macros, &mut targets);
            edges[n].extend(targets.into_iter().filter(|&t| t != n));
        }
    }
    let names = mods
        .iter()
        .map(|m| {
            if m.is_empty() {
                "crate".to_string()
            } else {
                m.join("::")
            }
        })
        .collect();
    Graph { names, edges }
}

/// A path as written inside module `here`, made absolute; `None` for other crates' paths.
fn absolute(
    here: &[String],
    p: &[String],
    node_of: &BTreeMap<Vec<String>, usize>,
) -> Option<Vec<String>> {
    let first = p.first()?;
    let mut base: Vec<String>;
    let mut rest = p;
    match first.as_str() {
        "crate" => {
            base = Vec::new();
            rest = &p[1..];
        }
        "self" => {
            base = here.to_vec();
            rest = &p[1..];
        }
        "super" => {
            base = here.to_vec();
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        name => {
            // A child module named directly (`unwind::f`, `use fd::x`).
            let mut child = here.to_vec();
            child.push(name.to_string());
            if !node_of.contains_key(&child) {
                return None;
            }
            base = here.to_vec();
        }
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The files an absolute path depends on: the module it names and, when that module only
/// re-exports the name, every module along the chain to where the item is defined.
fn resolve(
    abs: &[String],
    node_of: &BTreeMap<Vec<String>, usize>,
    reexport: &BTreeMap<(Vec<String>, String), Vec<String>>,
    macros: &BTreeSet<String>,
    out: &mut Vec<usize>,
) {
    let mut k = abs.len();
    while !node_of.contains_key(&abs[..k]) {
        k -= 1;
    }
    let module = abs[..k].to_vec();
    // An exported macro sits at the crate root by name only: it depends on its file alone.
    let is_macro = module.is_empty() && abs.get(k).is_some_and(|name| macros.contains(name));
    if !is_macro {
        out.extend(node_of.get(&module).copied());
    }
    if out.len() < 16
        && let Some(name) = abs.get(k)
        && let Some(target) = reexport.get(&(module.clone(), name.clone()))
    {
        let mut next = target.clone();
        next.extend(abs[k + 1..].iter().cloned());
        resolve(&next, node_of, reexport, macros, out);
    }
}

/// Tarjan's strongly connected components, largest first.
fn components(g: &Graph) -> Vec<Vec<usize>> {
    struct T<'a> {
        g: &'a Graph,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(t: &mut T<'_>, v: usize) {
        t.index[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on[v] = true;
        for &w in &t.g.edges[v] {
            match t.index[w] {
                None => {
                    visit(t, w);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(iw) if t.on[w] => t.low[v] = t.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            let mut c = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on[w] = false;
                c.push(w);
                if w == v {
                    break;
                }
            }
            t.out.push(c);
        }
    }
    let n = g.names.len();
    let mut t = T {
        g,
        index: vec![None; n],
        low: vec![0; n],
        on: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            visit(&mut t, v);
        }
    }
    let mut out = t.out;
    out.sort_by_key(|c| std::cmp::Reverse(c.len()));
    out
}

/// One cycle through a component's modules, to show where to cut.
fn a_cycle(g: &Graph, comp: &[usize]) -> Vec<usize> {
    let inside: BTreeSet<usize> = comp.iter().copied().collect();
    let start = comp[0];
    // Breadth-first from start back to start, inside the component.
    let mut prev: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &g.edges[v] {
            if !inside.contains(&w) {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                let mut x = v;
                while x != start {
                    x = prev[&x];
                    path.push(x);
                }
                path.reverse();
                return path;
            }
            if let std::collections::btree_map::Entry::Vacant(e) = prev.entry(w) {
                e.insert(v);
                queue.push_back(w);
            }
        }
    }
    vec![start]
}

fn report(label: &str, g: &Graph, budget: usize) -> usize {
    let comps = components(g);
    let largest = comps.first().map_or(0, Vec::len);
    println!(
        "{label}: {} modules, largest import cycle {largest} (budget {budget})",
        g.names.len()
    );
    for c in comps.iter().filter(|c| c.len() > 1) {
        let mut names: Vec<&str> = c.iter().map(|&v| g.names[v].as_str()).collect();
        names.sort_unstable();
        println!("  cycle of {}: {}", c.len(), names.join(", "));
        let cyc = a_cycle(g, c);
        let mut shown: Vec<&str> = cyc.iter().map(|&v| g.names[v].as_str()).collect();
        shown.push(g.names[cyc[0]].as_str());
        println!("    e.g. {}", shown.join(" -> "));
    }
    largest
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn runtime_import_cycles_within_budget() {
    let g = build(&root().join("crates/runtime/src"));
    let largest = report("runtime", &g, RUNTIME_BUDGET);
    assert!(
        largest <= RUNTIME_BUDGET,
        "runtime: largest import cycle is {largest} (budget {RUNTIME_BUDGET}); see above"
    );
}

/// The handler modules of a call family (`wasi::fd`, `wasix::proc`, …): not the family's
/// registration (`wasi`, `wasix`).
fn family(name: &str) -> Option<&str> {
    name.split_once("::")
        .map(|(f, _)| f)
        .filter(|f| *f == "wasi" || *f == "wasix")
}

#[test]
fn no_handler_family_imports_another_or_anything_above_it() {
    let g = build(&root().join("crates/runtime/src"));
    let mut bad = Vec::new();
    for (a, targets) in g.edges.iter().enumerate() {
        let from = g.names[a].as_str();
        let Some(fam) = family(from) else { continue };
        for &b in targets {
            let to = g.names[b].as_str();
            let other_family = family(to).is_some_and(|f| f != fam);
            let above = matches!(to, "wasi" | "wasix" | "sched" | "sched::unwind" | "crate");
            if other_family || above {
                bad.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "handlers must reach shared services below them (io, signals, spawn, sys), not: {bad:?}"
    );
}

#[test]
fn kernel_import_cycles_within_budget() {
    let g = build(&root().join("kernel/src"));
    let largest = report("kernel", &g, KERNEL_BUDGET);
    assert!(
        largest <= KERNEL_BUDGET,
        "kernel: largest import cycle is {largest} (budget {KERNEL_BUDGET}); see above"
    );
}

#[test]
fn the_checker_sees_a_cycle_and_follows_reexports() {
    let dir = std::env::temp_dir().join(format!("module-graph-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("b")).unwrap();
    fs::write(dir.join("lib.rs"), "mod a; mod b; mod c; pub use c::Thing;").unwrap();
    // a -> b, which re-exports c; c -> a: a cycle of all three. The root re-exports c too.
    fs::write(
        dir.join("a.rs"),
        "use crate::b::Thing; // crate::c::X in a comment\nfn f() { let s = \"crate::c\"; }",
    )
    .unwrap();
    fs::write(
        dir.join("b/mod.rs"),
        "pub use crate::c::Thing as Thing;\nmod inner { use super::*; }",
    )
    .unwrap();
    fs::write(
        dir.join("c.rs"),
        "pub struct Thing; fn g() { crate::a::f(); }",
    )
    .unwrap();
    let g = build(&dir);
    let comps = components(&g);
    let mut names: Vec<&str> = comps[0].iter().map(|&v| g.names[v].as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["a", "b", "c"],
        "a -> b (re-exports c) -> c -> a; comments and strings ignored"
    );
    fs::write(dir.join("c.rs"), "pub struct Thing;").unwrap();
    assert_eq!(components(&build(&dir))[0].len(), 1);
    let _ = fs::remove_dir_all(&dir);
}
