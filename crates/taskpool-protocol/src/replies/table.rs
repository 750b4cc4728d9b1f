/// The widest a cell of a table is printed, in characters; a longer one is
/// cut and ends with `…`, so that one long name cannot widen every row.
pub(super) const MAX_CELL_WIDTH: usize = 40;

/// Left-aligned columns, two spaces apart, no trailing spaces; cells wider
/// than [`MAX_CELL_WIDTH`] are cut.
pub(super) fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let rows: Vec<[String; N]> = rows.iter().map(|row| row.each_ref().map(|cell| cut(cell))).collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; N]| {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:w$}  ", w = widths[i]));
            }
        }
        line.trim_end().to_owned()
    };
    let mut out = line(header);
    for row in &rows {
        out.push('\n');
        out.push_str(&line(row.each_ref().map(String::as_str)));
    }
    out
}

fn cut(cell: &str) -> String {
    match cell.char_indices().nth(MAX_CELL_WIDTH - 1) {
        Some((at, _)) if cell.chars().count() > MAX_CELL_WIDTH => format!("{}…", &cell[..at]),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_cut_to_the_maximum_width() {
        let long = "é".repeat(1000);
        let out = table(["A", "B"], &[[long, "x".into()], ["short".into(), "y".into()]]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[1], format!("{}…  x", "é".repeat(MAX_CELL_WIDTH - 1)));
        assert_eq!(lines[2], format!("{:w$}  y", "short", w = MAX_CELL_WIDTH));
        assert!(out.lines().all(|l| l.chars().count() <= MAX_CELL_WIDTH + 3));
        let exact = "x".repeat(MAX_CELL_WIDTH);
        assert_eq!(table(["A"], &[[exact.clone()]]), format!("A\n{exact}"));
    }
}
