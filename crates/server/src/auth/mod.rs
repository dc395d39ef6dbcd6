//! Who is calling: password hashing, token minting, and the [`Caller`] extractor that every
//! protected route takes. Role checks live in [`authz`] and nowhere else.

pub mod authz;
mod caller;
pub mod cookie;
pub mod password;
pub mod throttle;
pub mod tokens;

pub use caller::{Caller, client_address};
