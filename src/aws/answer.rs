//! What govern accepts as an answer: at most [`MAX_ANSWER`] bytes, from an endpoint it names in
//! errors. An endpoint is untrusted (a proxy, an emulator, a captive portal): a body that never
//! ends grew memory without bound (23 GB) before this cap.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// The largest answer govern reads. AWS's largest pages (ListSecrets of 100, a 10,240-character
/// policy) are well under a megabyte.
pub const MAX_ANSWER: u64 = 64 * 1024 * 1024;

/// The header the HTTP layer adds to every answer, naming where it came from, so that an error
/// about the answer can name the endpoint.
pub const FROM_HEADER: &str = "x-govern-answered-by";

/// Throttling answers received by this process, whatever the service (retried or not): what the
/// member-account reads watch to choose how many accounts they read at once
/// (`crate::discover::pace`). AWS says "slow down" in several ways: HTTP 429 (the Account API's
/// TooManyRequestsException), and in the body of a 400 or 503 answer: `ThrottlingException`
/// (KMS, Secrets Manager), `Throttling` (STS), `TooManyRequestsException` (Organizations),
/// `SlowDown` (S3), `RequestLimitExceeded`.
pub static THROTTLES: AtomicU64 = AtomicU64::new(0);

/// Throttling answers received so far (see [`THROTTLES`]).
pub fn throttles() -> u64 {
    THROTTLES.load(Ordering::Relaxed)
}

const THROTTLE_WORDS: [&[u8]; 4] = [
    b"Throttl",
    b"TooManyRequests",
    b"SlowDown",
    b"RequestLimitExceeded",
];

/// The error a body over [`MAX_ANSWER`] ends with.
#[derive(Debug, thiserror::Error)]
#[error("the answer is over {} MiB", MAX_ANSWER / (1024 * 1024))]
pub struct TooLarge;

/// `response` with its endpoint named and its body capped.
pub fn capped(mut response: HttpResponse, endpoint: &str) -> HttpResponse {
    let _ = response
        .headers_mut()
        .try_insert(FROM_HEADER, endpoint.to_string());
    let declared = response
        .headers()
        .get("content-length")
        .and_then(|v| v.parse::<u64>().ok());
    // Only error answers are looked at: the success path costs nothing more.
    let status = response.status().as_u16();
    if status == 429 {
        THROTTLES.fetch_add(1, Ordering::Relaxed);
    }
    let watch = matches!(status, 400 | 503);
    let body = std::mem::replace(response.body_mut(), SdkBody::taken());
    *response.body_mut() = match declared {
        // Said to be too large: not read at all.
        Some(n) if n > MAX_ANSWER => SdkBody::from_body_1_x(Capped {
            inner: None,
            left: 0,
            watch: false,
        }),
        _ => SdkBody::from_body_1_x(Capped {
            inner: Some(body),
            left: MAX_ANSWER,
            watch,
        }),
    };
    response
}

struct Capped {
    /// None: refused before reading.
    inner: Option<SdkBody>,
    left: u64,
    /// An error answer not yet known to be a throttle: its body is looked at.
    watch: bool,
}

impl Body for Capped {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(Some(Err(Box::new(TooLarge))));
        };
        match Pin::new(inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let n = data.len() as u64;
                    if n > this.left {
                        this.inner = None;
                        return Poll::Ready(Some(Err(Box::new(TooLarge))));
                    }
                    this.left -= n;
                    if this.watch
                        && THROTTLE_WORDS
                            .iter()
                            .any(|w| data.windows(w.len()).any(|d| d == *w))
                    {
                        this.watch = false;
                        THROTTLES.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_some_and(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(SizeHint::default, |b| b.size_hint())
    }
}
