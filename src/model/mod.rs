//! The shared vocabulary: identifiers, what the file declares, what AWS holds.

mod actual;
mod baseline;
mod desired;
mod document;
mod ids;

pub use actual::*;
pub use baseline::*;
pub use desired::*;
pub use document::*;
pub use ids::*;
