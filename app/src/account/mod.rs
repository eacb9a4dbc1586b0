//! The signed-in person's own account, as a feature: signing in and out,
//! changing one's password, setting up the second factor, and who am I.
//! The server functions and pages; the work is in [`crate::identity`].

#[cfg(feature = "ssr")]
use crate::error::Problem;
use crate::error::{AppError, Field};
use crate::i18n::*;
#[cfg(feature = "ssr")]
use crate::identity::{
    current_user, store, totp, SESSION_SINCE, SESSION_TOTP_PENDING, SESSION_USER,
    SESSION_VALID_FROM,
};
use crate::identity::{CurrentUser, TotpEnrolment};
#[cfg(feature = "ssr")]
use crate::policy::act;
use leptos::prelude::*;

mod api;
pub use api::*;

mod views;
pub use views::*;
