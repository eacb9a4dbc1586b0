//! Vigía's Leptos crate: the pages, their server functions and, behind the
//! `ssr` feature, everything that runs only on the server (policy, store).
//!
//! Built twice: as the wasm library that hydrates the pages in the browser
//! (`hydrate` feature) and as an rlib the `vigia` server links (`ssr`).

#![recursion_limit = "256"]

// The translations (locales/*.json) compiled into typed keys. The macro is
// marked deprecated in favour of a build-script generator, which would pull
// a networked ICU data tool into the build; the macro does the same work.
#[allow(deprecated)]
mod translations {
    leptos_i18n::load_locales!();
}
pub use translations::i18n;

pub mod account;
pub mod admin;
pub mod audit;
pub mod cases;
pub mod codes;
#[cfg(feature = "ssr")]
pub mod documents;
pub mod error;
pub mod fleet;
pub mod footage;
pub mod format;
pub mod identity;
pub mod ids;
pub mod layout;
pub mod officers;
pub mod problem;
pub mod status;
pub mod tracking;
pub mod trail;
#[cfg(feature = "ssr")]
pub mod upload;

/// Compiled for the browser too: the pages offer what the matrix allows.
pub mod policy;
pub mod roles;
#[cfg(feature = "ssr")]
pub mod rpc;
#[cfg(feature = "ssr")]
pub mod sealed;
pub mod search;
pub mod secret;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod time;
pub mod values;

pub use layout::{shell, App};

#[cfg(test)]
mod layering;

/// The wasm entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // A mark for the browser tests: the page is interactive from here on.
    if let Some(body) = leptos::prelude::document().body() {
        if body.set_attribute("data-hydrated", "true").is_err() {
            leptos::logging::warn!("could not mark the page as hydrated");
        }
    }
}
