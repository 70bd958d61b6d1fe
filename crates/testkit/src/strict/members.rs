//! The strict layer's behaviours for what happens inside member accounts.

use bytes::Bytes;

use super::{Call, Strict};
use crate::responders::Reply;

/// What these behaviours remember.
#[derive(Debug, Default)]
pub struct State {}

impl State {
    pub(crate) fn before(&self, _strict: &Strict, _call: &Call<'_>) -> Option<Reply> {
        None
    }

    pub(crate) fn after(
        &self,
        _strict: &Strict,
        _call: &Call<'_>,
        _status: u16,
        _body: &mut Bytes,
    ) {
    }
}
