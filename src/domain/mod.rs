//! Validated types and rules of the terminology domain. This module imports
//! neither axum nor sled nor tantivy: it is what the service means, not how it
//! is served or stored.

pub mod actor;
pub mod codes;
pub mod diff;
pub mod distribution;
pub mod entry;
pub mod equivalents;
pub mod ids;
pub mod normalize;
pub mod proposal;
pub mod states;

pub use actor::Actor;
pub use codes::{CodeError, LanguageTag, Role, StateCode, Year};
pub use distribution::{Audience, Distribution};
pub use entry::{
    Entry, EntryDraft, EntryText, ListDraft, RowError, ValidList, Warning, administrative_status, domain_filter,
    validate_list,
};
pub use ids::EntryId;
