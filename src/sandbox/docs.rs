//! Documents the sandbox serves: label and invoice PDFs (with the canary address, so labels are
//! PII like the real ones), the tar that bundles them, and the feed processing report.

use std::io::Write as _;

use quick_xml::escape::escape;

/// A minimal, valid one-page PDF showing `lines`.
pub fn pdf(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT /F1 10 Tf 20 400 Td 14 TL\n");
    for line in lines {
        let safe: String = line.chars().filter(|c| c.is_ascii() && *c != '(' && *c != ')' && *c != '\\').collect();
        content.push_str(&format!("({safe}) Tj T*\n"));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (idx, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{obj}\nendobj\n", idx + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes());
    out
}

/// A tar of `(name, bytes)` entries.
pub fn tar(entries: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(0);
        header.set_cksum();
        builder.append_data(&mut header, name, bytes.as_slice())?;
    }
    builder.into_inner()
}

/// A ZIP of `(name, bytes)` entries.
pub fn zip(entries: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        writer.start_file(name.as_str(), options).map_err(std::io::Error::other)?;
        writer.write_all(bytes)?;
    }
    Ok(writer.finish().map_err(std::io::Error::other)?.into_inner())
}

/// A ZPL label (the thermal printers' format; text, with the address like the PDF).
pub fn zpl(lines: &[String]) -> Vec<u8> {
    let mut out = String::from("^XA\n");
    for (idx, line) in lines.iter().enumerate() {
        out.push_str(&format!("^FO20,{}^A0N,24,24^FD{}^FS\n", 20 + idx * 30, line.replace('^', " ")));
    }
    out.push_str("^XZ\n");
    out.into_bytes()
}

/// Gzip bytes.
pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// One message's outcome in a processing report.
pub struct MessageResult {
    /// `MessageID` of the feed message.
    pub message_id: u64,
    /// Order.
    pub order_id: String,
    /// Amazon's error code, if the message failed (`610013`: "Internal service failure. Please
    /// retry after some time.", issue #4403; `25001`: the sandbox's "not scheduled").
    pub error: Option<String>,
}

/// The shape of the processing report the sandbox writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportShape {
    /// Amazon's Easy Ship report (`<EasyShipProcessingReport>`, issue #4403 and the samples'
    /// fixture): what the documents feed really returns.
    EasyShip,
    /// The generic feed envelope (`<AmazonEnvelope>…<ProcessingReport>` with `<Result>`s).
    Envelope,
}

fn error_text(code: &str) -> &'static str {
    match code {
        "610013" => "Internal service failure. Please retry after some time.",
        _ => "The order is not scheduled for Easy Ship.",
    }
}

/// The `POST_EASYSHIP_DOCUMENTS` processing report in `shape`.
pub fn processing_report(
    shape: ReportShape,
    merchant: &str,
    feed_id: &str,
    results: &[MessageResult],
    report_reference: Option<&str>,
) -> String {
    let ok = results.iter().filter(|r| r.error.is_none()).count();
    let failed = results.len() - ok;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    if shape == ReportShape::EasyShip {
        xml.push_str(&format!(
            "<EasyShipProcessingReport>\n<FeedSubmissionID>{}</FeedSubmissionID>\n<MessagesProcessed>{}</MessagesProcessed>\n<MessagesSuccessful>{ok}</MessagesSuccessful>\n<MessagesWithError>{failed}</MessagesWithError>\n",
            escape(feed_id),
            results.len()
        ));
        if let Some(reference) = report_reference {
            xml.push_str(&format!("<DocumentReportReferenceID>{}</DocumentReportReferenceID>\n", escape(reference)));
        }
        for r in results {
            let Some(code) = r.error.as_deref() else { continue };
            xml.push_str(&format!(
                "<ErrorMessage>\n<MessageID>{}</MessageID>\n<AmazonOrderID>{}</AmazonOrderID>\n<TotalErrors>1</TotalErrors>\n<Error>\n<ErrorType>ERROR</ErrorType>\n<ErrorCode>{}</ErrorCode>\n<ErrorMessage>{}</ErrorMessage>\n</Error>\n</ErrorMessage>\n",
                r.message_id,
                escape(&r.order_id),
                escape(code),
                error_text(code)
            ));
        }
        xml.push_str("</EasyShipProcessingReport>\n");
        return xml;
    }
    xml.push_str(
        "<AmazonEnvelope xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:noNamespaceSchemaLocation=\"amzn-envelope.xsd\">\n",
    );
    xml.push_str(&format!(
        "  <Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>{}</MerchantIdentifier></Header>\n",
        escape(merchant)
    ));
    xml.push_str("  <MessageType>ProcessingReport</MessageType>\n  <Message>\n    <MessageID>1</MessageID>\n    <ProcessingReport>\n");
    xml.push_str(&format!(
        "      <DocumentTransactionID>{}</DocumentTransactionID>\n      <StatusCode>Complete</StatusCode>\n",
        escape(feed_id)
    ));
    xml.push_str(&format!(
        "      <ProcessingSummary>\n        <MessagesProcessed>{}</MessagesProcessed>\n        <MessagesSuccessful>{ok}</MessagesSuccessful>\n        <MessagesWithError>{failed}</MessagesWithError>\n        <MessagesWithWarning>0</MessagesWithWarning>\n      </ProcessingSummary>\n",
        results.len()
    ));
    for r in results {
        let Some(code) = r.error.as_deref() else { continue };
        xml.push_str(&format!(
            "      <Result>\n        <MessageID>{}</MessageID>\n        <ResultCode>Error</ResultCode>\n        <ResultMessageCode>{}</ResultMessageCode>\n        <ResultDescription>{}</ResultDescription>\n        <AdditionalInfo><AmazonOrderID>{}</AmazonOrderID></AdditionalInfo>\n      </Result>\n",
            r.message_id,
            escape(code),
            error_text(code),
            escape(&r.order_id)
        ));
    }
    if let Some(reference) = report_reference {
        xml.push_str(&format!("      <DocumentReportReferenceID>{}</DocumentReportReferenceID>\n", escape(reference)));
    }
    xml.push_str("    </ProcessingReport>\n  </Message>\n</AmazonEnvelope>\n");
    xml
}

/// `(MessageID, AmazonOrderID)` pairs of an uploaded documents feed. Malformed XML → `None`.
pub fn feed_orders(xml: &[u8]) -> Option<Vec<(u64, String)>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut message_id: Option<u64> = None;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => path.push(String::from_utf8_lossy(e.name().as_ref()).into_owned()),
            Ok(Event::End(_)) => {
                if path.last().is_some_and(|p| p == "Message") {
                    message_id = None;
                }
                path.pop();
            }
            Ok(Event::Text(t)) => {
                let text = t.xml_content().ok()?.trim().to_owned();
                match path.last().map(String::as_str) {
                    Some("MessageID") if path.iter().any(|p| p == "Message") => message_id = text.parse().ok(),
                    Some("AmazonOrderID") => out.push((message_id?, text)),
                    _ => {}
                }
            }
            Ok(Event::DocType(_)) => return None,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(_) => return None,
        }
        buf.clear();
    }
    Some(out)
}
