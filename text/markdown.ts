/**
 * Markdown for pull-request comments: table cells that cannot break a table, and sections whose
 * rows are cut, with a note saying so, when the whole would exceed a size limit.
 */

/** Text for one table cell: pipes escaped, line breaks flattened, at most `max` characters. */
export function cell(text: string, max = 300): string {
  const flat = text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** An inline code cell (backticks inside are dropped: they would end the code span). */
export function code(text: string, max = 300): string {
  return `\`${cell(text.replace(/`/g, ""), max - 2)}\``;
}

/** The two header lines of a table. */
export function tableHead(...columns: string[]): string[] {
  return [`| ${columns.join(" | ")} |`, `|${columns.map(() => "---").join("|")}|`];
}

/** A part of a document: fixed lines, then rows that may be cut from the end. */
export interface Section {
  readonly lines: readonly string[];
  readonly rows?: readonly string[];
  /** Lines after the rows (e.g. closing a `<details>`), kept when rows are cut. */
  readonly after?: readonly string[];
  /** The note that replaces cut rows: how many were left out, and where to find them. */
  readonly cutNote?: (hidden: number, total: number) => string;
}

const SEPARATOR = "\n\n";

function render(section: Section, shownRows: number): string {
  const rows = section.rows ?? [];
  const lines = [...section.lines, ...rows.slice(0, shownRows)];
  if (shownRows < rows.length && section.cutNote) lines.push("", section.cutNote(rows.length - shownRows, rows.length));
  return [...lines, ...(section.after ?? [])].join("\n");
}

/**
 * Joins the sections, cutting rows from the end of the sections named in `cutOrder` (first the
 * first) until the text has at most `max` characters. Fixed lines are never cut; if they alone
 * exceed the limit, the text is truncated hard with a final note.
 */
export function fitSections(sections: readonly Section[], max: number, cutOrder: readonly number[]): string {
  const shown = sections.map((s) => (s.rows ?? []).length);
  const text = () => sections.map((s, i) => render(s, shown[i])).join(SEPARATOR);
  let result = text();
  for (const index of cutOrder) {
    if (result.length <= max) break;
    const rows = sections[index].rows ?? [];
    // Length without any row of this section, then keep rows while they fit.
    shown[index] = 0;
    let budget = max - text().length;
    let keep = 0;
    while (keep < rows.length && budget - (rows[keep].length + 1) >= 0) {
      budget -= rows[keep].length + 1;
      keep += 1;
    }
    shown[index] = keep;
    // The note's digits may differ from the zero-row estimate: back off until it fits.
    while (shown[index] > 0 && text().length > max) shown[index] -= 1;
    result = text();
  }
  if (result.length > max) {
    const note = "\n\n_…cut: this summary exceeded its size limit._";
    result = result.slice(0, max - note.length) + note;
  }
  return result;
}
