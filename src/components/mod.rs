//! Building blocks shared by the pages.

pub mod chart;
pub mod download;
pub mod field;
pub mod gate;
pub mod load;
pub mod markdown;
pub mod members;
pub mod pager;
pub mod shell;
pub mod stream;
pub mod toast;
pub mod url;
pub mod when;
pub mod window;
