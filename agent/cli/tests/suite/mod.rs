mod common;
mod plan;
mod plan_errors;
mod schema;
