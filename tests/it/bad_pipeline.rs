//! A table of broken pipeline and config files and the exact diagnostics each gets (snapshots).

use dakiya::pipeline;

const PIPELINE_CASES: &[&str] = &[
    "unknown_stage",
    "unknown_key",
    "wrong_type",
    "duplicate_stage",
    "out_of_order",
    "bad_duration",
    "missing_file",
    "invalid_toml",
    "missing_version",
    "unknown_top_key",
    "table_not_listed",
    "bad_enum",
    "bad_values",
    "many_problems",
    "does_not_exist",
];

const CONFIG_CASES: &[&str] = &["secret_in_file", "unknown_config_key", "bad_marketplace"];

#[test]
fn given_broken_pipeline_files_when_validated_then_every_problem_is_reported_with_its_position() {
    for case in PIPELINE_CASES {
        let path = format!("tests/fixtures/pipelines/bad/{case}.toml");
        let diags = pipeline::load(std::path::Path::new(&path)).expect_err(case);
        for diag in &diags.0 {
            assert!(diag.line >= 1 && diag.col >= 1, "{case}: {diag}");
            assert!(diag.file.ends_with(&format!("{case}.toml")), "{case}: {diag}");
        }
        insta::assert_snapshot!(format!("pipeline_{case}"), diags.to_string());
    }
}

#[test]
fn given_broken_config_files_when_loaded_then_the_error_names_file_and_key() {
    for case in CONFIG_CASES {
        let path = format!("tests/fixtures/config/{case}.toml");
        let err = dakiya::config::load(Some(std::path::Path::new(&path))).expect_err(case);
        assert_eq!(dakiya::outcome::exit_code_for_error(&err), 2, "{case}");
        insta::assert_snapshot!(format!("config_{case}"), format!("{err:#}"));
    }
}

#[test]
fn given_many_problems_when_validated_by_the_cli_then_all_are_printed_and_exit_is_2() {
    let (code, _out, err) = crate::support::run({
        let mut cmd = crate::support::dakiya_bare();
        cmd.args(["validate", "tests/fixtures/pipelines/bad/many_problems.toml", "tests/fixtures/pipelines/bad/unknown_key.toml"]);
        cmd
    });
    assert_eq!(code, 2, "{err}");
    let expected = pipeline::load(std::path::Path::new("tests/fixtures/pipelines/bad/many_problems.toml")).expect_err("broken").len() + 1;
    assert!(err.contains(&format!("{expected} problems found")), "{err}");
    assert!(err.contains("many_problems.toml:2:28: error: unknown stage `sizee`"), "{err}");
    assert!(err.contains("unknown_key.toml:5:1:"), "{err}");
}
