//! Everything we ship loads: every `pipelines/*.toml` validates and every config example loads.

use std::path::Path;

#[test]
fn every_shipped_pipeline_validates() {
    let mut n = 0;
    for entry in std::fs::read_dir("pipelines").expect("pipelines dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let plan = dakiya::pipeline::load(&path).unwrap_or_else(|d| panic!("{}:\n{d}", path.display()));
            assert!(!plan.stages.is_empty());
            n += 1;
        }
    }
    assert!(n >= 1);
}

#[test]
fn the_hourly_pipeline_runs_all_seven_stages_in_order() {
    let plan = dakiya::pipeline::load(Path::new("pipelines/hourly.toml")).expect("valid");
    let names: Vec<&str> = plan.stages.iter().map(|s| s.kind().name()).collect();
    assert_eq!(names, ["fetch", "enrich", "size", "schedule", "confirm", "refunds", "retain"]);
}

#[test]
fn the_example_config_loads() {
    let loaded = dakiya::config::load(Some(Path::new("config/dakiya.example.toml"))).expect("loads");
    assert_eq!(loaded.config.seller.state_code, "24");
}

#[test]
fn validate_accepts_the_default_pipeline() {
    let (code, out, err) = crate::support::run({
        let mut cmd = crate::support::dakiya_bare();
        cmd.arg("validate");
        cmd
    });
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("pipelines/hourly.toml: ok"), "{out}");
}
