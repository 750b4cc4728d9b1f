//! Drawing the model: one frame, made afresh for whatever size the
//! terminal has now (ratatui redraws only the cells that changed).

use std::time::{Duration, Instant};

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Sparkline, Table, TableState, Wrap};
use ratatui::Frame;

use super::history::WINDOW;
use super::input::HELP;
use super::model::{Link, Mode, Model};
use crate::printable::printable;

/// Draws the whole screen.
pub(crate) fn draw(frame: &mut Frame<'_>, model: &Model, now: Instant) {
    let [header, pool, spark, tables, status, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Fill(1),
        // Two rows, so that a server's refusal is read whole on 80 columns.
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_header(frame, model, header);
    draw_pool(frame, model, pool);
    draw_sparkline(frame, model, spark);
    // Side by side where there is room for both tables, else one above
    // the other.
    let [groups, tasks] = if tables.width >= 100 {
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(tables)
    } else {
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(tables)
    };
    draw_groups(frame, model, groups);
    draw_tasks(frame, model, tasks);
    draw_status(frame, model, now, status);
    frame.render_widget(Paragraph::new(HELP).style(Style::new().add_modifier(Modifier::DIM)), help);
}

fn draw_header(frame: &mut Frame<'_>, model: &Model, area: Rect) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut spans = vec![Span::styled("taskpool-ctl top", bold), Span::raw("  ")];
    match model.server() {
        Some(server) => {
            // Everything from the server is escaped: a pool or group name
            // must not drive the terminal.
            spans.push(Span::styled(printable(&server.pool, false).into_owned(), bold));
            let read_only = if server.read_only { ", read-only" } else { "" };
            spans.push(Span::raw(format!(" ({}{read_only})", printable(&server.pool_kind, false))));
        }
        None => spans.push(Span::raw("(not connected yet)")),
    }
    spans.push(Span::raw(format!("  {}", model.target())));
    frame.render_widget(Line::from(spans), area);
}

fn draw_pool(frame: &mut Frame<'_>, model: &Model, area: Rect) {
    let block = Block::new().borders(Borders::ALL).title(" pool ");
    let Some(status) = model.status() else {
        frame.render_widget(Paragraph::new("waiting for the first status").block(block), area);
        return;
    };
    let size = status.pool_size.map_or_else(|| "unlimited".to_owned(), |s| s.to_string());
    let (state, state_style) = match (status.closed, status.locked) {
        (true, _) => ("closed", Style::new().fg(Color::Red)),
        (false, true) => ("locked", Style::new().fg(Color::Yellow)),
        (false, false) => ("open", Style::new().fg(Color::Green)),
    };
    let counts = Line::from(vec![
        Span::raw(format!("size {size}   running {}   waiting {}   ", status.running, status.waiting)),
        Span::styled(state, state_style),
    ]);
    // Rates need two polls of the same session.
    let rate = |rate: Option<f64>| rate.map_or_else(|| "-".to_owned(), |r| format!("{r:.1}"));
    let rates = model.rates();
    let per_second = Line::from(format!(
        "per second  started {}   ended {}   cancelled {}   failed {}",
        rate(rates.map(|r| r.started)),
        rate(rates.map(|r| r.ended)),
        rate(rates.map(|r| r.cancelled)),
        rate(rates.map(|r| r.failed)),
    ));
    let in_all = Line::from(format!(
        "in all      ended {}   cancelled {}   failed {}",
        status.ended, status.cancelled, status.failed
    ));
    frame.render_widget(Paragraph::new(vec![counts, per_second, in_all]).block(block), area);
}

fn draw_sparkline(frame: &mut Frame<'_>, model: &Model, area: Rect) {
    let history = model.history();
    let max = history.max();
    let title = format!(" running, last {}s (max {max}) ", WINDOW.as_secs());
    let block = Block::new().borders(Borders::ALL).title(title);
    let width = usize::from(block.inner(area).width);
    let data = history.last(width);
    // Max at least 1: an idle pool draws as an empty line, not a full one.
    // Seconds without a poll (the server away) are gaps.
    let sparkline =
        Sparkline::default().block(block).data(&data).max(max.max(1)).style(Style::new().fg(Color::Cyan));
    frame.render_widget(sparkline, area);
}

fn draw_groups(frame: &mut Frame<'_>, model: &Model, area: Rect) {
    let groups = model.status().map(|s| s.groups.as_slice()).unwrap_or_default();
    let title = match model.status() {
        Some(s) if s.groups_truncated => format!(" groups ({} of {}) ", s.groups.len(), s.num_groups),
        _ => format!(" groups ({}) ", groups.len()),
    };
    let rows = groups.iter().map(|g| {
        Row::new([
            printable(&g.name, false).into_owned(),
            printable(&g.kind, false).into_owned(),
            g.tasks.to_string(),
            g.started.to_string(),
            if g.spawning { "yes" } else { "no" }.to_owned(),
        ])
    });
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(10),
        Constraint::Length(7),
        Constraint::Length(9),
        Constraint::Length(8),
    ];
    let table = Table::new(rows, widths)
        .header(
            Row::new(["GROUP", "KIND", "TASKS", "STARTED", "SPAWNING"])
                .style(Style::new().add_modifier(Modifier::BOLD)),
        )
        .block(Block::new().borders(Borders::ALL).title(title))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol("> ");
    let mut state = TableState::default().with_selected(model.selected().map(|(index, _)| index));
    frame.render_stateful_widget(table, area, &mut state);
}

fn draw_tasks(frame: &mut Frame<'_>, model: &Model, area: Rect) {
    let (tasks, title) = match model.tasks() {
        Some(reply) => (reply.tasks.as_slice(), format!(" oldest running tasks ({} in all) ", reply.total)),
        None => (&[][..], " oldest running tasks (not available) ".to_owned()),
    };
    let rows = tasks
        .iter()
        .map(|t| Row::new([t.id.to_string(), printable(&t.group, false).into_owned(), age(t.age_secs)]));
    let widths = [Constraint::Length(8), Constraint::Fill(1), Constraint::Length(9)];
    let table = Table::new(rows, widths)
        .header(Row::new(["ID", "GROUP", "AGE"]).style(Style::new().add_modifier(Modifier::BOLD)))
        .block(Block::new().borders(Borders::ALL).title(title));
    frame.render_widget(table, area);
}

fn draw_status(frame: &mut Frame<'_>, model: &Model, now: Instant, area: Rect) {
    let error = Style::new().fg(Color::Red);
    let prompt = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
    let line = match model.mode() {
        Mode::Size(text) => {
            Line::styled(format!("new size (a number, or none; Enter sets, Esc leaves): {text}_"), prompt)
        }
        Mode::ConfirmCancel(group) => {
            Line::styled(format!("cancel group '{}' and its tasks? y/n", printable(group, false)), prompt)
        }
        Mode::Normal => match (model.link(), model.message(now)) {
            (Link::Disconnected { error: why, retry_at }, _) => {
                let wait = retry_at.saturating_duration_since(now);
                let when = if wait.is_zero() {
                    "connecting".to_owned()
                } else {
                    // Rounded up: "retrying in 0s" would be a lie for a
                    // whole second.
                    format!("retrying in {}s", wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
                };
                Line::styled(format!("disconnected, {when}: {}", printable(why, false)), error)
            }
            (_, Some(message)) => {
                let style = if message.is_error { error } else { Style::new().fg(Color::Green) };
                Line::styled(printable(&message.text, false).into_owned(), style)
            }
            (Link::Connected, None) => Line::raw("connected"),
            (Link::Connecting, None) => Line::raw(format!("connecting to {}", model.target())),
        },
    };
    frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), area);
}

/// A task's age, short: seconds with a tenth below a minute, then minutes
/// and seconds, then hours and minutes.
fn age(secs: f64) -> String {
    let whole = Duration::from_secs_f64(secs.max(0.0)).as_secs();
    match whole {
        0..=59 => format!("{secs:.1}s"),
        60..=3599 => format!("{}m{:02}s", whole / 60, whole % 60),
        _ => format!("{}h{:02}m", whole / 3600, whole % 3600 / 60),
    }
}
