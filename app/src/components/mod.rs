//! Building blocks shared by the pages.

pub mod badge;
pub mod button;
pub mod card;
pub mod connect_flow;
pub mod field;
pub mod header;
pub mod theme;
