//! consensus-glossary: national ICT-security terminology lists of OSCE
//! participating States (confidence-building measure 9), stored safely,
//! searched in six languages, compared, clustered, and agreed into a consensus
//! glossary.
//!
//! Start reading at [`startup::Application`] (the server), [`service::Glossary`]
//! (what every entry point calls), [`store::Store`] (the source of truth) and
//! [`domain`] (the rules). `ARCHITECTURE.md` has the map.

pub mod auth;
pub mod backup;
pub mod clock;
pub mod cluster;
pub mod domain;
pub mod error;
pub mod formats;
pub mod http;
pub mod index;
pub mod parallel;
pub mod samples;
pub mod service;
pub mod startup;
pub mod store;
pub mod web;

pub use error::{Error, Result};
pub use startup::{Application, Config};
