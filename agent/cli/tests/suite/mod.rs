mod common;
mod plan;
mod plan_errors;
mod review;
mod schema;
mod tools;
