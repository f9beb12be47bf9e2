//! The `POST_EASYSHIP_DOCUMENTS` processing report: counts, per-message errors and the reference
//! of the documents report. Parsed safely: a DOCTYPE (and with it any entity definition) is
//! refused outright.
//!
//! Two shapes are read (docs/amazon-behaviour.md, "Documents feed"):
//! - Amazon's Easy Ship report, `<EasyShipProcessingReport>` with top-level `MessagesProcessed`,
//!   `MessagesSuccessful`, `MessagesWithError`, `DocumentReportReferenceID` and one
//!   `<ErrorMessage><MessageID/><AmazonOrderID/><Error><ErrorCode/>…</Error></ErrorMessage>` per
//!   failed message (amzn/selling-partner-api-models#4403; the samples' fixture
//!   `code-recipes/test/resources/feeds-feedResultDocument.xml`);
//! - the generic feed envelope, `<AmazonEnvelope>…<ProcessingReport>` with `ProcessingSummary` and
//!   `<Result><MessageID/><ResultCode>Error</ResultCode><ResultMessageCode/>…`.
//!
//! Tag names are compared case-insensitively (older mocks spell `DocumentReportReferenceId`).
//! Amazon's message texts are never kept: they can echo order data.

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
    /// Failed messages: `(MessageID, AmazonOrderID if given, Amazon's error code)`.
    pub errors: Vec<(u64, Option<String>, String)>,
    /// The documents report id, if any documents were produced.
    pub document_report_reference: Option<String>,
}

impl ProcessingReport {
    /// Whether the counts agree with what was parsed: every failed message was read, and
    /// successes come with a report reference. When they do not, no order of the feed may be
    /// taken as done.
    pub fn reconciles(&self) -> bool {
        self.with_error as usize == self.errors.len() && (self.successful == 0 || self.document_report_reference.is_some())
    }
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

/// One failed message being read.
#[derive(Default)]
struct Failure {
    message_id: u64,
    order_id: Option<String>,
    code: Option<String>,
    is_error: bool,
}

/// Parse a processing report.
pub fn parse(xml: &[u8]) -> anyhow::Result<ProcessingReport> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    // Lower-cased element names from the root.
    let mut path: Vec<String> = Vec::new();
    let mut out = ProcessingReport::default();
    let mut current: Option<Failure> = None;
    // Depth of the element that holds the current failure (`Result`, or the outer `ErrorMessage`).
    let mut holder_depth = 0;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::DocType(_)) => anyhow::bail!("the processing report declares a DOCTYPE; refused"),
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_ascii_lowercase();
                let parent = path.last().map(String::as_str).unwrap_or("");
                // A failed message: a generic `Result`, or an Easy Ship `ErrorMessage` directly under
                // the report (the inner `Error/ErrorMessage` is Amazon's text, which is skipped).
                let starts = (name == "result" && current.is_none()) || (name == "errormessage" && parent == "easyshipprocessingreport");
                path.push(name.clone());
                if starts {
                    current = Some(Failure { is_error: name == "errormessage", ..Failure::default() });
                    holder_depth = path.len();
                }
            }
            Ok(Event::End(_)) => {
                if current.is_some() && path.len() == holder_depth {
                    if let Some(f) = current.take() {
                        if f.is_error {
                            out.errors.push((f.message_id, f.order_id, f.code.unwrap_or_else(|| "unknown".into())));
                        }
                    }
                }
                path.pop();
            }
            Ok(Event::Text(t)) => {
                let text = t.xml_content()?.trim().to_owned();
                if text.is_empty() {
                    buf.clear();
                    continue;
                }
                let tag = path.last().map(String::as_str).unwrap_or("");
                match (tag, current.as_mut()) {
                    ("messagesprocessed", None) => out.processed = text.parse().unwrap_or(0),
                    ("messagessuccessful", None) => out.successful = text.parse().unwrap_or(0),
                    ("messageswitherror", None) => out.with_error = text.parse().unwrap_or(0),
                    ("documentreportreferenceid", _) => out.document_report_reference = Some(text),
                    ("messageid", Some(f)) => f.message_id = text.parse().unwrap_or(0),
                    ("amazonorderid", Some(f)) => f.order_id = Some(text),
                    ("resultcode", Some(f)) => f.is_error = text.eq_ignore_ascii_case("error"),
                    ("resultmessagecode" | "errorcode", Some(f)) if f.code.is_none() => f.code = Some(error_code(&text)),
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
    use crate::sandbox::docs::{processing_report, MessageResult, ReportShape};

    #[test]
    fn reads_counts_errors_and_the_reference_of_the_generic_envelope() {
        let xml = processing_report(
            ReportShape::Envelope,
            "A1",
            "5001",
            &[
                MessageResult { message_id: 1, order_id: "402-1".into(), error: None },
                MessageResult { message_id: 2, order_id: "402-2".into(), error: Some("25001".into()) },
            ],
            Some("7001"),
        );
        let r = parse(xml.as_bytes()).expect("parses");
        assert_eq!((r.processed, r.successful, r.with_error), (2, 1, 1));
        assert_eq!(r.errors, vec![(2, Some("402-2".into()), "25001".into())], "the code, never Amazon's text");
        assert_eq!(r.document_report_reference.as_deref(), Some("7001"));
        assert!(r.reconciles());
        assert_eq!(error_code("Ship to 12 MG Road, Surat"), "unknown");
    }

    #[test]
    fn reads_amazons_easy_ship_report_as_quoted_in_issue_4403() {
        // The report of amzn/selling-partner-api-models#4403, verbatim in shape.
        let xml = "<EasyShipProcessingReport>\n<FeedSubmissionID>657392020066</FeedSubmissionID>\n<MessagesProcessed>1</MessagesProcessed>\n<MessagesSuccessful>0</MessagesSuccessful>\n<MessagesWithError>1</MessagesWithError>\n<ErrorMessage>\n<MessageID>1</MessageID>\n<AmazonOrderID>702-0290854-3441079</AmazonOrderID>\n<TotalErrors>1</TotalErrors>\n<Error>\n<ErrorType>ERROR</ErrorType>\n<ErrorCode>610013</ErrorCode>\n<ErrorMessage>Internal service failure. Please retry after some time.</ErrorMessage>\n</Error>\n</ErrorMessage>\n</EasyShipProcessingReport>";
        let r = parse(xml.as_bytes()).expect("parses");
        assert_eq!((r.processed, r.successful, r.with_error), (1, 0, 1));
        assert_eq!(r.errors, vec![(1, Some("702-0290854-3441079".into()), "610013".into())]);
        assert_eq!(r.document_report_reference, None);
        assert!(r.reconciles());
    }

    #[test]
    fn reads_the_samples_success_fixture_and_the_older_spelling() {
        // amzn/selling-partner-api-samples code-recipes/test/resources/feeds-feedResultDocument.xml
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<EasyShipProcessingReport>\n    <FeedSubmissionID>383186020424</FeedSubmissionID>\n    <MessagesProcessed>1</MessagesProcessed>\n    <MessagesSuccessful>1</MessagesSuccessful>\n    <MessagesWithError>0</MessagesWithError>\n    <DocumentReportReferenceID>383187020424</DocumentReportReferenceID>\n</EasyShipProcessingReport>";
        let r = parse(xml.as_bytes()).expect("parses");
        assert_eq!(r.document_report_reference.as_deref(), Some("383187020424"));
        assert!(r.reconciles());
        let older = "<EasyShipProcessingReport><MessagesProcessed>1</MessagesProcessed><MessagesSuccessful>1</MessagesSuccessful><MessagesWithError>0</MessagesWithError><SuccessMessage><DocumentReportReferenceId>42</DocumentReportReferenceId></SuccessMessage></EasyShipProcessingReport>";
        assert_eq!(parse(older.as_bytes()).expect("parses").document_report_reference.as_deref(), Some("42"));
    }

    #[test]
    fn counts_that_do_not_add_up_do_not_reconcile() {
        let unread_error = "<EasyShipProcessingReport><MessagesProcessed>2</MessagesProcessed><MessagesSuccessful>1</MessagesSuccessful><MessagesWithError>1</MessagesWithError><DocumentReportReferenceID>9</DocumentReportReferenceID></EasyShipProcessingReport>";
        assert!(!parse(unread_error.as_bytes()).expect("parses").reconciles());
        let no_reference = "<EasyShipProcessingReport><MessagesProcessed>1</MessagesProcessed><MessagesSuccessful>1</MessagesSuccessful><MessagesWithError>0</MessagesWithError></EasyShipProcessingReport>";
        assert!(!parse(no_reference.as_bytes()).expect("parses").reconciles());
    }

    #[test]
    fn refuses_doctype_and_entities() {
        let evil = b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>";
        assert!(parse(evil).is_err());
    }
}
