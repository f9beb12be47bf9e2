//! `dakiya doctor`: everything a first real run needs, checked before it: the config, the
//! credentials (one Login with Amazon exchange), each API's role with one harmless read (a 403
//! names the role to add), the merchant id, the catalogue against the SKUs of recent orders, the
//! print command, the data directory and the scheduled task. What Amazon's answers showed is
//! recorded like a run's (`spapi::observe`).

use std::collections::BTreeSet;

use crate::pipeline::Pipeline;
use crate::session::Session;
use crate::spapi::model::orders::parse_order;
use crate::spapi::{Error as ApiError, SearchOrdersQuery, SpApi};

/// One check.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// Whether the seller must do something.
    pub problem: bool,
    /// What was found (and what to do).
    pub detail: String,
}

fn ok(name: &str, detail: impl Into<String>) -> Check {
    Check { name: name.into(), problem: false, detail: detail.into() }
}

fn problem(name: &str, detail: impl Into<String>) -> Check {
    Check { name: name.into(), problem: true, detail: detail.into() }
}

/// A read's answer as a role check: fine, or the missing role.
fn role_check(name: &str, result: Result<(), ApiError>) -> Check {
    match result {
        Ok(()) => ok(name, "the app may call it"),
        Err(err @ ApiError::MissingRole { .. }) => problem(name, err.to_string()),
        Err(err) if err.is_fatal() => problem(name, err.to_string()),
        // A 4xx about the made-up order means access was granted.
        Err(err @ (ApiError::Api { .. } | ApiError::Status { .. })) => {
            ok(name, format!("the app may call it (answered {})", err.status().unwrap_or(0)))
        }
        Err(err) => problem(name, format!("could not check ({}): run `dakiya doctor` again", err.class())),
    }
}

/// Run every check.
pub async fn check(session: &Session, plan: &Pipeline) -> Vec<Check> {
    let config = &session.config;
    let now = session.clock.now();
    let mut out = Vec::new();
    out.push(if config.spapi.sandbox {
        ok("setup", "sandbox mode: checks run against the local sandbox, not Amazon")
    } else {
        ok("setup", format!("Amazon {} (marketplace {})", config.spapi.endpoint, config.spapi.marketplace))
    });
    let merchant = &config.seller.merchant_id;
    out.push(if merchant.is_empty() {
        problem("merchant id", "seller.merchant_id is empty: set it in config/dakiya.toml (Seller Central > Settings > Account Info > Merchant Token); the documents feed needs it")
    } else if merchant.len() < 8 || merchant.len() > 20 || !merchant.chars().all(|c| c.is_ascii_alphanumeric()) {
        problem("merchant id", "seller.merchant_id does not look like a merchant token (8 to 20 letters and digits)")
    } else {
        ok("merchant id", "set")
    });
    let api = match session.client() {
        Ok(Some(api)) => Some(api),
        Ok(None) => {
            out.push(problem("credentials", "no SP-API credentials: run `dakiya credentials set`"));
            None
        }
        Err(err) => {
            out.push(problem("credentials", format!("{err:#}")));
            None
        }
    };
    if let Some(api) = &api {
        match api.check_login().await {
            Ok(()) => {
                out.push(ok("credentials", "Login with Amazon accepted them"));
                out.extend(with_amazon(api, plan, now).await);
            }
            Err(err) => out.push(problem("credentials", err.to_string())),
        }
        if let Err(err) = crate::home::ensure(session.home()).and_then(|()| api.observations().save(session.home())) {
            out.push(problem("data directory", format!("cannot write the observations: {err:#}")));
        }
    }
    out.push(print_command(config.labels.print_command.as_deref()));
    out.push(data_directory(session.home()));
    out.push(scheduled_task());
    out
}

async fn with_amazon(api: &SpApi, plan: &Pipeline, now: chrono::DateTime<chrono::Utc>) -> Vec<Check> {
    let mut out = Vec::new();
    // Orders: the last week's orders, also for the catalogue check.
    let query = SearchOrdersQuery {
        last_updated_after: now - chrono::Duration::days(7),
        fulfilled_by: vec!["MERCHANT".into()],
        max_results_per_page: 100,
    };
    let mut skus = BTreeSet::new();
    let mut without_address = 0usize;
    match api.search_orders(&query, None).await {
        Ok(page) => {
            out.push(ok("Orders API role", format!("searchOrders answered ({} orders in the last week)", page.orders.len())));
            for raw in page.orders {
                let Ok(order) = parse_order(raw) else { continue };
                if order.is_easy_ship()
                    && order.recipient.as_ref().and_then(|r| r.delivery_address.as_ref()).and_then(|a| a.address_line1.as_ref()).is_none()
                {
                    without_address += 1;
                }
                skus.extend(order.order_items.iter().filter_map(|i| i.product.seller_sku.clone()));
            }
        }
        Err(err) => out.push(role_check("Orders API role", Err(err))),
    }
    if without_address > 0 {
        out.push(ok(
            "recipient address",
            format!("{without_address} Easy Ship orders came without the recipient's address: without the Direct-to-Consumer Shipping (Restricted) role dakiya stores no address (labels still come from Amazon)"),
        ));
    }
    // Easy Ship: a harmless read about an order that does not exist.
    out.push(role_check("Easy Ship API role", api.get_scheduled_package("000-0000000-0000000").await.map(|_| ())));
    // Feeds: the documents feeds of the last day.
    out.push(role_check("Feeds API role (labels)", api.get_documents_feeds_since(now - chrono::Duration::days(1)).await.map(|_| ())));
    // Finances: the refunds of the last day (the `refunds` stage; no customer data).
    out.push(role_check(
        "Finances API role (refunds)",
        api.list_financial_events(now - chrono::Duration::days(1), None, None).await.map(|_| ()),
    ));
    match plan.load_catalog() {
        Ok(catalog) => {
            let missing: Vec<String> = skus.iter().filter(|s| catalog.get(s).is_none()).cloned().collect();
            out.push(if missing.is_empty() {
                ok("catalogue", format!("every SKU of the last week's orders is in {}", plan.catalog_path.display()))
            } else {
                problem(
                    "catalogue",
                    format!(
                        "SKUs of recent orders missing from {}: {} (their orders would be held)",
                        plan.catalog_path.display(),
                        missing.join(", ")
                    ),
                )
            });
        }
        Err(err) => out.push(problem("catalogue", format!("{err:#}"))),
    }
    out
}

fn print_command(template: Option<&str>) -> Check {
    let Some(template) = template else {
        return ok("print command", "none: labels wait encrypted for `dakiya labels print --command …`");
    };
    let program = shell_words::split(template).ok().and_then(|w| w.into_iter().next());
    match program {
        Some(p) if crate::config::find_program(&p).is_some() => ok("print command", format!("{p} found")),
        Some(p) => problem("print command", format!("{p} was not found: fix [labels] print_command in the app config")),
        None => problem("print command", "[labels] print_command is empty or has unbalanced quotes"),
    }
}

fn data_directory(home: &std::path::Path) -> Check {
    if !home.is_dir() {
        return ok("data directory", format!("{} will be created on the first run", home.display()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(home) {
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                return problem(
                    "data directory",
                    format!("{} can be read by other users (mode {:o}): chmod 700 it", home.display(), mode & 0o777),
                );
            }
        }
    }
    match tempfile::tempfile_in(home) {
        Ok(_) => ok("data directory", format!("{} is writable", home.display())),
        Err(err) => problem("data directory", format!("{} is not writable: {err}", home.display())),
    }
}

fn scheduled_task() -> Check {
    if !cfg!(windows) {
        return ok("scheduled task", "not Windows: the Task Scheduler task is not checked here");
    }
    match crate::task::TaskRegistry::query(&crate::task::Schtasks, crate::task::TASK_NAME) {
        Ok(_) => ok("scheduled task", format!("{} is registered", crate::task::TASK_NAME)),
        Err(_) => problem("scheduled task", format!("{} is not registered: run `dakiya task install`", crate::task::TASK_NAME)),
    }
}
