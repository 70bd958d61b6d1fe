//! org.toml → Desired. (being written)
