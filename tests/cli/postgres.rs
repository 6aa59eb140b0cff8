//! PostgreSQL only: what the other backend lacks (SPEC §8).
