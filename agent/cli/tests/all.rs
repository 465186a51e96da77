//! End-to-end tests of the `berth` binary, run in temporary project folders.

mod suite;
