//! Feeds 2021-06-30 and Reports 2021-06-30: the documents flow that brings Easy Ship labels and
//! invoices in India (`POST_EASYSHIP_DOCUMENTS` → processing report → `GET_EASYSHIP_DOCUMENTS`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::open_enum;

open_enum!(
    /// Processing status of a feed or report.
    ProcessingStatus {
        /// Cancelled.
        Cancelled = "CANCELLED",
        /// Done.
        Done = "DONE",
        /// Aborted.
        Fatal = "FATAL",
        /// Being processed.
        InProgress = "IN_PROGRESS",
        /// Waiting.
        InQueue = "IN_QUEUE",
    }
);

impl ProcessingStatus {
    /// No further change will come.
    pub fn is_final(&self) -> bool {
        matches!(self, ProcessingStatus::Cancelled | ProcessingStatus::Done | ProcessingStatus::Fatal)
    }
}

/// `createFeedDocument` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFeedDocumentSpecification {
    /// Content type of the upload.
    pub content_type: String,
}

/// `createFeedDocument` 201 body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFeedDocumentResponse {
    /// Document id.
    pub feed_document_id: String,
    /// Pre-signed upload URL (5 minutes).
    pub url: String,
}

/// `createFeed` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFeedSpecification {
    /// Feed type.
    pub feed_type: String,
    /// Marketplaces (an array).
    pub marketplace_ids: Vec<String>,
    /// The uploaded document.
    pub input_feed_document_id: String,
}

/// `createFeed` 202 body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFeedResponse {
    /// Feed id.
    pub feed_id: String,
}

/// `getFeed` 200 body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Feed {
    /// Feed id.
    pub feed_id: String,
    /// Feed type.
    pub feed_type: String,
    /// Created.
    pub created_time: DateTime<Utc>,
    /// Status.
    pub processing_status: ProcessingStatus,
    /// The processing report document, when done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_feed_document_id: Option<String>,
}

/// `getFeeds` 200 body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetFeedsResponse {
    /// Feeds.
    pub feeds: Vec<Feed>,
    /// Next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// A document to download (`getFeedDocument`, `getReportDocument`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentLocation {
    /// Pre-signed URL (5 minutes).
    pub url: String,
    /// `GZIP` when compressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression_algorithm: Option<String>,
}

/// `getReport` 200 body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Report id.
    pub report_id: String,
    /// Report type.
    pub report_type: String,
    /// Created.
    pub created_time: DateTime<Utc>,
    /// Status.
    pub processing_status: ProcessingStatus,
    /// The document, when done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_document_id: Option<String>,
}

/// The feed type of the Easy Ship documents feed.
pub const EASYSHIP_DOCUMENTS_FEED: &str = "POST_EASYSHIP_DOCUMENTS";
/// Content type of the documents feed upload.
pub const FEED_CONTENT_TYPE: &str = "text/xml; charset=UTF-8";

/// Build the `POST_EASYSHIP_DOCUMENTS` feed: one message per order asking for the shipping label
/// and the invoice. Written with an XML writer, so ids are always escaped correctly.
pub fn easy_ship_documents_feed(merchant_id: &str, order_ids: &[String]) -> std::io::Result<Vec<u8>> {
    use quick_xml::events::{BytesDecl, BytesText, Event};
    use quick_xml::Writer;

    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer
        .create_element("AmazonEnvelope")
        .with_attribute(("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"))
        .with_attribute(("xsi:noNamespaceSchemaLocation", "amzn-envelope.xsd"))
        .write_inner_content(|w| {
            w.create_element("Header").write_inner_content(|h| {
                h.create_element("DocumentVersion").write_text_content(BytesText::new("1.01"))?;
                h.create_element("MerchantIdentifier").write_text_content(BytesText::new(merchant_id))?;
                Ok(())
            })?;
            w.create_element("MessageType").write_text_content(BytesText::new("EasyShipDocument"))?;
            for (idx, order_id) in order_ids.iter().enumerate() {
                let message_id = (idx + 1).to_string();
                w.create_element("Message").write_inner_content(|m| {
                    m.create_element("MessageID").write_text_content(BytesText::new(&message_id))?;
                    m.create_element("EasyShipDocument").write_inner_content(|d| {
                        d.create_element("AmazonOrderID").write_text_content(BytesText::new(order_id))?;
                        d.create_element("DocumentType").write_text_content(BytesText::new("ShippingLabel"))?;
                        d.create_element("DocumentType").write_text_content(BytesText::new("Invoice"))?;
                        Ok(())
                    })?;
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    Ok(writer.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documents_feed_lists_every_order_and_escapes() {
        let xml = easy_ship_documents_feed("A1<&>", &["402-1".into(), "402-2".into()]).expect("xml");
        let text = String::from_utf8(xml.clone()).expect("utf8");
        assert!(text.contains("<MerchantIdentifier>A1&lt;&amp;&gt;</MerchantIdentifier>"), "{text}");
        assert_eq!(text.matches("<Message>").count(), 2);
        let parsed = crate::sandbox::docs::feed_orders(&xml).expect("parses");
        assert_eq!(parsed, vec![(1, "402-1".to_owned()), (2, "402-2".to_owned())]);
    }
}
