//! Blocks of one markdown file in, Spec-Kit items (context, stories, requirements, gates,
//! phases, tasks, checklists) out. Parsing goes by structure (headings, ids, check boxes), not
//! by exact wording, because real plans drift from the templates.

use super::markdown::Block;
use super::model::*;
use crate::source::Location;
use regex::Regex;
use std::sync::LazyLock;

static PHASE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^phase\s+([0-9]+(?:\.[0-9]+)*[a-z]?|[a-z])\b\s*[:.\-–—]?\s*(.*)$"));
static STORY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)user\s+story\s+([0-9]+)\s*[:.\-–—：]?\s*([^(（]*)(?:[(（]\s*priority\s*[:：]\s*(P[0-9]+)\s*[)）])?",
    )
});
/// The template's story heading in another language: "用户故事 1 - 发送消息（优先级：P1）". Without
/// the English words, the number, the dash and the priority in brackets are what says it.
static STORY_ANY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[^0-9(（]{1,30}?\s*([0-9]+)\s*[:.\-–—：]\s*([^(（]+?)\s*[(（][^:：)）]{1,20}[:：]\s*(P[0-9]+)\s*[)）]",
    )
});
/// A tasks.md phase heading in another language: "阶段 1：设置", "Fase 3.1: Pruebas".
static PHASE_ANY: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[^0-9:：]{1,20}?\s*([0-9]+(?:\.[0-9]+)*)\s*[:：]\s*(.+)$"));
/// A plan task heading: `R0.1: Title`, `D1.3 - Title`, `T001 Title`.
static TASK_HEADING: LazyLock<Regex> =
    LazyLock::new(|| re(r"^([A-Z][A-Z0-9]*[0-9]+(?:\.[0-9]+)+|T[0-9]{3,})\b\s*[:.\-–—]?\s*(.+)$"));
/// A tasks.md line: `T001 [P] [US1] Description`.
static TASK_LINE: LazyLock<Regex> = LazyLock::new(|| re(r"^(T[0-9]{3,})\b\s*(.*)$"));
static MARKER: LazyLock<Regex> = LazyLock::new(|| re(r"^\[([A-Za-z0-9]+)\]\s*"));
static REQUIREMENT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^((?:[A-Z]{0,3}R|SC)-[0-9]+[a-z]?)\s*[:：]?\s*(.*)$"));
static DEPENDS: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)depends\s+on\s+([^)]*)"));
static TASK_REF: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b([A-Z][A-Z0-9]*[0-9]+(?:\.[0-9]+)+|T[0-9]{3,})\b"));
static CONTEXT_LINE: LazyLock<Regex> = LazyLock::new(|| re(r"^([^:：]{1,60})[:：]\s*(.*)$"));

fn re(p: &str) -> Regex {
    // The patterns are literals checked by the tests below.
    Regex::new(p).unwrap_or_else(|e| panic!("bad built-in pattern {p}: {e}"))
}

#[derive(Debug, Clone, PartialEq)]
enum Scope {
    Context,
    Constitution,
    Gates,
    Phase(String),
    Story(String),
    Task(usize),
    Other,
}

struct Frame {
    level: u8,
    scope: Scope,
    title: String,
}

/// Adds what one file says to `spec`. `file` is the path shown in locations.
pub fn interpret(spec: &mut Spec, file: &str, blocks: &[Block]) {
    let mut stack: Vec<Frame> = Vec::new();
    // The task a checklist belongs to; a tasks.md task line owns the items nested under it.
    let mut item_owner: Option<(usize, usize)> = None;

    for block in blocks {
        match block {
            Block::Heading { level, text, line } => {
                stack.retain(|f| f.level < *level);
                item_owner = None;
                let loc = Location::new(file, *line);
                if *level == 1 && spec.title.is_none() {
                    spec.title = Some(text.clone());
                }
                spec.sections.push(Section {
                    title: text.clone(),
                    level: *level,
                    location: loc.clone(),
                });
                let scope = heading_scope(spec, text, loc, &stack);
                stack.push(Frame {
                    level: *level,
                    scope,
                    title: text.clone(),
                });
            }
            Block::Item {
                depth,
                checked,
                lead,
                text,
                line,
            } => {
                let loc = Location::new(file, *line);
                if let Some((owner_depth, task)) = item_owner {
                    if *depth > owner_depth {
                        if let Some(checked) = checked {
                            spec.tasks[task].checklist.push(CheckItem {
                                text: text.clone(),
                                checked: *checked,
                                location: loc,
                            });
                        }
                        continue;
                    }
                    item_owner = None;
                }
                if let Some(req) = requirement(text, lead.as_deref(), &stack, &loc) {
                    spec.requirements.push(req);
                    continue;
                }
                let Some(checked) = *checked else {
                    item_without_box(spec, &stack, lead.as_deref(), text, loc);
                    continue;
                };
                if let Some(task) = task_line(text, checked, &stack, loc.clone()) {
                    spec.tasks.push(task);
                    item_owner = Some((*depth, spec.tasks.len() - 1));
                    continue;
                }
                let item = CheckItem {
                    text: text.clone(),
                    checked,
                    location: loc,
                };
                match innermost(&stack) {
                    Some((Scope::Task(i), _)) => spec.tasks[i].checklist.push(item),
                    Some((Scope::Constitution | Scope::Gates, _)) => {
                        spec.gates.push(gate(&stack, item))
                    }
                    _ => spec.checklists.push(item),
                }
            }
            Block::Code { text, line } => {
                let in_structure = stack.iter().any(|f| {
                    let t = f.title.to_lowercase();
                    t.contains("structure") || t.contains("source code")
                });
                if in_structure {
                    for (offset, path) in tree_paths(text) {
                        spec.structure
                            .push((Location::new(file, line + offset), path));
                    }
                }
            }
            Block::Line { lead, text, line } => {
                let loc = Location::new(file, *line);
                if let Some(req) = requirement(text, lead.as_deref(), &stack, &loc) {
                    spec.requirements.push(req);
                    continue;
                }
                match innermost(&stack) {
                    Some((Scope::Context, _)) => push_context(spec, lead.as_deref(), text, loc),
                    Some((Scope::Task(i), _))
                        if lead
                            .as_deref()
                            .is_some_and(|l| l.eq_ignore_ascii_case("task")) =>
                    {
                        let desc = value_after_lead(text);
                        spec.tasks[i].depends_on.extend(depends_on(&desc));
                        spec.tasks[i].description = Some(desc);
                    }
                    _ => {}
                }
            }
        }
    }
}

fn heading_scope(spec: &mut Spec, text: &str, loc: Location, stack: &[Frame]) -> Scope {
    let lower = text.to_lowercase();
    if let Some(c) = TASK_HEADING.captures(text) {
        let phase = enclosing_phase(stack);
        let title = c[2].trim().to_string();
        spec.tasks.push(SpecTask {
            id: c[1].to_string(),
            depends_on: depends_on(&title),
            title,
            description: None,
            phase,
            parallel: false,
            story: enclosing_story(stack),
            checked: None,
            checklist: Vec::new(),
            location: loc,
        });
        return Scope::Task(spec.tasks.len() - 1);
    }
    if let Some(c) = PHASE.captures(text) {
        let id = c[1].to_string();
        let title = c[2].trim().to_string();
        spec.phases.push(Phase {
            id: id.clone(),
            title: title.clone(),
            location: loc.clone(),
        });
        // A tasks.md phase can be a user story: "Phase 3: User Story 1 - Browse (Priority: P1)".
        if let Some(story) = story_heading(spec, &title, loc) {
            return Scope::Story(format!("{id}\u{0}{story}"));
        }
        return Scope::Phase(id);
    }
    if let Some(story) = story_heading(spec, text, loc.clone()) {
        return Scope::Story(story);
    }
    if loc.file.ends_with("tasks.md") && !text.is_ascii() {
        if let Some(c) = PHASE_ANY.captures(text) {
            spec.phases.push(Phase {
                id: c[1].to_string(),
                title: c[2].trim().to_string(),
                location: loc,
            });
            return Scope::Phase(c[1].to_string());
        }
    }
    if lower.contains("constitution check") || lower == "constitution" {
        Scope::Constitution
    } else if lower == "gates"
        || lower.starts_with("gate ")
        || lower.starts_with("gates ")
        || lower.contains("quality gates")
    {
        Scope::Gates
    } else if lower.contains("technical context") {
        Scope::Context
    } else {
        Scope::Other
    }
}

fn story_heading(spec: &mut Spec, text: &str, loc: Location) -> Option<String> {
    let c = STORY.captures(text).or_else(|| STORY_ANY.captures(text))?;
    let id = format!("US{}", &c[1]);
    if !spec.stories.iter().any(|s| s.id == id) {
        let title = c[2]
            .trim()
            .trim_end_matches(['-', '–', '—', '：', ':'])
            .trim()
            .to_string();
        spec.stories.push(Story {
            id: id.clone(),
            title,
            priority: c.get(3).map(|m| m.as_str().to_string()),
            acceptance: Vec::new(),
            tasks: Vec::new(),
            location: loc,
        });
    }
    Some(id)
}

/// The innermost frame that means something, with its index.
fn innermost(stack: &[Frame]) -> Option<(Scope, usize)> {
    stack
        .iter()
        .enumerate()
        .rev()
        .find(|(_, f)| f.scope != Scope::Other)
        .map(|(i, f)| (f.scope.clone(), i))
}

fn enclosing_phase(stack: &[Frame]) -> Option<String> {
    stack.iter().rev().find_map(|f| match &f.scope {
        Scope::Phase(id) => Some(id.clone()),
        Scope::Story(s) => s.split_once('\u{0}').map(|(p, _)| p.to_string()),
        _ => None,
    })
}

fn enclosing_story(stack: &[Frame]) -> Option<String> {
    stack.iter().rev().find_map(|f| match &f.scope {
        Scope::Story(s) => Some(s.rsplit('\u{0}').next().unwrap_or(s).to_string()),
        _ => None,
    })
}

fn gate(stack: &[Frame], item: CheckItem) -> GateItem {
    let (scope, at) = innermost(stack).unwrap_or((Scope::Other, 0));
    let source = if scope == Scope::Constitution {
        GateSource::Constitution
    } else {
        GateSource::Gate
    };
    // The group is the nearest heading below the Constitution/Gates heading, if any.
    let group = stack
        .last()
        .filter(|_| stack.len() > at + 1)
        .map(|f| f.title.clone())
        .or_else(|| {
            (source == GateSource::Gate && stack[at].title.to_lowercase().starts_with("gate "))
                .then(|| stack[at].title.clone())
        });
    GateItem {
        source,
        group,
        text: item.text,
        checked: item.checked,
        location: item.location,
    }
}

fn task_line(text: &str, checked: bool, stack: &[Frame], location: Location) -> Option<SpecTask> {
    let c = TASK_LINE.captures(text)?;
    let mut rest = c[2].to_string();
    let (mut parallel, mut story) = (false, enclosing_story(stack));
    while let Some(m) = MARKER.captures(&rest) {
        let tag = m[1].to_string();
        if tag.eq_ignore_ascii_case("p") {
            parallel = true;
        } else if tag.to_uppercase().starts_with("US") {
            story = Some(tag.to_uppercase());
        }
        rest = rest[m[0].len()..].to_string();
    }
    Some(SpecTask {
        id: c[1].to_string(),
        depends_on: depends_on(&rest),
        title: rest.trim().to_string(),
        description: None,
        phase: enclosing_phase(stack),
        parallel,
        story,
        checked: Some(checked),
        checklist: Vec::new(),
        location,
    })
}

fn requirement(
    text: &str,
    lead: Option<&str>,
    stack: &[Frame],
    loc: &Location,
) -> Option<Requirement> {
    let c = REQUIREMENT.captures(text)?;
    // Only a line that starts with the id defines it; a mention elsewhere only refers to it.
    if lead.is_some_and(|l| !l.starts_with(&c[1])) {
        return None;
    }
    let id = c[1].to_string();
    let kind = match id.split('-').next() {
        Some("SC") => RequirementKind::SuccessCriterion,
        Some("NFR") => RequirementKind::NonFunctional,
        _ => RequirementKind::Functional,
    };
    let body = c[2].trim().to_string();
    Some(Requirement {
        needs_clarification: body.to_uppercase().contains("NEEDS CLARIFICATION"),
        id,
        kind,
        text: body,
        story: enclosing_story(stack),
        location: loc.clone(),
    })
}

fn item_without_box(
    spec: &mut Spec,
    stack: &[Frame],
    lead: Option<&str>,
    text: &str,
    loc: Location,
) {
    match innermost(stack) {
        Some((Scope::Context, _)) => push_context(spec, lead, text, loc),
        Some((Scope::Story(s), _)) => {
            let id = s.rsplit('\u{0}').next().unwrap_or(&s).to_string();
            let lower = text.to_lowercase();
            // The template bolds its keywords (**Given** ..., **When** ..., **Then** ...), in
            // whatever language: an item that opens with a bold word that is not a `Key:`
            // label is a scenario as surely as one that says "Given".
            let keyword = lead.is_some_and(|l| {
                !text[l.len().min(text.len())..]
                    .trim_start()
                    .starts_with([':', '：'])
            });
            if lower.starts_with("given") || lower.contains(" when ") || keyword {
                if let Some(story) = spec.stories.iter_mut().find(|st| st.id == id) {
                    story.acceptance.push(text.to_string());
                }
            }
        }
        _ => {}
    }
}

fn push_context(spec: &mut Spec, lead: Option<&str>, text: &str, location: Location) {
    if lead.is_none() {
        return;
    }
    if let Some(c) = CONTEXT_LINE.captures(text) {
        let value = c[2].trim().to_string();
        spec.context.push(ContextEntry {
            key: c[1].trim().to_string(),
            value,
            location,
        });
    }
}

/// The folders of a directory tree as plans draw it (`├── src/`, `│   └── api/`, or plain
/// indentation), each as a path from the tree's top with its line offset. Files (no trailing
/// `/` and a dot in the name) and `# comments` are left out.
fn tree_paths(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split(" #").next().unwrap_or_default();
        let Some(start) = line
            .char_indices()
            .find(|(_, c)| {
                !matches!(
                    c,
                    ' ' | '\t' | '│' | '├' | '└' | '─' | '|' | '`' | '-' | '+'
                )
            })
            .map(|(at, _)| line[..at].chars().count())
        else {
            continue;
        };
        let name: String = line
            .chars()
            .skip(start)
            .collect::<String>()
            .trim()
            .to_string();
        let is_dir = name.ends_with('/');
        let name = name.trim_end_matches('/').to_string();
        if name.is_empty() || name.contains(char::is_whitespace) || name.contains("..") {
            continue;
        }
        while stack.last().is_some_and(|(indent, _)| *indent >= start) {
            stack.pop();
        }
        if !is_dir && name.contains('.') {
            continue;
        }
        stack.push((start, name));
        let path: Vec<&str> = stack.iter().map(|(_, n)| n.as_str()).collect();
        out.push((i, path.join("/")));
    }
    out
}

fn value_after_lead(text: &str) -> String {
    text.split_once(':')
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| text.to_string())
}

fn depends_on(text: &str) -> Vec<String> {
    DEPENDS
        .captures(text)
        .map(|c| {
            TASK_REF
                .captures_iter(&c[1])
                .map(|m| m[1].to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::markdown::blocks;

    fn parse(md: &str) -> Spec {
        let mut spec = Spec::default();
        interpret(&mut spec, "f.md", &blocks(md));
        spec
    }

    #[test]
    fn a_spec_in_another_language_keeps_the_templates_structure() {
        let s = parse(concat!(
            "### 用户故事 1 - 发送消息（优先级：P1）\n\n",
            "1. **假设** 用户已登录，**当** 用户发送消息，**那么** 消息出现。\n\n",
            "### Historia de usuario 2 - Ver historial (Prioridad: P2)\n\n",
            "- **FR-001**：系统必须允许用户发送消息。\n",
        ));
        let stories: Vec<_> = s
            .stories
            .iter()
            .map(|st| (st.id.as_str(), st.title.as_str(), st.priority.as_deref()))
            .collect();
        assert_eq!(
            stories,
            [
                ("US1", "发送消息", Some("P1")),
                ("US2", "Ver historial", Some("P2"))
            ]
        );
        assert_eq!(s.stories[0].acceptance.len(), 1);
        assert_eq!(s.requirements[0].text, "系统必须允许用户发送消息。");
    }

    #[test]
    fn a_tasks_file_in_another_language_has_phases_and_a_plain_heading_is_no_story() {
        let mut spec = Spec::default();
        let md = "## 阶段 1：设置\n\n- [ ] T001 创建项目\n\n## 第 2 节 说明\n";
        interpret(&mut spec, "specs/x/tasks.md", &blocks(md));
        assert_eq!(spec.phases.len(), 1);
        assert_eq!(
            (spec.phases[0].id.as_str(), spec.phases[0].title.as_str()),
            ("1", "设置")
        );
        assert_eq!(spec.tasks[0].phase.as_deref(), Some("1"));
        assert!(spec.stories.is_empty());
    }

    #[test]
    fn plan_tasks_get_their_checklists_and_phase() {
        let s = parse(
            "## Phase 1: Build\n\n### B1.1: Make it\n**Task**: Do the thing (depends on A0.1)\n- [x] first\n- [ ] second\n\n### B1.2 Other\n- [ ] third\n",
        );
        assert_eq!(s.phases.len(), 1);
        assert_eq!(s.tasks.len(), 2);
        let t = &s.tasks[0];
        assert_eq!(
            (t.id.as_str(), t.title.as_str(), t.phase.as_deref()),
            ("B1.1", "Make it", Some("1"))
        );
        assert_eq!(
            t.description.as_deref(),
            Some("Do the thing (depends on A0.1)")
        );
        assert_eq!(t.depends_on, vec!["A0.1"]);
        assert_eq!(t.checklist.len(), 2);
        assert_eq!(t.checklist[1].location.line, 6);
        assert!(!t.done());
        assert_eq!(s.tasks[1].checklist.len(), 1);
    }

    #[test]
    fn tasks_md_lines_with_markers() {
        let s = parse(
            "## Phase 3: User Story 1 - Browse items (Priority: P1) 🎯 MVP\n\n- [ ] T012 [P] [US1] Create model (depends on T010, T011)\n- [x] T013 Wire it\n",
        );
        assert_eq!(s.stories[0].id, "US1");
        assert_eq!(s.stories[0].priority.as_deref(), Some("P1"));
        assert_eq!(s.stories[0].title, "Browse items");
        let t = &s.tasks[0];
        assert!(t.parallel);
        assert_eq!(t.story.as_deref(), Some("US1"));
        assert_eq!(t.phase.as_deref(), Some("3"));
        assert_eq!(t.title, "Create model (depends on T010, T011)");
        assert_eq!(t.depends_on, vec!["T010", "T011"]);
        assert!(s.tasks[1].done());
        assert_eq!(s.tasks[1].story.as_deref(), Some("US1"));
    }

    #[test]
    fn requirements_gates_and_context() {
        let s = parse(concat!(
            "## Technical Context\n**Language/Version**: Rust 1.95\n**Storage**: N/A\n\n",
            "## Requirements\n- **FR-001**: System MUST list items\n- **FR-002**: System MUST [NEEDS CLARIFICATION: which auth?]\n",
            "## Success Criteria\n- **SC-001**: Page loads in 1 s\n",
            "## Constitution Check\n### Security\n- [ ] Containers run as non-root\n",
            "## Gates\n### Gate 1: Fit\n- [x] Fits in Minikube\n",
        ));
        assert_eq!(s.context.len(), 2);
        assert_eq!(
            (s.context[0].key.as_str(), s.context[0].value.as_str()),
            ("Language/Version", "Rust 1.95")
        );
        assert_eq!(s.requirements.len(), 3);
        assert!(s.requirements[1].needs_clarification);
        assert_eq!(s.requirements[2].kind, RequirementKind::SuccessCriterion);
        assert_eq!(s.gates.len(), 2);
        assert_eq!(s.gates[0].source, GateSource::Constitution);
        assert_eq!(s.gates[0].group.as_deref(), Some("Security"));
        assert_eq!(s.gates[1].group.as_deref(), Some("Gate 1: Fit"));
        assert!(s.gates[1].checked);
    }

    #[test]
    fn nested_items_under_a_task_line_are_its_checklist() {
        let s = parse("## Phase 1\n- [ ] T001 Build\n  - [x] compile\n  - [ ] link\n- [ ] loose\n");
        assert_eq!(s.tasks[0].checklist.len(), 2);
        assert_eq!(s.checklists.len(), 1);
    }

    #[test]
    fn a_plans_project_structure_gives_its_folders() {
        let s = parse(
            "## Project Structure\n\n### Source Code (repository root)\n\n```text\nphase-5/\n├── services/\n│   ├── chat-api/      # FastAPI\n│   │   └── main.py\n│   └── notify/\n└── web/\n    └── src/\n\nREADME.md\n```\n\n## Other\n\n```\nnot/\n```\n",
        );
        let paths: Vec<(usize, &str)> = s
            .structure
            .iter()
            .map(|(l, p)| (l.line, p.as_str()))
            .collect();
        assert_eq!(
            paths,
            [
                (6, "phase-5"),
                (7, "phase-5/services"),
                (8, "phase-5/services/chat-api"),
                (10, "phase-5/services/notify"),
                (11, "phase-5/web"),
                (12, "phase-5/web/src"),
            ]
        );
    }
}
