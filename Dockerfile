# govern for CI: `docker build -t govern .` then
#   docker run --rm -v "$PWD:/work" -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN \
#     -e AWS_REGION govern plan
# The working directory is /work: mount the repository holding org.toml there.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --package govern --bin govern

FROM debian:bookworm-slim
# ca-certificates: the AWS SDK speaks TLS to AWS endpoints.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /home/govern govern
COPY --from=build /src/target/release/govern /usr/local/bin/govern
USER govern
WORKDIR /work
ENTRYPOINT ["govern"]
CMD ["--help"]
