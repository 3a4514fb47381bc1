//! GlobalPlatform constants shared by the client and internal APIs
//! (defined once, in `oxtee-gp`, for both tiers).

pub use oxtee_gp::*;
