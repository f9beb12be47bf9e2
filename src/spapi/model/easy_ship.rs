//! Easy Ship 2022-03-23: `listHandoverSlots`, `createScheduledPackage`, `getScheduledPackage`,
//! `updateScheduledPackages`. No `payload` wrapper; errors are `{"errors":[…]}`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::open_enum;

open_enum!(
    /// How a package is handed to Amazon Logistics.
    HandoverMethod {
        /// Carrier picks up.
        Pickup = "PICKUP",
        /// Seller drops off.
        Dropoff = "DROPOFF",
    }
);

open_enum!(
    /// Easy Ship package status (the sandbox also sends `Scheduled`).
    PackageStatus {
        /// Scheduled, waiting for pickup.
        ReadyForPickup = "ReadyForPickup",
        /// Picked up.
        PickedUp = "PickedUp",
        /// At origin FC.
        AtOriginFc = "AtOriginFC",
        /// At destination FC.
        AtDestinationFc = "AtDestinationFC",
        /// Delivered.
        Delivered = "Delivered",
        /// Rejected by the buyer.
        Rejected = "Rejected",
        /// Cannot be delivered.
        Undeliverable = "Undeliverable",
        /// Back with the seller.
        ReturnedToSeller = "ReturnedToSeller",
        /// Lost.
        LostInTransit = "LostInTransit",
        /// Label cancelled.
        LabelCanceled = "LabelCanceled",
        /// Damaged.
        DamagedInTransit = "DamagedInTransit",
        /// Out for delivery.
        OutForDelivery = "OutForDelivery",
    }
);

open_enum!(
    /// Easy Ship error codes (`Error.code`).
    EasyShipCode {
        /// Missing or invalid parameters.
        InvalidInput = "InvalidInput",
        /// Bad slot id.
        InvalidTimeSlotId = "InvalidTimeSlotId",
        /// The order is already scheduled: adopt it with `getScheduledPackage`.
        ScheduledPackageAlreadyExists = "ScheduledPackageAlreadyExists",
        /// The slot expired: list slots again.
        ScheduleWindowExpired = "ScheduleWindowExpired",
        /// Slot problem: list slots again and retry.
        RetryableAfterGettingNewSlots = "RetryableAfterGettingNewSlots",
        /// No slot (bad weight or dimensions, or past the cancellation date).
        TimeSlotNotAvailable = "TimeSlotNotAvailable",
        /// Unknown order or marketplace.
        ResourceNotFound = "ResourceNotFound",
        /// Not allowed in the order's state.
        InvalidOrderState = "InvalidOrderState",
        /// Easy Ship not offered there.
        RegionNotSupported = "RegionNotSupported",
        /// Cannot be rescheduled.
        OrderNotEligibleForRescheduling = "OrderNotEligibleForRescheduling",
        /// Amazon failed.
        InternalServerError = "InternalServerError",
    }
);

impl EasyShipCode {
    /// Codes after which listing slots again and retrying may succeed.
    pub fn relist_slots(&self) -> bool {
        matches!(self, EasyShipCode::ScheduleWindowExpired | EasyShipCode::RetryableAfterGettingNewSlots | EasyShipCode::InvalidTimeSlotId)
    }
}

/// Package dimensions (cm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dimensions {
    /// Length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<f64>,
    /// Width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<f64>,
    /// Height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<f64>,
    /// Unit (`cm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

pub use crate::config::UnitSpelling;

impl Dimensions {
    /// Centimetres, spelled the model's way.
    pub fn cm(length: f64, width: f64, height: f64) -> Self {
        Self::cm_spelled(length, width, height, UnitSpelling::Model)
    }

    /// Centimetres, spelled as `spelling` says.
    pub fn cm_spelled(length: f64, width: f64, height: f64, spelling: UnitSpelling) -> Self {
        let unit = match spelling {
            UnitSpelling::Model => "cm",
            UnitSpelling::Legacy => "Cm",
        };
        Self { length: Some(length), width: Some(width), height: Some(height), unit: Some(unit.into()) }
    }
}

/// Package weight (grams, at least 11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Weight {
    /// Value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Unit (`grams` or `g`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl Weight {
    /// Grams, spelled the model's way.
    pub fn grams(value: f64) -> Self {
        Self::grams_spelled(value, UnitSpelling::Model)
    }

    /// Grams, spelled as `spelling` says.
    pub fn grams_spelled(value: f64, spelling: UnitSpelling) -> Self {
        let unit = match spelling {
            UnitSpelling::Model => "grams",
            UnitSpelling::Legacy => "G",
        };
        Self { value: Some(value), unit: Some(unit.into()) }
    }
}

/// A handover slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeSlot {
    /// Slot id.
    pub slot_id: String,
    /// Start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    /// End.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    /// Pickup or drop-off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handover_method: Option<HandoverMethod>,
}

/// `listHandoverSlots` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListHandoverSlotsRequest {
    /// Marketplace.
    pub marketplace_id: String,
    /// Order.
    pub amazon_order_id: String,
    /// Dimensions.
    pub package_dimensions: Dimensions,
    /// Weight.
    pub package_weight: Weight,
}

/// `listHandoverSlots` 200 body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListHandoverSlotsResponse {
    /// Order.
    pub amazon_order_id: String,
    /// Slots (1..500).
    pub time_slots: Vec<TimeSlot>,
}

/// An item in a package.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// Item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_item_id: Option<String>,
    /// Serial numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order_item_serial_numbers: Vec<String>,
}

/// `packageDetails` of `createScheduledPackage`. Dimensions and weight are not in the schema,
/// but Amazon's own example and tutorial send them; the slot is tied to them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageDetails {
    /// Items.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub package_items: Vec<Item>,
    /// Chosen slot.
    pub package_time_slot: TimeSlot,
    /// Seller's id printed on the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_identifier: Option<String>,
    /// Dimensions (see type doc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_dimensions: Option<Dimensions>,
    /// Weight (see type doc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_weight: Option<Weight>,
}

/// `createScheduledPackage` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateScheduledPackageRequest {
    /// Order.
    pub amazon_order_id: String,
    /// Marketplace.
    pub marketplace_id: String,
    /// Package details.
    pub package_details: PackageDetails,
}

/// Identifies a scheduled package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledPackageId {
    /// Order.
    pub amazon_order_id: String,
    /// Package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_id: Option<String>,
}

/// Invoice number and date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceData {
    /// Number.
    pub invoice_number: String,
    /// Date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_date: Option<DateTime<Utc>>,
}

/// Tracking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackingDetails {
    /// Tracking id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_id: Option<String>,
}

/// A scheduled package.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    /// Ids.
    pub scheduled_package_id: ScheduledPackageId,
    /// Dimensions.
    pub package_dimensions: Dimensions,
    /// Weight.
    pub package_weight: Weight,
    /// Items.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub package_items: Vec<Item>,
    /// Slot.
    pub package_time_slot: TimeSlot,
    /// Seller's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_identifier: Option<String>,
    /// Invoice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<InvoiceData>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_status: Option<PackageStatus>,
    /// Tracking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_details: Option<TrackingDetails>,
}

/// One reschedule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePackageDetails {
    /// Package.
    pub scheduled_package_id: ScheduledPackageId,
    /// New slot.
    pub package_time_slot: TimeSlot,
}

/// `updateScheduledPackages` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateScheduledPackagesRequest {
    /// Marketplace.
    pub marketplace_id: String,
    /// Updates (1..500).
    pub update_package_details_list: Vec<UpdatePackageDetails>,
}

/// `updateScheduledPackages` 200 body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Packages {
    /// Packages.
    pub packages: Vec<Package>,
}
