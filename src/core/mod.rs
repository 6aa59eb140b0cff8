//! The rules of tokenctl, once, for every store and every front end: the
//! token format, ids, names, the records and their status, the order of
//! verify's reasons, the operations and their checks, the verify engine,
//! and the typed errors. Nothing here knows SQL or the command line.

pub mod chain;
pub mod dump;
pub mod error;
pub mod id;
pub mod model;
pub mod ops;
pub mod policy;
pub mod rules;
pub mod scan;
pub mod token;
pub mod validate;
pub mod verify;
