//! Printing a label: decrypt into a private temporary file under `<home>/tmp/`, run the
//! configured command with `{file}` replaced and every secret-looking variable removed from its
//! environment, delete the file whatever happened.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// Folder for the short-lived plaintext files.
pub fn tmp_dir(home: &Path) -> PathBuf {
    home.join("tmp")
}

/// Delete any plaintext left behind by a killed run (called at the start of `confirm` and by
/// `retain`). Returns how many files were removed.
pub fn sweep(home: &Path) -> anyhow::Result<usize> {
    let dir = tmp_dir(home);
    if !dir.is_dir() {
        return Ok(0);
    }
    let mut n = 0;
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.is_file() {
            std::fs::remove_file(&path).with_context(|| format!("cannot delete leftover {}", path.display()))?;
            n += 1;
        }
    }
    Ok(n)
}

/// Split a print command template into program and arguments with `{file}` replaced.
pub fn command_line(template: &str, file: &Path) -> anyhow::Result<Vec<String>> {
    let words = shell_words::split(template).context("print_command is not a valid command line (check its quotes)")?;
    let file = file.to_string_lossy();
    let out: Vec<String> = words.into_iter().map(|w| w.replace("{file}", &file)).collect();
    if out.is_empty() {
        anyhow::bail!("print_command is empty");
    }
    Ok(out)
}

/// Print `pdf` with the command template. The plaintext file exists only while the command runs.
pub fn print(home: &Path, template: &str, pdf: &[u8]) -> anyhow::Result<()> {
    let dir = tmp_dir(home);
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // tempfile creates the file readable by the owner only.
    let file = tempfile::Builder::new().prefix("label-").suffix(".pdf").tempfile_in(&dir)?;
    let path = file.path().to_path_buf();
    let result = (|| -> anyhow::Result<()> {
        std::fs::write(&path, pdf)?;
        let argv = command_line(template, &path)?;
        crate::testing::checkpoint("print-file-written");
        let mut cmd = std::process::Command::new(&argv[0]);
        // The printer and whatever it starts see no passphrase, token or secret.
        for name in crate::config::secret_env_names() {
            cmd.env_remove(name);
        }
        let status = cmd
            .args(&argv[1..])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .with_context(|| format!("cannot start the print command {:?}", argv[0]))?;
        if !status.success() {
            anyhow::bail!("the print command failed ({status})");
        }
        Ok(())
    })();
    // Delete the plaintext whatever happened.
    let removed = file.close();
    if path.exists() {
        std::fs::remove_file(&path).with_context(|| format!("cannot delete the printed label {}", path.display()))?;
    }
    removed.context("cannot delete the printed label")?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_and_substitute() {
        let argv = command_line(r#""C:\Program Files\SumatraPDF\SumatraPDF.exe" -print-to-default -silent {file}"#, Path::new("/t/l.pdf"))
            .expect("splits");
        assert_eq!(argv, vec![r"C:\Program Files\SumatraPDF\SumatraPDF.exe", "-print-to-default", "-silent", "/t/l.pdf"]);
    }

    #[test]
    fn secret_looking_variables_are_stripped() {
        for name in [
            "DAKIYA_PASSPHRASE",
            "DAKIYA_SPAPI__REFRESH_TOKEN",
            "GITHUB_TOKEN",
            "MY_PASSWORD",
            "AWS_PROFILE",
            "db_secret",
            "OPENAI_API_KEY",
        ] {
            assert!(crate::config::is_secret_env_name(name), "{name}");
        }
        for name in ["PATH", "HOME", "SystemRoot", "USERPROFILE", "LANG", "TEMP"] {
            assert!(!crate::config::is_secret_env_name(name), "{name}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_plaintext_is_gone_after_success_and_failure() {
        let home = tempfile::tempdir().expect("tmp");
        print(home.path(), "true {file}", b"%PDF-1.4 CANARY").expect("prints");
        assert!(print(home.path(), "false {file}", b"%PDF-1.4 CANARY").is_err());
        assert_eq!(std::fs::read_dir(tmp_dir(home.path())).expect("dir").count(), 0);
    }
}
