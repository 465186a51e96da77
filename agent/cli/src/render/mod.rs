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

/// Cuts a line wider than the terminal, ending it with `…`.
fn fit(line: &str) -> std::borrow::Cow<'_, str> {
    match WIDTH.get() {
        0 => line.into(),
        w => console::truncate_str(line, w, "…"),
    }
}

/// Lays out rows in columns padded to the widest cell; the last column is not padded. On a
/// terminal, a row wider than it is cut to fit.
pub fn table(rows: &[Vec<String>], indent: &str) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| console::measure_text_width(s))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = indent.to_string();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[i] - console::measure_text_width(cell) + 2));
            }
        }
        out.push_str(&fit(line.trim_end()));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_fit_the_terminal_and_piped_rows_stay_whole() {
        let rows = vec![vec![
            "[ ]".to_string(),
            "T001".to_string(),
            "创建项目结构，并把每一个服务的目录都放到它该在的地方".to_string(),
        ]];
        let whole = table(&rows, "  ");
        set_width(Some(40));
        let cut = table(&rows, "  ");
        set_width(None);
        assert!(console::measure_text_width(whole.trim_end()) > 40);
        assert_eq!(console::measure_text_width(cut.trim_end()), 40, "{cut}");
        assert!(cut.trim_end().ends_with('…'), "{cut}");
        assert_eq!(table(&rows, "  "), whole);
    }
}
