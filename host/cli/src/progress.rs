//! What a long command (deploy, upgrade, plugin install) shows while it waits. On a terminal: a
//! spinner line with the elapsed time and what is happening now (indicatif), each change also
//! printed above it; otherwise (a pipe, a log, CI) plain lines `[  1.2s] …` as they come, and
//! nothing that redraws.

use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
}

impl Progress {
    /// Progress for a command; `shown` false (structured output) shows nothing at all. A
    /// spinner only when stderr is a terminal and `DVB_NO_PROGRESS` is not set.
    pub fn new(shown: bool) -> Self {
        let terminal = std::io::stderr().is_terminal() && std::env::var_os("DVB_NO_PROGRESS").is_none();
        let bar = (shown && terminal).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self {
            bar: bar.or(if shown { None } else { Some(ProgressBar::hidden()) }),
            started: Instant::now(),
        }
    }

    /// A line that stays: above the spinner on a terminal, else on stderr.
    pub fn line(&self, text: &str) {
        let line = format!("[{:>5.1}s] {text}", self.started.elapsed().as_secs_f64());
        match &self.bar {
            Some(bar) if bar.is_hidden() => {}
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// What is happening now: the spinner's text on a terminal; nothing otherwise (the lines
    /// say it).
    pub fn now(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(text.to_string());
        }
    }

    /// Clears the spinner; the lines printed stay.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
