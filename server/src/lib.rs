//! The Vigía server: command line, settings, the axum application and the
//! demo dataset. The pages and server functions live in the `app` crate.

pub mod api;
pub mod audit_export;
pub mod cli;
pub mod config;
pub mod confine;
pub mod demo;
pub mod security;
pub mod sessions;
pub mod startup;
