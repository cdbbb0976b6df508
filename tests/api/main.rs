//! One integration test binary: every test starts the real server on port 0
//! with its own temporary state directory and speaks HTTP to it.

mod backup;
mod browser;
mod cli;
mod clusters;
mod crash;
mod distribution;
mod exchange;
mod exports;
mod glossary;
mod helpers;
mod index;
mod input;
mod inquiries;
mod layers;
mod limits;
mod openapi;
mod operations;
mod pages;
mod proposals;
mod readme;
mod roles;
mod search;
mod skos;
mod stall;
mod states;
mod submissions;
mod tbx;
mod validation;
