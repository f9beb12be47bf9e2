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
