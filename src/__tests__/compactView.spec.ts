import { Widget } from '@lumino/widgets';

import compactLoop from './fixtures/compact_loop.json';
import { TraceDocument } from '../schema/trace';
import { TraceModel } from '../trace/model';
import { TraceView } from '../trace/view';
import { fixtures } from './fixtures';

/** A loop of 12 iterations traced in the compact format (scripts/make-fixtures.py). */
const doc = compactLoop as unknown as TraceDocument;
const fold = doc.compact!.folds[0];

function mount(trace: TraceDocument): TraceView {
  const view = new TraceView(new TraceModel(trace));
  Widget.attach(view, document.body);
  view.showTab('text');
  return view;
}

function lines(view: TraceView, selector = '.gt-snoopLine'): string[] {
  return Array.from(
    view.node.querySelectorAll(selector),
    line => line.textContent ?? ''
  );
}

afterEach(() => {
  document.body.textContent = '';
});

describe('TraceView with a compact-format trace', () => {
  it('shows the compact text, its folded loop as one block with a header', () => {
    const view = mount(doc);
    expect(view.textPane.format).toBe('compact');
    const header = view.node.querySelector('.gt-mod-foldHeader') as HTMLElement;
    expect(header.textContent).toBe(
      '▸ .............. [loop at line 3: iterations 4 to 10 of 12 folded]'
    );
    expect(header.getAttribute('aria-expanded')).toBe('false');
    expect(lines(view, '.gt-mod-fold').length).toBe(
      fold.text_end - fold.text_start
    );
    expect(lines(view).some(line => line.includes('i = 6'))).toBe(false);
  });

  it('expands the block into the folded iterations on a click, and folds it again', () => {
    const view = mount(doc);
    (view.node.querySelector('.gt-mod-foldHeader') as HTMLElement).click();
    const inside = lines(view, '.gt-mod-foldInside');
    expect(inside).toEqual(
      doc.text.split('\n').slice(fold.snoop_start, fold.snoop_end)
    );
    expect(inside.some(line => line.includes('i = 6'))).toBe(true);
    expect(
      view.node
        .querySelector('.gt-mod-foldHeader')
        ?.getAttribute('aria-expanded')
    ).toBe('true');
    (view.node.querySelector('.gt-mod-foldHeader') as HTMLElement).click();
    expect(lines(view, '.gt-mod-foldInside')).toEqual([]);
  });

  it('marks the folded block while a step inside it is current, and its line once expanded', () => {
    const view = mount(doc);
    const model = view.model;
    model.goTo(model.stepForEvent(fold.first_event + 4));
    expect(lines(view, '.gt-snoopLine.gt-mod-current').length).toBe(
      fold.text_end - fold.text_start
    );
    expect(
      view.node
        .querySelector('.gt-snoopLine.gt-mod-current')
        ?.classList.contains('gt-mod-fold')
    ).toBe(true);
    view.textPane.toggleFold(0);
    const [start, end] = model.textRange();
    expect(lines(view, '.gt-snoopLine.gt-mod-current')).toEqual(
      doc.text.split('\n').slice(start, end)
    );
  });

  it('switches between the compact and the snoop text', () => {
    const view = mount(doc);
    (
      view.node.querySelector(
        '.gt-textFormat[data-format="snoop"]'
      ) as HTMLElement
    ).click();
    expect(view.textPane.format).toBe('snoop');
    expect(view.node.querySelector('.gt-mod-foldHeader')).toBeNull();
    // snoop's lines, as before (an empty line shows as a space)
    expect(lines(view)).toEqual(view.model.lines.map(line => line || ' '));
    (
      view.node.querySelector(
        '.gt-textFormat[data-format="compact"]'
      ) as HTMLElement
    ).click();
    expect(view.node.querySelector('.gt-mod-foldHeader')).not.toBeNull();
  });

  it('jumps to the step of a clicked compact line outside a fold', () => {
    const view = mount(doc);
    const rows = Array.from(view.node.querySelectorAll('.gt-snoopLine'));
    const last = rows.findIndex(row =>
      row.textContent?.includes('Return value')
    );
    (rows[last] as HTMLElement).click();
    expect(view.model.event?.kind).toBe('return');
  });

  it('has no format switch for a snoop-format trace', () => {
    const view = mount(fixtures.factorial);
    expect(view.node.querySelector('.gt-textFormat')).toBeNull();
    expect(view.textPane.format).toBe('snoop');
  });
});
