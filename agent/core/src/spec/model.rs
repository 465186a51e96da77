//! The `Spec` types: what berth understood of a folder of Spec-Kit markdown, each item with the
//! file and line it came from.

use crate::source::Location;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Spec {
    /// The spec's name: its folder's name.
    pub name: String,
    /// The spec folder (or file), relative to the project root.
    pub path: String,
    /// The first top-level heading, if any.
    pub title: Option<String>,
    pub files: Vec<SpecFile>,
    pub sections: Vec<Section>,
    /// `**Key**: value` pairs under a "Technical Context" heading.
    pub context: Vec<ContextEntry>,
    pub stories: Vec<Story>,
    pub requirements: Vec<Requirement>,
    /// Constitution Check and Gates items.
    pub gates: Vec<GateItem>,
    pub phases: Vec<Phase>,
    pub tasks: Vec<SpecTask>,
    /// Checklist items that belong to no task or gate.
    pub checklists: Vec<CheckItem>,
    /// Tick marks read from a tasks.md berth generated earlier: task id to done, and for each
    /// task its checklist items' text to done.
    #[serde(skip)]
    pub ticks: BTreeMap<String, Ticks>,
    /// Files of a folder in which berth found nothing it reads (a plan in prose, another
    /// language's headings): skipped, and said so, while the others are read.
    #[serde(skip)]
    pub skipped: Vec<String>,
    /// Every `[NEEDS CLARIFICATION: ...]` marker, wherever it is (a requirement, a Technical
    /// Context value, prose), with the line it is on.
    #[serde(skip)]
    pub open_questions: Vec<(crate::source::Location, String)>,
    /// The folders a plan's Project Structure tree names (`backend/src/api`), with their line.
    #[serde(skip)]
    pub structure: Vec<(crate::source::Location, String)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ticks {
    pub done: bool,
    pub items: BTreeMap<String, bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SpecFileKind {
    Spec,
    Plan,
    Tasks,
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SpecFile {
    pub path: String,
    pub kind: SpecFileKind,
    /// True for a tasks.md that berth generated: it is read for tick marks only.
    pub generated: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Section {
    pub title: String,
    pub level: u8,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ContextEntry {
    pub key: String,
    pub value: String,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Story {
    /// `US1` for "User Story 1".
    pub id: String,
    pub title: String,
    /// `P1`, `P2`, ... when the heading gives one.
    pub priority: Option<String>,
    pub acceptance: Vec<String>,
    /// The ids of the tasks that serve it (tagged `[US1]`, or under its phase).
    #[serde(default)]
    pub tasks: Vec<String>,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RequirementKind {
    Functional,
    NonFunctional,
    SuccessCriterion,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Requirement {
    /// `FR-001`, `NFR-002`, `SC-003`.
    pub id: String,
    pub kind: RequirementKind,
    pub text: String,
    /// The story it sits under, if any.
    pub story: Option<String>,
    /// True when the text still says `[NEEDS CLARIFICATION ...]`.
    pub needs_clarification: bool,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GateSource {
    Constitution,
    Gate,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct GateItem {
    pub source: GateSource,
    /// The sub-heading it sits under ("Container-First Architecture", "Gate 1: ...").
    pub group: Option<String>,
    pub text: String,
    pub checked: bool,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Phase {
    /// What follows "Phase": `0`, `1`, `N`.
    pub id: String,
    pub title: String,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CheckItem {
    pub text: String,
    pub checked: bool,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SpecTask {
    /// `R0.1`, `D1.3`, `T001`.
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// The id of the phase it sits under.
    pub phase: Option<String>,
    /// Marked `[P]`: can run in parallel.
    pub parallel: bool,
    /// Marked `[US1]`, or under a user story's phase.
    pub story: Option<String>,
    /// Its own check box, for tasks.md-style tasks.
    pub checked: Option<bool>,
    pub checklist: Vec<CheckItem>,
    /// Task ids named in "depends on ..." text.
    pub depends_on: Vec<String>,
    pub location: Location,
}

impl SpecTask {
    /// Done when its own box is ticked, or when it has a checklist and every item is ticked.
    pub fn done(&self) -> bool {
        self.checked
            .unwrap_or(!self.checklist.is_empty() && self.checklist.iter().all(|c| c.checked))
    }
}

impl Spec {
    /// How many recognisable Spec-Kit items were found: zero means the markdown is not a spec.
    pub fn item_count(&self) -> usize {
        self.context.len()
            + self.stories.len()
            + self.requirements.len()
            + self.gates.len()
            + self.phases.len()
            + self.tasks.len()
    }
}
