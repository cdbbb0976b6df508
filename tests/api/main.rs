//! One integration test binary: every test starts the real server on port 0
//! with its own temporary state directory and speaks HTTP to it.

mod crash;
mod helpers;
mod limits;
mod openapi;
mod roles;
mod states;
mod submissions;
mod validation;
