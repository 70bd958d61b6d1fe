//! Plan → text / JSON. (being written)
