//! Style rules as tests (rust-analyzer's tidy): every module opens with a `//!` doc, and no
//! `unwrap()` on runtime paths outside tests.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    rust_files(Path::new("tests"), &mut files);
    assert!(files.len() > 10);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        assert!(text.starts_with("//!"), "{} must start with a `//!` module doc", file.display());
    }
}

#[test]
fn no_unwrap_outside_tests() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        // Only the part before a `#[cfg(test)]` module counts as runtime code.
        let runtime = text.split("#[cfg(test)]").next().unwrap_or("");
        for (idx, line) in runtime.lines().enumerate() {
            assert!(!line.contains(".unwrap()"), "{}:{}: `.unwrap()` on a runtime path", file.display(), idx + 1);
        }
    }
}

/// Runtime code of every source file under `src/`: `(path with / separators, lines)`. The part
/// from the first `#[cfg(test)]` on is test code and does not count.
fn runtime_sources() -> Vec<(String, Vec<String>)> {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("read");
            let runtime = text.split("#[cfg(test)]").next().unwrap_or("").to_owned();
            (file.to_string_lossy().replace('\\', "/"), runtime.lines().map(str::to_owned).collect())
        })
        .collect()
}

/// Every `file:line` outside `allowed` whose code (not a comment) matches one of `patterns`.
fn offenders(patterns: &[&str], allowed: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for (file, lines) in runtime_sources() {
        if allowed(&file) {
            continue;
        }
        for (idx, line) in lines.iter().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if patterns.iter().any(|p| line.contains(p)) {
                out.push(format!("{file}:{}: {}", idx + 1, code));
            }
        }
    }
    out
}

#[test]
fn only_config_reads_the_environment() {
    let found =
        offenders(&["std::env::var", "env::vars", "env::var_os", "std::env::current_dir", "std::env::current_exe", "env = \""], |f| {
            f == "src/config.rs"
        });
    assert!(found.is_empty(), "read the environment through `config`:\n{}", found.join("\n"));
}

#[test]
fn only_clock_reads_wall_time() {
    // `Instant` (a monotonic stopwatch for durations and timeouts) is not wall time.
    let found = offenders(&["Utc::now()", "Local::now()", "SystemTime::now()"], |f| f == "src/clock.rs");
    assert!(found.is_empty(), "take `now` from the injected `Clock`:\n{}", found.join("\n"));
}

#[test]
fn only_spapi_does_http() {
    let found = offenders(&["reqwest::"], |f| f.starts_with("src/spapi/"));
    assert!(found.is_empty(), "HTTP to Amazon goes through `spapi`:\n{}", found.join("\n"));
}

#[test]
fn production_modules_never_import_the_sandbox() {
    // The sandbox itself, the demo and `sandbox serve` run it; the benchmark drives it.
    let found = offenders(&["crate::sandbox", "dakiya::sandbox"], |f| {
        f.starts_with("src/sandbox/") || f.starts_with("src/bin/") || f == "src/demo.rs" || f == "src/commands/sandbox.rs"
    });
    assert!(found.is_empty(), "production code must not depend on the test fake:\n{}", found.join("\n"));
}

#[test]
fn sql_lives_in_store_and_sql_files() {
    let keywords =
        ["\"SELECT ", "\"INSERT INTO", "\"DELETE FROM", "\"UPDATE ", "\"CREATE TABLE", "\"COPY ", "\"CHECKPOINT", "\"ATTACH ", "(\"SET "];
    let found = offenders(&keywords, |f| f.starts_with("src/store/"));
    assert!(found.is_empty(), "SQL belongs in `store/` (typed functions) or `.sql` files:\n{}", found.join("\n"));
}

#[test]
fn no_expect_or_panic_on_runtime_paths() {
    let found = offenders(&[".expect(", "panic!(", "unreachable!(", "todo!(", "unimplemented!("], |_| false);
    assert!(found.is_empty(), "return an error instead:\n{}", found.join("\n"));
}

/// The top-level modules a source file of module `own` uses (`crate::x` paths and `use crate::{…}`
/// groups), outside tests and comments.
fn module_deps() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let mut deps: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for (file, lines) in runtime_sources() {
        let Some(rest) = file.strip_prefix("src/") else { continue };
        if rest.starts_with("bin/") || rest == "main.rs" || rest == "lib.rs" {
            continue;
        }
        let own = rest.split(['/', '.']).next().unwrap_or("").to_owned();
        let entry = deps.entry(own.clone()).or_default();
        let code: String = lines.iter().filter(|l| !l.trim_start().starts_with("//")).cloned().collect::<Vec<_>>().join("\n");
        let mut idx = 0;
        while let Some(pos) = code[idx..].find("crate::") {
            let start = idx + pos + "crate::".len();
            let tail = &code[start..];
            if let Some(group) = tail.strip_prefix('{') {
                let inner = &group[..group.find('}').unwrap_or(group.len())];
                for item in inner.split(',') {
                    let name: String = item.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    if !name.is_empty() && name != own {
                        entry.insert(name);
                    }
                }
            } else {
                let name: String = tail.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() && name != own && name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                    entry.insert(name);
                }
            }
            idx = start;
        }
    }
    deps
}

#[test]
fn modules_have_no_import_cycles() {
    let deps = module_deps();
    assert!(deps.len() > 15, "{deps:?}");
    // Depth-first search for a cycle; report the first one found as a path.
    fn visit(
        m: &str,
        deps: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_owned());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_owned());
        for d in deps.get(m).into_iter().flatten() {
            if let Some(c) = visit(d, deps, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = std::collections::BTreeSet::new();
    for m in deps.keys() {
        if let Some(cycle) = visit(m, &deps, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" → "));
        }
    }
}

/// `package → features` of every dependency as `cargo tree` resolves them for `edges`.
fn resolved_features(edges: &str) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--locked", "--prefix", "none", "-f", "{p}|{f}", "-e", edges])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut map: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((pkg, features)) = line.split_once('|') else { continue };
        let entry = map.entry(pkg.replace(" (*)", "")).or_default();
        entry.extend(features.split(',').map(|f| f.replace(" (*)", "")).filter(|f| !f.is_empty()));
    }
    map
}

#[test]
fn build_and_test_use_one_feature_set() {
    let build = resolved_features("normal,build");
    let test = resolved_features("normal,build,dev");
    let differ: Vec<String> = build
        .iter()
        .filter_map(|(pkg, f)| {
            test.get(pkg).filter(|t| *t != f).map(|t| format!("{pkg}: tests add {:?}", t.difference(f).collect::<Vec<_>>()))
        })
        .collect();
    assert!(differ.is_empty(), "`cargo build` would compile these again (add the features in Cargo.toml):\n{}", differ.join("\n"));
}
