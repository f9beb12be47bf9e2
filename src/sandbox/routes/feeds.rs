//! Feeds 2021-06-30 (documents feed, processing), Reports 2021-06-30 (the documents report),
//! the Restricted Data Token, and the pre-signed upload and download URLs.

#[allow(unused_imports)]
use super::*;

pub(super) fn presigned(shared: &Shared, kind: &str, id: &str) -> String {
    let base = shared.base_url.lock().clone();
    let expires = (shared.clock.now() + Duration::minutes(5)).timestamp();
    format!("{base}/_presigned/{kind}/{id}?expires={expires}")
}

pub(super) fn presigned_expired(shared: &Shared, raw: Option<String>) -> bool {
    let q = parse_query(raw);
    q.get("expires").and_then(|e| e.parse::<i64>().ok()).is_none_or(|e| shared.clock.now().timestamp() > e)
}

pub(super) async fn create_feed_document(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let op = Op::CreateFeedDocument;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let Ok(spec) = serde_json::from_slice::<CreateFeedDocumentSpecification>(&body) else {
        shared.log(op.name(), None, 400, "invalid");
        return error(&shared, StatusCode::BAD_REQUEST, "400", "Invalid input");
    };
    if spec.content_type.is_empty() {
        return error(&shared, StatusCode::BAD_REQUEST, "400", "contentType is required");
    }
    let id = shared.next_id("sbx-feeddoc-");
    let url = presigned(&shared, "upload", &id);
    shared.log(op.name(), None, 201, format!("feed document {id}{}", fault_note(fault)));
    finish(&shared, op, fault, StatusCode::CREATED, json!({ "feedDocumentId": id, "url": url })).await
}

pub(super) async fn upload(State(shared): S, Path(document_id): Path<String>, RawQuery(raw): RawQuery, body: Bytes) -> Response {
    if presigned_expired(&shared, raw) {
        shared.log("uploadFeedDocument", None, 403, "URL expired");
        return (StatusCode::FORBIDDEN, "Request has expired").into_response();
    }
    shared.documents.lock().insert(document_id.clone(), (body.to_vec(), false));
    shared.log("uploadFeedDocument", None, 200, format!("uploaded {document_id}"));
    StatusCode::OK.into_response()
}

pub(super) async fn create_feed(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let op = Op::CreateFeed;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let Ok(spec) = serde_json::from_slice::<CreateFeedSpecification>(&body) else {
        shared.log(op.name(), None, 400, "invalid");
        return error(
            &shared,
            StatusCode::BAD_REQUEST,
            "400",
            "Invalid input: feedType, marketplaceIds (array) and inputFeedDocumentId are required",
        );
    };
    if spec.feed_type != "POST_EASYSHIP_DOCUMENTS" || spec.marketplace_ids.is_empty() || spec.marketplace_ids.len() > 25 {
        shared.log(op.name(), None, 400, "unsupported feed");
        return error(&shared, StatusCode::BAD_REQUEST, "400", "Invalid input");
    }
    if !shared.documents.lock().contains_key(&spec.input_feed_document_id) {
        shared.log(op.name(), None, 400, "document not uploaded");
        return error(&shared, StatusCode::BAD_REQUEST, "400", "The input feed document was not uploaded");
    }
    let feed_id = shared.next_id("5000");
    shared.feeds.lock().insert(
        feed_id.clone(),
        Feed {
            feed_id: feed_id.clone(),
            created: shared.clock.now(),
            document_id: spec.input_feed_document_id.clone(),
            polls: 0,
            result_document_id: None,
        },
    );
    shared.log(op.name(), None, 202, format!("feed {feed_id}{}", fault_note(fault)));
    finish(&shared, op, fault, StatusCode::ACCEPTED, json!({ "feedId": feed_id })).await
}

/// Process a finished documents feed: labels for scheduled orders, errors for the rest, in the
/// dialect's report shape and bundle shape; with `transient_documents_error_every = n`, every n-th
/// order fails with 610013 the first time it is asked for.
pub(super) fn process_feed(shared: &Shared, feed: &mut Feed) {
    use crate::sandbox::BundleShape;
    let dialect = &shared.options.dialect;
    let content = shared.documents.lock().get(&feed.document_id).map(|d| d.0.clone()).unwrap_or_default();
    let messages = docs::feed_orders(&content).unwrap_or_default();
    let world = shared.world.lock();
    let mut results = Vec::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut combined_lines = Vec::new();
    for (message_id, order_id) in messages {
        let asked = {
            let mut asked = shared.documents_asked.lock();
            let n = asked.entry(order_id.clone()).or_default();
            *n += 1;
            *n
        };
        let every = dialect.transient_documents_error_every;
        let transient = every > 0 && asked == 1 && order_id.bytes().map(u32::from).sum::<u32>() % every == 0;
        match world.orders.get(&order_id).and_then(|o| o.package.as_ref().map(|p| (o, p))) {
            Some(_) if transient => results.push(docs::MessageResult { message_id, order_id, error: Some("610013".into()) }),
            Some((order, pkg)) => {
                let address = vec![
                    format!("Amazon Easy Ship - {}", order.order_id),
                    format!("Package {}", pkg.package_id),
                    order.pii.name.clone(),
                    order.pii.line1.clone(),
                    order.pii.line2.clone(),
                    format!("{} {}", order.pii.city, order.pii.postal_code),
                    order.pii.phone.clone(),
                ];
                let label = docs::pdf(&address);
                let invoice = docs::pdf(&[
                    format!("Tax invoice {}", pkg.invoice_number),
                    format!("Order {}", order.order_id),
                    order.pii.name.clone(),
                ]);
                match dialect.bundle {
                    BundleShape::TarPerOrder | BundleShape::ZipPerOrder => {
                        files.push((format!("{order_id}/ShippingLabel.pdf"), label));
                        files.push((format!("{order_id}/Invoice.pdf"), invoice));
                    }
                    BundleShape::TarNonOrderFolders => {
                        // Amazon's sample: one folder per shipment, named by neither order nor package.
                        let folder = format!("83681{:04}", message_id);
                        files.push((format!("{folder}/label.zpl"), docs::zpl(&address)));
                        files.push((format!("{folder}/post-list.pdf"), label));
                        files.push((format!("{folder}/invoice.pdf"), invoice));
                    }
                    BundleShape::CombinedPdf => combined_lines.extend(address),
                }
                results.push(docs::MessageResult { message_id, order_id, error: None });
            }
            None => results.push(docs::MessageResult { message_id, order_id, error: Some("25001".into()) }),
        }
    }
    drop(world);
    let mut reference = None;
    if !files.is_empty() || !combined_lines.is_empty() {
        let bundle = match dialect.bundle {
            BundleShape::CombinedPdf => docs::pdf(&combined_lines),
            BundleShape::ZipPerOrder => docs::zip(&files).unwrap_or_default(),
            BundleShape::TarPerOrder | BundleShape::TarNonOrderFolders => docs::tar(&files).unwrap_or_default(),
        };
        let report_doc = shared.next_id("sbx-reportdoc-");
        shared.documents.lock().insert(report_doc.clone(), (docs::gzip(&bundle).unwrap_or_default(), true));
        let report_id = shared.next_id("7000");
        shared
            .reports
            .lock()
            .insert(report_id.clone(), Report { report_id: report_id.clone(), created: shared.clock.now(), document_id: report_doc });
        reference = Some(report_id);
    }
    let xml = docs::processing_report(dialect.report, crate::sandbox::MERCHANT_ID, &feed.feed_id, &results, reference.as_deref());
    let result_doc = shared.next_id("sbx-resultdoc-");
    shared.documents.lock().insert(result_doc.clone(), (docs::gzip(xml.as_bytes()).unwrap_or_default(), true));
    feed.result_document_id = Some(result_doc);
}

pub(super) async fn get_feed(State(shared): S, headers: HeaderMap, Path(feed_id): Path<String>) -> Response {
    let op = Op::GetFeed;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let body = {
        let mut feeds = shared.feeds.lock();
        let Some(feed) = feeds.get_mut(&feed_id) else {
            drop(feeds);
            shared.log(op.name(), None, 404, "unknown feed");
            return error(&shared, StatusCode::NOT_FOUND, "404", "The feed was not found");
        };
        feed.polls += 1;
        let total = shared.options.feed_polls.max(1);
        let status = if feed.polls >= total {
            if feed.result_document_id.is_none() {
                process_feed(&shared, feed);
            }
            "DONE"
        } else if feed.polls * 2 >= total {
            "IN_PROGRESS"
        } else {
            "IN_QUEUE"
        };
        let mut v = json!({ "feedId": feed.feed_id, "feedType": "POST_EASYSHIP_DOCUMENTS", "marketplaceIds": [MARKETPLACE_IN], "createdTime": iso(feed.created), "processingStatus": status });
        if status == "DONE" {
            v["resultFeedDocumentId"] = json!(feed.result_document_id);
        }
        v
    };
    shared.log(op.name(), None, 200, format!("feed {feed_id} {}{}", body["processingStatus"], fault_note(fault)));
    finish(&shared, op, fault, StatusCode::OK, body).await
}

pub(super) async fn get_feeds(State(shared): S, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let op = Op::GetFeeds;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let q = parse_query(raw);
    let since = match parse_time(&q, "createdSince") {
        Ok(s) => s.unwrap_or_else(|| shared.clock.now() - Duration::days(90)),
        Err(msg) => return invalid(&shared, op, None, &msg),
    };
    let types_ok = q.get("feedTypes").is_none_or(|t| t.split(',').any(|t| t == "POST_EASYSHIP_DOCUMENTS"));
    let mut feeds: Vec<Value> = shared
        .feeds
        .lock()
        .values()
        .filter(|f| types_ok && f.created >= since)
        .map(|f| {
            let status = if f.result_document_id.is_some() { "DONE" } else { "IN_QUEUE" };
            json!({ "feedId": f.feed_id, "feedType": "POST_EASYSHIP_DOCUMENTS", "marketplaceIds": [MARKETPLACE_IN], "createdTime": iso(f.created), "processingStatus": status })
        })
        .collect();
    feeds.sort_by(|a, b| a["createdTime"].as_str().cmp(&b["createdTime"].as_str()));
    shared.log(op.name(), None, 200, format!("{} feeds{}", feeds.len(), fault_note(fault)));
    finish(&shared, op, fault, StatusCode::OK, json!({ "feeds": feeds })).await
}

pub(super) async fn get_feed_document(State(shared): S, headers: HeaderMap, Path(document_id): Path<String>) -> Response {
    let op = Op::GetFeedDocument;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let gz = shared.documents.lock().get(&document_id).map(|d| d.1);
    let Some(gz) = gz else {
        shared.log(op.name(), None, 404, "unknown document");
        return error(&shared, StatusCode::NOT_FOUND, "404", "The document was not found");
    };
    let mut body = json!({ "feedDocumentId": document_id, "url": presigned(&shared, "download", &document_id) });
    if gz {
        body["compressionAlgorithm"] = json!("GZIP");
    }
    shared.log(op.name(), None, 200, format!("document{}", fault_note(fault)));
    finish(&shared, op, fault, StatusCode::OK, body).await
}

pub(super) async fn get_report(State(shared): S, headers: HeaderMap, Path(report_id): Path<String>) -> Response {
    let op = Op::GetReport;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let body = shared.reports.lock().get(&report_id).map(|r| {
        json!({ "reportId": r.report_id, "reportType": "GET_EASYSHIP_DOCUMENTS", "marketplaceIds": [MARKETPLACE_IN], "createdTime": iso(r.created), "processingStatus": "DONE", "processingStartTime": iso(r.created), "processingEndTime": iso(r.created), "reportDocumentId": r.document_id })
    });
    match body {
        Some(body) => {
            shared.log(op.name(), None, 200, format!("report{}", fault_note(fault)));
            finish(&shared, op, fault, StatusCode::OK, body).await
        }
        None => {
            shared.log(op.name(), None, 404, "unknown report");
            error(&shared, StatusCode::NOT_FOUND, "404", "The report was not found")
        }
    }
}

pub(super) async fn get_report_document(State(shared): S, headers: HeaderMap, Path(document_id): Path<String>) -> Response {
    let op = Op::GetReportDocument;
    let path = format!("/reports/2021-06-30/documents/{document_id}");
    let fault = match gate(&shared, op, &headers, Some(("GET", &path)), None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let gz = shared.documents.lock().get(&document_id).map(|d| d.1);
    let Some(gz) = gz else {
        shared.log(op.name(), None, 404, "unknown document");
        return error(&shared, StatusCode::NOT_FOUND, "404", "The document was not found");
    };
    let mut body = json!({ "reportDocumentId": document_id, "url": presigned(&shared, "download", &document_id) });
    if gz {
        body["compressionAlgorithm"] = json!("GZIP");
    }
    shared.log(op.name(), None, 200, format!("document{}", fault_note(fault)));
    finish(&shared, op, fault, StatusCode::OK, body).await
}

pub(super) async fn download(State(shared): S, Path(document_id): Path<String>, RawQuery(raw): RawQuery) -> Response {
    if presigned_expired(&shared, raw) {
        shared.log("downloadDocument", None, 403, "URL expired");
        return (StatusCode::FORBIDDEN, "Request has expired").into_response();
    }
    let doc = shared.documents.lock().get(&document_id).map(|d| d.0.clone());
    match doc {
        Some(bytes) => {
            shared.log("downloadDocument", None, 200, format!("downloaded {document_id}"));
            (StatusCode::OK, [("content-type", "application/octet-stream")], bytes).into_response()
        }
        None => (StatusCode::NOT_FOUND, "NoSuchKey").into_response(),
    }
}

pub(super) async fn create_rdt(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let op = Op::CreateRestrictedDataToken;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let req = serde_json::from_slice::<CreateRestrictedDataTokenRequest>(&body);
    let valid = req.as_ref().is_ok_and(|r| {
        !r.restricted_resources.is_empty()
            && r.restricted_resources.len() <= 50
            && r.restricted_resources
                .iter()
                .all(|res| ["GET", "PUT", "POST", "DELETE"].contains(&res.method.as_str()) && res.path.starts_with('/'))
    });
    let Ok(req) = req.map_err(|_| ()).and_then(|r| if valid { Ok(r) } else { Err(()) }) else {
        shared.log(op.name(), None, 400, "invalid");
        let body = json!({ "errors": [{ "code": "InvalidRequest", "message": "Request is missing or has invalid parameters", "details": "Resource not provided." }] });
        return with_request_id(&shared, (StatusCode::BAD_REQUEST, axum::Json(body)).into_response());
    };
    let token = format!("Atz.sprdt|{}", shared.next_id("sbx-rdt-"));
    let expires_at = shared.clock.now() + Duration::seconds(3600);
    // One RDT per resource list; the sandbox binds it to the first resource.
    let first = &req.restricted_resources[0];
    shared.tokens.lock().insert(token.clone(), Token { expires_at, restricted: Some((first.method.clone(), first.path.clone())) });
    shared.log(op.name(), None, 200, format!("rdt for {} {}{}", first.method, first.path, fault_note(fault)));
    finish(&shared, op, fault, StatusCode::OK, json!({ "restrictedDataToken": token, "expiresIn": 3600 })).await
}
