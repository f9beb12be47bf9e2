//! `dakiya report`: one self-contained HTML page of how the business and the tool are doing,
//! built from the store: sales and tax by month, state and rate (the GST lines, net of credit
//! notes, as the export computes them), orders, pickups on time and late, holds by reason, lead
//! times, Amazon calls, retries and 429s per run, customer data purged against its deadlines, and
//! the filed GST periods.
//!
//! No network and no script: inline CSS and inline SVG charts (`plotters`' SVG backend), so the
//! file works from a USB stick. Amounts are written the Indian way (₹1,23,456.00). Every figure
//! sits in an element with a `data-k` key, so tests compare it with SQL on the same data. No PII:
//! only counts, order-free aggregates, run ids and dakiya's own reasons. `report.html#amazon` shows
//! that section alone (CSS `:target`), for printing or a screenshot.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use plotters::prelude::*;

use crate::catalog::Catalog;
use crate::gst::period::Period;
use crate::store::gst::{SalesGroup, Scratch};
use crate::store::Store;

/// `12345678` paise → `₹1,23,456.78` (lakh and crore grouping).
pub fn inr(paise: i64) -> String {
    let sign = if paise < 0 { "-" } else { "" };
    let abs = paise.unsigned_abs();
    let (rupees, p) = (abs / 100, abs % 100);
    let digits = rupees.to_string();
    let grouped = if digits.len() <= 3 {
        digits
    } else {
        let (head, last3) = digits.split_at(digits.len() - 3);
        let mut parts: Vec<String> = Vec::new();
        let mut h = head.to_owned();
        while h.len() > 2 {
            let cut = h.len() - 2;
            parts.push(h[cut..].to_owned());
            h.truncate(cut);
        }
        if !h.is_empty() {
            parts.push(h);
        }
        parts.reverse();
        format!("{},{last3}", parts.join(","))
    };
    format!("{sign}₹{grouped}.{p:02}")
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn plot_err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing a chart: {e:?}")
}

/// A bar chart as inline SVG.
fn bars(title: &str, labels: &[String], values: &[f64], colour: RGBColor) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 280)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let n = values.len().max(1) as f64;
        let max = values.iter().copied().fold(0.0_f64, f64::max).max(1.0) * 1.1;
        let min = values.iter().copied().fold(0.0_f64, f64::min) * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..n, min..max)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            // Ticks every half bar; a bar's label sits at its centre.
            .x_labels(labels.len() * 2 + 1)
            .x_label_formatter(&|x| {
                if (x - x.floor() - 0.5).abs() < 0.01 {
                    labels.get(x.floor() as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()
            .map_err(plot_err)?;
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let x = i as f64;
                Rectangle::new([(x + 0.15, 0.0), (x + 0.85, *v)], colour.filled())
            }))
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// A line chart of several series as inline SVG.
fn lines(title: &str, labels: &[String], series: &[(&str, Vec<f64>, RGBColor)]) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 280)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let n = labels.len().max(2) as f64 - 1.0;
        let max = series.iter().flat_map(|(_, v, _)| v.iter().copied()).fold(0.0_f64, f64::max).max(1.0) * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..n, 0.0..max)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_labels(labels.len().clamp(2, 10))
            .x_label_formatter(&|x| labels.get(x.round() as usize).cloned().unwrap_or_default())
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()
            .map_err(plot_err)?;
        for (name, values, colour) in series {
            let colour = *colour;
            chart
                .draw_series(LineSeries::new(values.iter().enumerate().map(|(i, v)| (i as f64, *v)), colour.stroke_width(2)))
                .map_err(plot_err)?
                .label(*name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
        }
        chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// What the page says, for the command's output and the tests.
#[derive(Debug, Clone)]
pub struct Written {
    /// The file.
    pub path: std::path::PathBuf,
    /// Bytes.
    pub bytes: usize,
    /// Sections, by their HTML ids.
    pub sections: Vec<&'static str>,
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}\
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}\
section{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}\
table{border-collapse:collapse;font-size:14px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}\
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.note{color:#666;font-size:13px;width:100%}\
.bad{color:#b00;font-weight:bold}body:has(h2:target) h2:not(:target),body:has(h2:target) h2:not(:target)+section{display:none}";

/// Write the report of `period` at `now` to `out`.
pub fn write(
    store: &Store,
    catalog: &Catalog,
    seller_state: &str,
    period: &Period,
    now: DateTime<Utc>,
    out: &Path,
) -> anyhow::Result<Written> {
    let (from, to) = period.bounds_utc();
    let dir = tempfile::tempdir()?;
    let scratch = Scratch::open(store, &dir.path().join("report.duckdb"), catalog)?;
    scratch.compute_all_lines(seller_state, from, to).context("computing the GST lines")?;
    let by_month = scratch.sales_by(SalesGroup::Month)?;
    let by_state = scratch.sales_by(SalesGroup::State)?;
    let by_rate = scratch.sales_by(SalesGroup::Rate)?;
    drop(scratch);
    let conn = store.conn();
    let ops = crate::store::report::operations(conn, from, to)?;
    let holds = crate::store::report::holds_by_reason(conn)?;
    let runs = crate::store::report::calls_per_run(conn, from, to, 60)?;
    let purges = crate::store::report::purges(conn, now)?;
    let filed = crate::store::report::filed(conn)?;

    let mut html = String::new();
    let ist = crate::clock::ist();
    write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>dakiya report {}</title><style>{STYLE}</style></head><body>\
         <h1>dakiya report: {} ({} to {})</h1><p class=\"note\">Made {} from the store in this computer's data folder. No customer data is in this page.</p>",
        esc(&period.label),
        esc(&period.label),
        period.from,
        period.to,
        now.with_timezone(&ist).format("%d %b %Y %H:%M IST")
    )?;
    let mut sections = Vec::new();

    // Sales and tax by month.
    sections.push("sales");
    let total_taxable: i64 = by_month.iter().map(|r| r.1).sum();
    let total_tax: i64 = by_month.iter().map(|r| r.2).sum();
    let labels: Vec<String> = by_month.iter().map(|r| r.0.clone()).collect();
    let values: Vec<f64> = by_month.iter().map(|r| r.1 as f64 / 100.0).collect();
    write!(html, "<h2 id=\"sales\">Sales and tax by month</h2><section><div>{}</div><table><tr><th>month</th><th>taxable value</th><th>GST</th></tr>", bars("Taxable value by month (₹, net of credit notes)", &labels, &values, RGBColor(40, 100, 180))?)?;
    for (m, taxable, tax, _) in &by_month {
        write!(html, "<tr><td>{}</td><td data-k=\"taxable:{0}\">{}</td><td>{}</td></tr>", esc(m), inr(*taxable), inr(*tax))?;
    }
    write!(
        html,
        "<tr><th>total</th><th data-k=\"taxable_total\">{}</th><th data-k=\"tax_total\">{}</th></tr></table>\
         <p class=\"note\">As the GST export computes them: invoiced sales by invoice date, credit notes by refund date; lines kept out of the export (no invoice, unknown state or SKU, amounts that do not add up) are not counted.</p></section>",
        inr(total_taxable),
        inr(total_tax)
    )?;

    // By state and by rate.
    sections.push("states");
    let top: Vec<&(String, i64, i64, i64)> = {
        let mut v: Vec<_> = by_state.iter().collect();
        v.sort_by_key(|r| std::cmp::Reverse(r.1));
        v.into_iter().take(12).collect()
    };
    let labels: Vec<String> = top.iter().map(|r| r.0.clone()).collect();
    let values: Vec<f64> = top.iter().map(|r| r.1 as f64 / 100.0).collect();
    write!(
        html,
        "<h2 id=\"states\">By state and by rate</h2><section><div>{}</div><table><tr><th>state</th><th>taxable value</th><th>GST</th></tr>",
        bars("Taxable value by place of supply (₹)", &labels, &values, RGBColor(60, 150, 90))?
    )?;
    for (code, taxable, tax, _) in &by_state {
        let name = crate::gst::states::state_name(code).unwrap_or("?");
        write!(html, "<tr><td>{} {}</td><td data-k=\"state:{0}\">{}</td><td>{}</td></tr>", esc(code), esc(name), inr(*taxable), inr(*tax))?;
    }
    html.push_str("</table><table><tr><th>rate</th><th>taxable value</th><th>GST</th></tr>");
    for (bp, taxable, tax, _) in &by_rate {
        let rate = bp.parse::<i64>().map_or_else(|_| "?".to_owned(), |b| format!("{}%", crate::gst::sheets::rate_text(b)));
        write!(html, "<tr><td>{rate}</td><td data-k=\"rate:{}\">{}</td><td>{}</td></tr>", esc(bp), inr(*taxable), inr(*tax))?;
    }
    html.push_str("</table></section>");

    // Orders, pickups, holds, lead times.
    sections.push("operations");
    let hours = |h: Option<f64>| h.map_or_else(|| "-".to_owned(), |h| format!("{h:.1} h"));
    write!(
        html,
        "<h2 id=\"operations\">Orders, pickups and holds</h2><section><table>\
         <tr><th>orders placed</th><td data-k=\"orders\">{}</td></tr><tr><th>cancelled</th><td data-k=\"cancelled\">{}</td></tr>\
         <tr><th>delivered</th><td data-k=\"delivered\">{}</td></tr><tr><th>pickups booked</th><td data-k=\"pickups\">{}</td></tr>\
         <tr><th>pickups after the ship-by time</th><td data-k=\"late_pickups\" class=\"{}\">{}</td></tr>\
         <tr><th>order to label printed (mean)</th><td data-k=\"hours_to_label\">{}</td></tr>\
         <tr><th>order to pickup (mean)</th><td data-k=\"hours_to_pickup\">{}</td></tr></table>\
         <table><tr><th>held now, by reason</th><th>orders</th></tr>",
        ops.orders,
        ops.cancelled,
        ops.delivered,
        ops.pickups,
        if ops.late_pickups > 0 { "bad" } else { "" },
        ops.late_pickups,
        hours(ops.hours_to_label),
        hours(ops.hours_to_pickup)
    )?;
    if holds.is_empty() {
        html.push_str("<tr><td>none</td><td data-k=\"held\">0</td></tr>");
    }
    for (why, n) in &holds {
        write!(html, "<tr><td>{}</td><td>{n}</td></tr>", esc(why))?;
    }
    write!(html, "<tr><th>total</th><th data-k=\"held_total\">{}</th></tr></table></section>", holds.iter().map(|h| h.1).sum::<i64>())?;

    // Amazon calls per run.
    sections.push("amazon");
    let labels: Vec<String> = runs.iter().map(|r| r.started_at.with_timezone(&ist).format("%d %b %H:%M").to_string()).collect();
    let chart = lines(
        "Amazon calls per run",
        &labels,
        &[
            ("calls", runs.iter().map(|r| r.calls as f64).collect(), RGBColor(40, 100, 180)),
            ("retries", runs.iter().map(|r| r.retries as f64).collect(), RGBColor(230, 140, 20)),
            ("429s", runs.iter().map(|r| r.throttled as f64).collect(), RGBColor(200, 30, 30)),
        ],
    )?;
    let (calls, retries, throttled) = runs.iter().fold((0, 0, 0), |(c, r, t), run| (c + run.calls, r + run.retries, t + run.throttled));
    write!(
        html,
        "<h2 id=\"amazon\">Amazon calls</h2><section><div>{chart}</div><table><tr><th>runs</th><td data-k=\"runs\">{}</td></tr>\
         <tr><th>SP-API calls</th><td data-k=\"api_calls\">{calls}</td></tr><tr><th>retries</th><td data-k=\"retries\">{retries}</td></tr>\
         <tr><th>answered 429</th><td data-k=\"throttled\" class=\"{}\">{throttled}</td></tr>\
         <tr><th>calls per order placed</th><td data-k=\"calls_per_order\">{}</td></tr></table></section>",
        runs.len(),
        if throttled > 0 { "bad" } else { "" },
        if ops.orders > 0 { format!("{:.2}", calls as f64 / ops.orders as f64) } else { "-".to_owned() }
    )?;

    // Compliance.
    sections.push("compliance");
    let chart = bars(
        "Customer data against its purge deadline (orders)",
        &["purged on time".into(), "purged late".into(), "waiting".into(), "overdue".into()],
        &[purges.on_time as f64, purges.late as f64, purges.pending as f64, purges.overdue as f64],
        RGBColor(120, 80, 160),
    )?;
    write!(
        html,
        "<h2 id=\"compliance\">Customer data: purged on time</h2><section><div>{chart}</div><table>\
         <tr><th>purged by the deadline</th><td data-k=\"purged_on_time\">{}</td></tr><tr><th>purged after it</th><td data-k=\"purged_late\" class=\"{}\">{}</td></tr>\
         <tr><th>deadline ahead</th><td data-k=\"purge_pending\">{}</td></tr><tr><th>deadline passed, not purged</th><td data-k=\"purge_overdue\" class=\"{}\">{}</td></tr></table>\
         <p class=\"note\">Policy: customer data is purged 30 days after delivery (or after a cancellation or return), at most 60 days after the order.</p></section>",
        purges.on_time,
        if purges.late > 0 { "bad" } else { "" },
        purges.late,
        purges.pending,
        if purges.overdue > 0 { "bad" } else { "" },
        purges.overdue
    )?;

    // GST periods.
    sections.push("gst");
    html.push_str("<h2 id=\"gst\">GST periods filed</h2><section><table><tr><th>period</th><th>from</th><th>to</th><th>locked</th></tr>");
    if filed.is_empty() {
        html.push_str("<tr><td>none yet</td><td></td><td></td><td></td></tr>");
    }
    for (p, a, b, at) in &filed {
        write!(html, "<tr><td>{}</td><td>{a}</td><td>{b}</td><td>{}</td></tr>", esc(p), at.with_timezone(&ist).format("%d %b %Y"))?;
    }
    write!(
        html,
        "</table><p class=\"note\" data-k=\"filed\">{} periods filed (`dakiya gst lock`).</p></section></body></html>",
        filed.len()
    )?;

    std::fs::write(out, html.as_bytes()).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(Written { path: out.to_path_buf(), bytes: html.len(), sections })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rupees_are_grouped_the_indian_way() {
        assert_eq!(inr(12_345_600), "₹1,23,456.00");
        assert_eq!(inr(1_00_00_000_00), "₹1,00,00,000.00");
        assert_eq!(inr(99_900), "₹999.00");
        assert_eq!(inr(-1_50_000_00), "-₹1,50,000.00");
        assert_eq!(inr(5), "₹0.05");
    }
}
