//! The data directory (`--home`, `DAKIYA_HOME`, the config's `home`, else `%LOCALAPPDATA%\dakiya`):
//! created on first use with owner-only permissions where the OS allows.

use std::path::Path;

use anyhow::Context as _;

/// Create the data directory with owner-only permissions where the OS allows.
pub fn ensure(home: &Path) -> anyhow::Result<()> {
    if home.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(home).with_context(|| format!("cannot create the data directory {}", home.display()))
}
