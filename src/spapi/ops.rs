//! The typed operations dakiya calls, one method each, over the machinery in `client.rs`.

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use zeroize::Zeroizing;

use super::client::{decode, json_body, Auth, Request, SpApi};
use super::error::Error;
use super::limits::Op;
use super::model::easy_ship::{
    CreateScheduledPackageRequest, ListHandoverSlotsRequest, ListHandoverSlotsResponse, Package, Packages, UpdateScheduledPackagesRequest,
};
use super::model::feeds::{
    CreateFeedDocumentResponse, CreateFeedDocumentSpecification, CreateFeedResponse, CreateFeedSpecification, DocumentLocation, Feed,
    GetFeedsResponse, Report, EASYSHIP_DOCUMENTS_FEED,
};
use super::model::finances::ListFinancialEventsResponse;
use super::model::orders::{ConfirmShipmentRequest, GetOrderResponse, SearchOrdersResponse, INCLUDED_DATA};

/// Which orders `searchOrders` should return.
#[derive(Debug, Clone)]
pub struct SearchOrdersQuery {
    /// Orders changed after this (the fetch watermark minus the overlap).
    pub last_updated_after: DateTime<Utc>,
    /// `MERCHANT` only for dakiya.
    pub fulfilled_by: Vec<String>,
    /// Page size, 1 to 100.
    pub max_results_per_page: u32,
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn read(op: Op, target: String, query: Vec<(String, String)>) -> Request {
    Request { op, method: Method::GET, target, query, body: None, auth: Auth::Lwa, retry_unknown: true }
}

fn write<T: serde::Serialize>(op: Op, method: Method, target: &str, body: &T, retry_unknown: bool) -> Result<Request, Error> {
    Ok(Request {
        op,
        method,
        target: target.to_owned(),
        query: Vec::new(),
        body: Some((json_body(body)?, "application/json")),
        auth: Auth::Lwa,
        retry_unknown,
    })
}

/// Path segments are Amazon ids; refuse anything that could change the path.
fn segment(op: Op, id: &str) -> Result<String, Error> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.') {
        return Err(Error::Decode { op, detail: "identifier with unexpected characters".into() });
    }
    Ok(id.to_owned())
}

impl SpApi {
    /// One page of Finances v0 `listFinancialEvents` for events posted in `[after, before)`
    /// (`before` at least two minutes in the past, at most 180 days after `after`, as the model
    /// requires; `None`: Amazon's default, two minutes before the request). Pass the previous
    /// page's `NextToken` with the same dates.
    pub async fn list_financial_events(
        &self,
        after: DateTime<Utc>,
        before: Option<DateTime<Utc>>,
        page_token: Option<&str>,
    ) -> Result<ListFinancialEventsResponse, Error> {
        let mut query = vec![("PostedAfter".to_owned(), iso(after)), ("MaxResultsPerPage".to_owned(), "100".to_owned())];
        if let Some(before) = before {
            query.push(("PostedBefore".to_owned(), iso(before)));
        }
        if let Some(token) = page_token {
            query.push(("NextToken".to_owned(), token.to_owned()));
        }
        let reply = self.execute(read(Op::ListFinancialEvents, "/finances/v0/financialEvents".into(), query)).await?;
        decode(Op::ListFinancialEvents, &reply.body)
    }

    /// One page of `searchOrders`. Pass the previous page's `nextToken` as `page_token`; the other
    /// parameters stay identical, as Amazon requires.
    pub async fn search_orders(&self, q: &SearchOrdersQuery, page_token: Option<&str>) -> Result<SearchOrdersResponse, Error> {
        let mut query = vec![
            ("lastUpdatedAfter".to_owned(), iso(q.last_updated_after)),
            ("marketplaceIds".to_owned(), self.marketplace_id().to_owned()),
            ("maxResultsPerPage".to_owned(), q.max_results_per_page.to_string()),
            ("includedData".to_owned(), INCLUDED_DATA.join(",")),
        ];
        if !q.fulfilled_by.is_empty() {
            query.push(("fulfilledBy".to_owned(), q.fulfilled_by.join(",")));
        }
        if let Some(token) = page_token {
            query.push(("paginationToken".to_owned(), token.to_owned()));
        }
        let reply = self.execute(read(Op::SearchOrders, "/orders/2026-01-01/orders".into(), query)).await?;
        decode(Op::SearchOrders, &reply.body)
    }

    /// `getOrder` with the same `includedData` as search.
    pub async fn get_order(&self, order_id: &str) -> Result<GetOrderResponse, Error> {
        let target = format!("/orders/2026-01-01/orders/{}", segment(Op::GetOrder, order_id)?);
        let query = vec![("includedData".to_owned(), INCLUDED_DATA.join(","))];
        let reply = self.execute(read(Op::GetOrder, target, query)).await?;
        decode(Op::GetOrder, &reply.body)
    }

    /// Orders v0 `confirmShipment` (204 on success).
    pub async fn confirm_shipment(&self, order_id: &str, body: &ConfirmShipmentRequest) -> Result<(), Error> {
        let target = format!("/orders/v0/orders/{}/shipmentConfirmation", segment(Op::ConfirmShipment, order_id)?);
        // Re-sending the same packageReferenceId edits the confirmation: safe to repeat.
        self.execute(write(Op::ConfirmShipment, Method::POST, &target, body, true)?).await?;
        Ok(())
    }

    /// Easy Ship `listHandoverSlots`.
    pub async fn list_handover_slots(&self, body: &ListHandoverSlotsRequest) -> Result<ListHandoverSlotsResponse, Error> {
        let reply = self.execute(write(Op::ListHandoverSlots, Method::POST, "/easyShip/2022-03-23/timeSlot", body, true)?).await?;
        decode(Op::ListHandoverSlots, &reply.body)
    }

    /// Easy Ship `createScheduledPackage`. A repeat after an unknown outcome is answered with
    /// `ScheduledPackageAlreadyExists`, which callers adopt, so it is retried like a read.
    pub async fn create_scheduled_package(&self, body: &CreateScheduledPackageRequest) -> Result<Package, Error> {
        let reply = self.execute(write(Op::CreateScheduledPackage, Method::POST, "/easyShip/2022-03-23/package", body, true)?).await?;
        decode(Op::CreateScheduledPackage, &reply.body)
    }

    /// Easy Ship `getScheduledPackage`.
    pub async fn get_scheduled_package(&self, order_id: &str) -> Result<Package, Error> {
        let query = vec![("amazonOrderId".to_owned(), order_id.to_owned()), ("marketplaceId".to_owned(), self.marketplace_id().to_owned())];
        let reply = self.execute(read(Op::GetScheduledPackage, "/easyShip/2022-03-23/package".into(), query)).await?;
        decode(Op::GetScheduledPackage, &reply.body)
    }

    /// Easy Ship `updateScheduledPackages` (reschedule).
    pub async fn update_scheduled_packages(&self, body: &UpdateScheduledPackagesRequest) -> Result<Packages, Error> {
        let reply = self.execute(write(Op::UpdateScheduledPackages, Method::PATCH, "/easyShip/2022-03-23/package", body, true)?).await?;
        decode(Op::UpdateScheduledPackages, &reply.body)
    }

    /// Feeds `createFeedDocument`.
    pub async fn create_feed_document(&self, content_type: &str) -> Result<CreateFeedDocumentResponse, Error> {
        let body = CreateFeedDocumentSpecification { content_type: content_type.to_owned() };
        let reply = self.execute(write(Op::CreateFeedDocument, Method::POST, "/feeds/2021-06-30/documents", &body, true)?).await?;
        decode(Op::CreateFeedDocument, &reply.body)
    }

    /// PUT the feed content to its pre-signed URL.
    pub async fn upload_feed_document(&self, url: &str, content_type: &'static str, content: Vec<u8>) -> Result<(), Error> {
        self.execute(Request {
            op: Op::UploadFeedDocument,
            method: Method::PUT,
            target: url.to_owned(),
            query: Vec::new(),
            body: Some((content, content_type)),
            auth: Auth::Presigned,
            retry_unknown: true,
        })
        .await?;
        Ok(())
    }

    /// Feeds `createFeed`. Not repeated after an unknown outcome (that could create a second
    /// feed); the next run tries again.
    pub async fn create_feed(&self, spec: &CreateFeedSpecification) -> Result<CreateFeedResponse, Error> {
        let reply = self.execute(write(Op::CreateFeed, Method::POST, "/feeds/2021-06-30/feeds", spec, false)?).await?;
        decode(Op::CreateFeed, &reply.body)
    }

    /// Feeds `getFeed`.
    pub async fn get_feed(&self, feed_id: &str) -> Result<Feed, Error> {
        let target = format!("/feeds/2021-06-30/feeds/{}", segment(Op::GetFeed, feed_id)?);
        let reply = self.execute(read(Op::GetFeed, target, Vec::new())).await?;
        decode(Op::GetFeed, &reply.body)
    }

    /// Feeds `getFeeds`: documents feeds created since `since` (first page; dakiya creates at
    /// most one an hour).
    pub async fn get_documents_feeds_since(&self, since: DateTime<Utc>) -> Result<GetFeedsResponse, Error> {
        let query = vec![
            ("feedTypes".to_owned(), EASYSHIP_DOCUMENTS_FEED.to_owned()),
            ("marketplaceIds".to_owned(), self.marketplace_id().to_owned()),
            ("createdSince".to_owned(), iso(since)),
            ("pageSize".to_owned(), "100".to_owned()),
        ];
        let reply = self.execute(read(Op::GetFeeds, "/feeds/2021-06-30/feeds".into(), query)).await?;
        decode(Op::GetFeeds, &reply.body)
    }

    /// Feeds `getFeedDocument` (the processing report).
    pub async fn get_feed_document(&self, document_id: &str) -> Result<DocumentLocation, Error> {
        let target = format!("/feeds/2021-06-30/documents/{}", segment(Op::GetFeedDocument, document_id)?);
        let reply = self.execute(read(Op::GetFeedDocument, target, Vec::new())).await?;
        decode(Op::GetFeedDocument, &reply.body)
    }

    /// Reports `getReport`.
    pub async fn get_report(&self, report_id: &str) -> Result<Report, Error> {
        let target = format!("/reports/2021-06-30/reports/{}", segment(Op::GetReport, report_id)?);
        let reply = self.execute(read(Op::GetReport, target, Vec::new())).await?;
        decode(Op::GetReport, &reply.body)
    }

    /// Reports `getReportDocument`, authorised with a Restricted Data Token for its path.
    pub async fn get_report_document(&self, document_id: &str) -> Result<DocumentLocation, Error> {
        let target = format!("/reports/2021-06-30/documents/{}", segment(Op::GetReportDocument, document_id)?);
        let mut req = read(Op::GetReportDocument, target, Vec::new());
        req.auth = Auth::Rdt;
        let reply = self.execute(req).await?;
        decode(Op::GetReportDocument, &reply.body)
    }

    /// Download a document from its pre-signed URL and gunzip it when marked `GZIP`. The bytes
    /// may be PII (labels): they are wiped from memory when dropped.
    pub async fn download(&self, location: &DocumentLocation) -> Result<Zeroizing<Vec<u8>>, Error> {
        let reply = self
            .execute(Request {
                op: Op::DownloadDocument,
                method: Method::GET,
                target: location.url.clone(),
                query: Vec::new(),
                body: None,
                auth: Auth::Presigned,
                retry_unknown: true,
            })
            .await?;
        let raw = Zeroizing::new(reply.body);
        let gzip = location.compression_algorithm.as_deref().is_some_and(|a| a.eq_ignore_ascii_case("GZIP"));
        match location.compression_algorithm.as_deref() {
            Some(_) if gzip => {
                use std::io::Read as _;
                let mut out = Zeroizing::new(Vec::new());
                flate2::read::GzDecoder::new(raw.as_slice())
                    .take(crate::docs::MAX_UNPACKED + 1)
                    .read_to_end(&mut out)
                    .map_err(|_| Error::Decode { op: Op::DownloadDocument, detail: "document is not valid gzip".into() })?;
                if out.len() as u64 > crate::docs::MAX_UNPACKED {
                    return Err(Error::Decode { op: Op::DownloadDocument, detail: "document unpacks to more than 256 MB".into() });
                }
                Ok(out)
            }
            None => Ok(raw),
            Some(_) => Err(Error::Decode { op: Op::DownloadDocument, detail: "unknown compression algorithm".into() }),
        }
    }
}
