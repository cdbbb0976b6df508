//! One integration test binary: every test starts the real server on port 0
//! with its own temporary state directory and speaks HTTP to it.

mod clusters;
mod crash;
mod glossary;
mod helpers;
mod index;
mod limits;
mod openapi;
mod proposals;
mod roles;
mod search;
mod states;
mod submissions;
mod validation;
