//! The `POST_EASYSHIP_DOCUMENTS` processing report: counts, per-message errors and the
//! `DocumentReportReferenceID` of the documents report. Parsed safely: a DOCTYPE (and with it any
//! entity definition) is refused outright.

use quick_xml::events::Event;

/// What the processing report says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessingReport {
    /// Messages processed.
    pub processed: u64,
    /// Messages successful.
    pub successful: u64,
    /// Messages with an error.
    pub with_error: u64,
    /// Failed messages: `(MessageID, AmazonOrderID if given, Amazon's error code)`. Amazon's
    /// description text is never kept: it can echo order data (an address), and it would end up
    /// in plain tables and logs.
    pub errors: Vec<(u64, Option<String>, String)>,
    /// The documents report id, if any documents were produced.
    pub document_report_reference: Option<String>,
}

/// An error code as dakiya keeps it: letters, digits, `_`, `-` and `.`, at most 40 characters;
/// anything else becomes `unknown`.
pub fn error_code(text: &str) -> String {
    let ok = !text.is_empty() && text.len() <= 40 && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        text.to_owned()
    } else {
        "unknown".to_owned()
    }
}

/// Parse a processing report.
pub fn parse(xml: &[u8]) -> anyhow::Result<ProcessingReport> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut out = ProcessingReport::default();
    let mut current: Option<(u64, Option<String>, String, bool)> = None;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::DocType(_)) => anyhow::bail!("the processing report declares a DOCTYPE; refused"),
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if name == "Result" {
                    current = Some((0, None, String::new(), false));
                }
                path.push(name);
            }
            Ok(Event::End(_)) => {
                if path.last().is_some_and(|p| p == "Result") {
                    if let Some((id, order, desc, is_error)) = current.take() {
                        if is_error {
                            out.errors.push((id, order, desc));
                        }
                    }
                }
                path.pop();
            }
            Ok(Event::Text(t)) => {
                let text = t.xml_content()?.trim().to_owned();
                let tag = path.last().map(String::as_str).unwrap_or("");
                let in_result = path.iter().any(|p| p == "Result");
                match (tag, in_result) {
                    ("MessagesProcessed", _) => out.processed = text.parse().unwrap_or(0),
                    ("MessagesSuccessful", _) => out.successful = text.parse().unwrap_or(0),
                    ("MessagesWithError", _) => out.with_error = text.parse().unwrap_or(0),
                    ("DocumentReportReferenceID", _) if !text.is_empty() => out.document_report_reference = Some(text),
                    ("MessageID", true) => {
                        if let Some(c) = current.as_mut() {
                            c.0 = text.parse().unwrap_or(0);
                        }
                    }
                    ("ResultCode", true) => {
                        if let Some(c) = current.as_mut() {
                            c.3 = text == "Error";
                        }
                    }
                    ("ResultMessageCode", true) => {
                        if let Some(c) = current.as_mut() {
                            c.2 = error_code(&text);
                        }
                    }
                    ("AmazonOrderID", true) => {
                        if let Some(c) = current.as_mut() {
                            c.1 = Some(text);
                        }
                    }
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(err) => anyhow::bail!("the processing report is not valid XML: {err}"),
        }
        buf.clear();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::docs::{processing_report, MessageResult};

    #[test]
    fn reads_counts_errors_and_the_reference() {
        let xml = processing_report(
            "A1",
            "5001",
            &[
                MessageResult { message_id: 1, order_id: "402-1".into(), error: None },
                MessageResult { message_id: 2, order_id: "402-2".into(), error: Some("not scheduled".into()) },
            ],
            Some("7001"),
        );
        let r = parse(xml.as_bytes()).expect("parses");
        assert_eq!((r.processed, r.successful, r.with_error), (2, 1, 1));
        assert_eq!(r.errors, vec![(2, Some("402-2".into()), "25001".into())], "the code, never Amazon's text");
        assert_eq!(error_code("Ship to 12 MG Road, Surat"), "unknown");
        assert_eq!(r.document_report_reference.as_deref(), Some("7001"));
    }

    #[test]
    fn refuses_doctype_and_entities() {
        let evil = b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>";
        assert!(parse(evil).is_err());
    }
}
