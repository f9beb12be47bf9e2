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

/// Write `bytes` to `path` atomically and durably (owner-only on Unix; temp file, fsync, rename,
/// directory fsync, all by the `atomicwrites` crate). `checkpoint` names a crash-test checkpoint
/// hit after the bytes are written and before the rename, for files whose crash behaviour a test
/// proves (the keystore); other files pass `None`.
pub fn write_durably(path: &Path, bytes: &[u8], checkpoint: Option<&'static str>) -> std::io::Result<()> {
    use std::io::Write as _;
    let file = atomicwrites::AtomicFile::new(path, atomicwrites::AllowOverwrite);
    file.write(|f| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(bytes)?;
        if let Some(name) = checkpoint {
            crate::testing::checkpoint(name);
        }
        Ok(())
    })
    .map_err(|err| match err {
        atomicwrites::Error::Internal(e) | atomicwrites::Error::User(e) => e,
    })
}
