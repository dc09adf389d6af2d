/**
 * Aligned columns for the terminal: the history list, the rehearsal and
 * estimate tables, the readiness list and a rollback's order. Cells are
 * padded before they are painted: escape codes have no width on screen but
 * count in `String#length`.
 */

/** Columns sit this far apart. */
const GAP = '  ';

/** Each column's width: its longest cell. */
export function columnWidths(rows: ReadonlyArray<readonly string[]>): number[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return widths;
}

/** How one line of aligned cells is drawn. */
export interface LineStyle {
  /** Pad the last cell to its width too (by default it ends the line as it is). */
  padLast?: boolean;
  /** Paints a cell once padded (column `i`). */
  paint?: (padded: string, i: number) => string;
}

/** `cells` padded to `widths` and set two spaces apart. */
export function alignedLine(cells: readonly string[], widths: readonly number[], style: LineStyle = {}): string {
  return cells
    .map((cell, i) => {
      const padded = i === cells.length - 1 && !style.padLast ? cell : cell.padEnd(widths[i] ?? 0);
      return style.paint ? style.paint(padded, i) : padded;
    })
    .join(GAP);
}

/** How a table with a header is drawn. */
export interface TableStyle {
  /** Before every line: '  ' for a table under a heading. */
  indent?: string;
  /** A line of dashes under the header, as wide as each column. */
  rule?: boolean;
  /** Pad the last column too (see `LineStyle`). */
  padLast?: boolean;
  /** Drop the spaces ending a line (where its last cells are empty). */
  trimEnd?: boolean;
  /** Paints the header line. */
  header?: (line: string) => string;
  /** Paints a body cell once padded (row `row`, column `i`). */
  cell?: (padded: string, row: number, i: number) => string;
}

/** A header and its rows as aligned lines, each column as wide as its widest cell or title. */
export function textTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>, style: TableStyle = {}): string[] {
  const widths = columnWidths([head, ...rows]);
  const draw = (cells: readonly string[], paint?: (padded: string, i: number) => string) => {
    const line = `${style.indent ?? ''}${alignedLine(cells, widths, { padLast: style.padLast, paint })}`;
    return style.trimEnd ? line.trimEnd() : line;
  };
  const headLine = draw(head);
  return [
    style.header ? style.header(headLine) : headLine,
    ...(style.rule ? [draw(widths.map((w) => '-'.repeat(w)))] : []),
    ...rows.map((row, r) => draw(row, style.cell && ((padded, i) => style.cell!(padded, r, i)))),
  ];
}
