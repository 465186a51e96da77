//! Human-readable rendering of what the core returns.

pub mod apply;
pub mod ci;
pub mod diagnose;
pub mod diff;
pub mod html;
pub mod html_diff;
pub mod llm;
pub mod pipeline;
pub mod plan;
pub mod report;
pub mod review;
pub mod status;
pub mod words;
pub mod wrap;

use std::cell::Cell;

thread_local! {
    /// The terminal's width when stdout is one (0: not a terminal, lines are left whole so
    /// that pipes and scripts see everything). Per thread: the CLI renders on its main thread.
    static WIDTH: Cell<usize> = const { Cell::new(0) };
}

/// Fits table rows to `columns` characters from now on (`None`: never cut).
pub fn set_width(columns: Option<usize>) {
    WIDTH.set(columns.unwrap_or(0));
}

/// `text` with every line wider than the terminal wrapped to it (piped: as it is).
pub fn fit_text(text: &str) -> std::borrow::Cow<'_, str> {
    wrap::text(text, WIDTH.get())
}

/// Lays out rows in columns padded to the widest cell; the last column is not padded. On a
/// terminal, rows wider than it wrap their widest column within that column, so every cell
/// (a task's file:line at the end of its row included) stays whole and in its place.
pub fn table(rows: &[Vec<String>], indent: &str) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| console::measure_text_width(s))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let flex = narrow(&mut widths, rows, indent);
    let mut out = String::new();
    for row in rows {
        let cells: Vec<Vec<String>> = row
            .iter()
            .enumerate()
            .map(|(i, c)| match flex.contains(&i) {
                true if row[i + 1..].iter().all(String::is_empty) => {
                    wrap::cell(c, last_room(&widths[..i], indent))
                }
                true => wrap::cell(c, widths[i]),
                false => vec![c.clone()],
            })
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let mut line = indent.to_string();
            for (i, cell) in cells.iter().enumerate() {
                let part = cell.get(k).map_or("", String::as_str);
                line.push_str(part);
                if i + 1 < cells.len() {
                    let pad = widths[i] - console::measure_text_width(part).min(widths[i]);
                    line.push_str(&" ".repeat(pad + 2));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// A row's last filled cell has the rest of the terminal, the empty columns after it included.
fn last_room(before: &[usize], indent: &str) -> usize {
    let used = console::measure_text_width(indent) + before.iter().map(|w| w + 2).sum::<usize>();
    WIDTH.get().saturating_sub(used).max(12)
}

/// On a terminal narrower than the table, narrows its widest columns in turn (none below 12
/// columns) until it fits, and says which were narrowed: columns of prose first, then, only
/// if that is not enough, columns of names and paths (which break after a `/`, `-` or `.`).
fn narrow(widths: &mut [usize], rows: &[Vec<String>], indent: &str) -> Vec<usize> {
    let prose: Vec<usize> = (0..widths.len())
        .filter(|&c| {
            rows.iter()
                .any(|r| r.get(c).is_some_and(|s| s.contains(' ')))
        })
        .collect();
    let mut narrowed = narrow_among(widths, &prose, indent);
    let all: Vec<usize> = (0..widths.len()).collect();
    for c in narrow_among(widths, &all, indent) {
        if !narrowed.contains(&c) {
            narrowed.push(c);
        }
    }
    narrowed
}

fn narrow_among(widths: &mut [usize], columns: &[usize], indent: &str) -> Vec<usize> {
    const LEAST: usize = 12;
    let term = WIDTH.get();
    let fixed = console::measure_text_width(indent) + 2 * widths.len().saturating_sub(1);
    let mut narrowed = Vec::new();
    while term > 0 && fixed + widths.iter().sum::<usize>() > term {
        let over = fixed + widths.iter().sum::<usize>() - term;
        let mut order = columns.to_vec();
        order.sort_by_key(|&i| std::cmp::Reverse(widths[i]));
        let Some(&widest) = order.first().filter(|&&i| widths[i] > LEAST) else {
            break;
        };
        let next = order.get(1).map_or(0, |&i| widths[i]);
        let to = widths[widest].saturating_sub(over).max(next).max(LEAST);
        widths[widest] = to.min(widths[widest] - 1);
        if !narrowed.contains(&widest) {
            narrowed.push(widest);
        }
    }
    narrowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_wrap_their_widest_column_on_a_terminal_and_piped_rows_stay_whole() {
        let rows = vec![
            vec![
                "[ ]".to_string(),
                "T001".to_string(),
                "创建项目结构，并把每一个服务的目录都放到它该在的地方".to_string(),
                "tasks.md:7".to_string(),
            ],
            vec![
                "[x]".into(),
                "T002".into(),
                "Short".into(),
                "tasks.md:8".into(),
            ],
        ];
        let whole = table(&rows, "  ");
        set_width(Some(40));
        let narrow = table(&rows, "  ");
        set_width(None);
        assert_eq!(whole.lines().count(), 2);
        assert!(console::measure_text_width(whole.lines().next().unwrap()) > 40);
        assert!(narrow.lines().count() > 2, "{narrow}");
        assert!(
            narrow.lines().all(|l| console::measure_text_width(l) <= 40),
            "{narrow}"
        );
        let first = narrow.lines().next().unwrap();
        assert!(
            first.starts_with("  [ ]  T001  ") && first.ends_with("tasks.md:7"),
            "{narrow}"
        );
        assert!(narrow.contains("T002  Short"), "{narrow}");
        assert_eq!(table(&rows, "  "), whole);
    }
}
