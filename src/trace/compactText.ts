import { Fold, TraceDocument } from '../schema/trace';

/** One row of the compact text as a view shows it. */
export interface ICompactRow {
  text: string;
  /**
   * The snoop-text line the row stands for: its own line, or for a fold's summary
   * rows the first line the fold covers.
   */
  snoopLine: number;
  /** line: a line of the compact text; summary: a fold's summary (its first row is
   * the fold's header); inside: a snoop line of an expanded fold. */
  role: 'line' | 'summary' | 'inside';
  /** The fold's index in `doc.compact.folds`, for summary and inside rows. */
  fold?: number;
  /** True on a fold's header row (the one that expands or collapses it). */
  header?: boolean;
  /** On a header row: whether its fold is open. */
  expanded?: boolean;
}

/** Whether the document has a compact text (the compact trace format). */
export function hasCompactText(doc: TraceDocument): boolean {
  return !!doc.compact;
}

/**
 * The rows of the compact text with the folds in `expanded` opened: a collapsed
 * fold shows its summary lines (the block the translator read), an expanded one
 * its header and then every snoop line of the iterations (or calls) it covers.
 * Every other row is a snoop line, as the compact text has it.
 */
export function compactRows(
  doc: TraceDocument,
  expanded: ReadonlySet<number>
): ICompactRow[] {
  const compact = doc.compact;
  if (!compact) {
    return [];
  }
  const snoop = splitLines(doc.text);
  const lines = splitLines(compact.text);
  const rows: ICompactRow[] = [];
  let line = 0; // in the compact text
  let snoopLine = 0;
  compact.folds.forEach((fold, index) => {
    for (; line < fold.text_start; line++, snoopLine++) {
      rows.push({ text: lines[line], snoopLine, role: 'line' });
    }
    if (expanded.has(index)) {
      rows.push(summaryRow(lines[fold.text_start], fold, index, true, true));
      for (let k = fold.snoop_start; k < fold.snoop_end; k++) {
        rows.push({
          text: snoop[k],
          snoopLine: k,
          role: 'inside',
          fold: index
        });
      }
    } else {
      for (let k = fold.text_start; k < fold.text_end; k++) {
        rows.push(
          summaryRow(lines[k], fold, index, k === fold.text_start, false)
        );
      }
    }
    line = fold.text_end;
    snoopLine = fold.snoop_end;
  });
  for (; line < lines.length; line++, snoopLine++) {
    rows.push({ text: lines[line], snoopLine, role: 'line' });
  }
  return rows;
}

/** The fold whose snoop lines include `snoopLine`, or -1. */
export function foldAtSnoopLine(doc: TraceDocument, snoopLine: number): number {
  const folds = doc.compact?.folds ?? [];
  return folds.findIndex(
    fold => fold.snoop_start <= snoopLine && snoopLine < fold.snoop_end
  );
}

/**
 * Whether a row shows the step whose snoop lines are [start, end): its own line is
 * one of them, or it is a collapsed fold's summary (any of its rows: the block is one
 * unit) and the step is inside the fold.
 */
export function rowShowsStep(
  row: ICompactRow,
  doc: TraceDocument,
  [start, end]: [number, number]
): boolean {
  if (row.role === 'summary') {
    const fold = doc.compact!.folds[row.fold!];
    const inside = fold.snoop_start <= start && start < fold.snoop_end;
    return inside && !row.expanded; // an open fold's own lines show the step
  }
  return row.snoopLine >= start && row.snoopLine < Math.max(end, start + 1);
}

/** What a fold covers, in words (a header row's title). */
export function foldTitle(fold: Fold): string {
  const lines = `snoop lines ${fold.snoop_start + 1}–${fold.snoop_end}`;
  if (fold.kind === 'call') {
    return `1 call folded (call ${fold.first} of its path), ${lines}`;
  }
  const what = {
    loop: 'iterations',
    calls: 'calls',
    recursion: 'recursion levels (their calls)',
    returns: 'recursion levels (their returns)'
  }[fold.kind];
  return `${fold.count} ${what} folded (${fold.first} to ${fold.first + fold.count - 1} of ${fold.total}), ${lines}`;
}

function summaryRow(
  text: string,
  fold: Fold,
  index: number,
  header: boolean,
  expanded: boolean
): ICompactRow {
  const row: ICompactRow = {
    text,
    snoopLine: fold.snoop_start,
    role: 'summary',
    fold: index
  };
  if (header) {
    row.header = true;
    row.expanded = expanded;
  }
  return row;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines;
}
