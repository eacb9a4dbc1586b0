//! Typed row ids: an officer's id cannot be passed where a vehicle's is
//! wanted. Each is the `BIGINT` primary key of its table, read and bound as
//! itself (`sqlx(transparent)`) and sent as a number.

use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($( $(#[$meta:meta])* $name:ident ),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type))]
        #[cfg_attr(feature = "ssr", sqlx(transparent))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}

ids! {
    /// `officers.id`.
    OfficerId,
    /// `vehicles.id`.
    VehicleId,
    /// `units.id`.
    UnitId,
    /// `cameras.id`.
    CameraId,
}
