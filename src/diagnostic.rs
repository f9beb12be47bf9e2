//! Diagnostics for pipeline files: `file:line:col: error: message` plus an optional hint.
//!
//! Every problem in a file is collected before anything is reported, so the seller fixes a
//! broken pipeline in one pass (`dakiya validate`).

use std::fmt;
use std::ops::Range;

/// One problem in a pipeline file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: error: {}", self.file, self.line, self.col, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// All problems found in one or more files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// True when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Sort by position so output is stable and reads top to bottom.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (idx, diag) in self.0.iter().enumerate() {
            if idx > 0 {
                writeln!(f)?;
            }
            write!(f, "{diag}")?;
        }
        Ok(())
    }
}

/// Collects diagnostics for one source file, turning byte spans into lines and columns.
pub struct Reporter<'a> {
    file: String,
    source: &'a str,
    out: &'a mut Diagnostics,
}

impl<'a> Reporter<'a> {
    /// A reporter for `source`, read from `file`.
    pub fn new(file: impl Into<String>, source: &'a str, out: &'a mut Diagnostics) -> Self {
        Self { file: file.into(), source, out }
    }

    /// Report a problem at a byte span.
    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>, help: Option<String>) {
        let (line, col) = line_col(self.source, span.start);
        self.out.0.push(Diagnostic { file: self.file.clone(), line, col, message: message.into(), help });
    }

    /// The source text.
    pub fn source(&self) -> &'a str {
        self.source
    }

    /// How many problems have been reported so far (all files).
    pub fn count(&self) -> usize {
        self.out.0.len()
    }

    /// The file name.
    pub fn file(&self) -> &str {
        &self.file
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |idx| idx + 1);
    let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, col)
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|cand| (edit_distance(word, cand), cand))
        .filter(|(dist, cand)| *dist <= (cand.len() / 3).max(1))
        .min_by_key(|(dist, _)| *dist)
        .map(|(_, cand)| cand)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        assert_eq!(line_col(src, src.find('=').map_or(0, |_| 10)), (2, 4));
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        let names = ["fetch", "enrich", "schedule"];
        assert_eq!(did_you_mean("fetchh", names), Some("fetch"));
        assert_eq!(did_you_mean("shedule", names), Some("schedule"));
        assert_eq!(did_you_mean("banana", names), None);
    }
}
