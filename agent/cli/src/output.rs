//! Writing to the terminal: colour settings, and printing that treats a closed pipe as the end
//! of output rather than an error (`berth plan | head` must not panic). A closed pipe never
//! stops a command part-way (it may be writing files or changing the cluster): later output is
//! dropped, the command finishes, and `main` exits with its status.

use crate::cli::Color;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

pub fn init_color(choice: Color) {
    let on = match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && console::colors_enabled()
        }
    };
    console::set_colors_enabled(on);
    console::set_colors_enabled_stderr(
        on && (choice == Color::Always || console::colors_enabled_stderr()),
    );
}

static CLOSED: AtomicBool = AtomicBool::new(false);

pub fn print(text: &str) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        // The reader went away (a closed pipe): nothing more to say, but the work goes on.
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Human output, every line fitted to the terminal when stdout is one (see `init_width`).
pub fn print_human(text: &str) {
    print(&crate::render::fit_text(text));
}

/// An error and its causes, once each, outermost first: `error: ...\n  caused by: ...`.
pub fn error_message(err: &berth_core::exit::Error) -> String {
    let mut msg = String::new();
    for (i, e) in err.chain().enumerate() {
        let text = e.to_string();
        if i == 0 {
            msg = format!("error: {text}");
        } else if !msg.contains(&text) {
            msg.push_str(&format!("\n  caused by: {text}"));
        }
    }
    msg
}

pub fn eprintln_safe(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Human output fits the terminal when stdout is one; piped output, and JSON, YAML or
/// SARIF anywhere, keep whole lines.
pub fn init_width(output: crate::cli::Output) {
    let term = console::Term::stdout();
    let width = (output == crate::cli::Output::Human && term.is_term())
        .then(|| term.size_checked().map(|(_, cols)| usize::from(cols)))
        .flatten()
        .filter(|w| *w >= 40);
    crate::render::set_width(width);
}
