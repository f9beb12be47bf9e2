//! The one integration-test binary (cargo's `tests/testsuite` layout): modules by area.

/// The same zero-on-free allocator as the binary, so in-process runs behave like the product.
#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> = zeroizing_alloc::ZeroAlloc(std::alloc::System);

mod support;

mod admin;
mod backup;
mod bad_pipeline;
mod cli;
mod contract;
mod crash;
mod deletion;
mod dialects;
mod e2e;
mod first_run;
mod gst;
mod ingest;
mod labels;
mod notify;
mod osprobe;
mod pipeline_files;
mod refunds;
mod report;
mod retention;
mod spapi_client;
mod store;
mod task;
mod tidy;
