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
