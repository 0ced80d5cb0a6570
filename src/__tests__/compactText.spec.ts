import compactLoop from './fixtures/compact_loop.json';
import { TraceDocument } from '../schema/trace';
import {
  compactRows,
  foldAtSnoopLine,
  foldTitle,
  hasCompactText,
  rowShowsStep
} from '../trace/compactText';
import { TraceModel } from '../trace/model';
import { fixtures } from './fixtures';

/** A loop of 12 iterations traced in the compact format (scripts/make-fixtures.py). */
const doc = compactLoop as unknown as TraceDocument;
const fold = doc.compact!.folds[0];
const snoop = doc.text.split('\n').slice(0, -1);

describe('compact text rows', () => {
  it('are the compact text itself while every fold is collapsed', () => {
    const rows = compactRows(doc, new Set());
    expect(rows.map(row => row.text).join('\n') + '\n').toBe(doc.compact!.text);
    const summary = rows.filter(row => row.role === 'summary');
    expect(summary.length).toBe(fold.text_end - fold.text_start);
    expect(summary[0].header).toBe(true);
    expect(summary[0].text).toContain(
      '[loop at line 3: iterations 4 to 10 of 12 folded]'
    );
  });

  it('map each line outside a fold to the same snoop line', () => {
    for (const row of compactRows(doc, new Set())) {
      if (row.role === 'line') {
        expect(snoop[row.snoopLine]).toBe(row.text);
      }
    }
  });

  it('open a fold into its header and every snoop line it covers', () => {
    const rows = compactRows(doc, new Set([0]));
    const inside = rows.filter(row => row.role === 'inside');
    expect(inside.map(row => row.text)).toEqual(
      snoop.slice(fold.snoop_start, fold.snoop_end)
    );
    expect(inside.some(row => row.text.includes('i = 6'))).toBe(true);
    const header = rows.find(row => row.header)!;
    expect(header.expanded).toBe(true);
    // nothing else changes: the rows outside the fold are the same
    const outside = (r: typeof rows) =>
      r.filter(row => row.role === 'line').map(row => row.text);
    expect(outside(rows)).toEqual(outside(compactRows(doc, new Set())));
  });

  it('mark the collapsed fold as the current block while a step inside it is current', () => {
    const model = new TraceModel(doc);
    model.goTo(model.stepForEvent(fold.first_event + 3));
    const range = model.textRange();
    expect(foldAtSnoopLine(doc, range[0])).toBe(0);
    const collapsed = compactRows(doc, new Set());
    const current = collapsed.filter(row => rowShowsStep(row, doc, range));
    // the whole collapsed block, header and summary lines, is the current row
    expect(current.length).toBe(fold.text_end - fold.text_start);
    expect(current.every(row => row.role === 'summary' && row.fold === 0)).toBe(
      true
    );
    // opened, the step's own snoop lines are current instead
    const open = compactRows(doc, new Set([0]));
    const shown = open.filter(row => rowShowsStep(row, doc, range));
    expect(shown.every(row => row.role === 'inside')).toBe(true);
    expect(shown.map(row => row.snoopLine)).toEqual(
      Array.from({ length: range[1] - range[0] }, (_, k) => range[0] + k)
    );
  });

  it('stepping moves through the folded iterations one event at a time', () => {
    const model = new TraceModel(doc);
    model.goTo(model.stepForEvent(fold.first_event) - 1);
    const seen: number[] = [];
    while (model.next() && model.eventIndex < fold.end_event) {
      seen.push(foldAtSnoopLine(doc, model.textRange()[0]));
    }
    expect(seen.length).toBeGreaterThan(fold.count); // every iteration has steps
    expect(new Set(seen)).toEqual(new Set([0]));
    expect(foldAtSnoopLine(doc, model.textRange()[0])).toBe(-1); // and out the other side
  });

  it('say what a fold covers', () => {
    expect(foldTitle(fold)).toBe(
      '7 iterations folded (4 to 10 of 12), snoop lines 15–42'
    );
  });

  it('say what a call or recursion fold covers', () => {
    const call = {
      ...fold,
      kind: 'call' as const,
      count: 1,
      first: 4,
      total: 4
    };
    expect(foldTitle(call)).toBe(
      '1 call folded (call 4 of its path), snoop lines 15–42'
    );
    const returns = { ...fold, kind: 'returns' as const };
    expect(foldTitle(returns)).toBe(
      '7 recursion levels (their returns) folded (4 to 10 of 12), snoop lines 15–42'
    );
  });

  it('are absent from a snoop-format document', () => {
    expect(hasCompactText(fixtures.factorial)).toBe(false);
    expect(compactRows(fixtures.factorial, new Set())).toEqual([]);
  });
});
