import { Widget } from '@lumino/widgets';

import { TraceModel } from '../trace/model';
import { narrationMarks } from '../narration/marks';
import { TraceDocument, TraceEvent } from '../schema/trace';
import { TraceView } from '../trace/view';
import { itemFromRecord, parseJsonl, pickRecord } from '../viewer/sources';
import { eventIndex, fixtures } from './fixtures';
import { stepKeys } from './stepKeys';

const { factorial, exception } = fixtures;

function mount(doc: TraceDocument, options = {}): TraceView {
  const view = new TraceView(new TraceModel(doc), options);
  Widget.attach(view, document.body);
  return view;
}

/** A loop of `n` iterations in one frame: `i` and `total` change at every line. */
function loopDocument(n: number): TraceDocument {
  const events: TraceEvent[] = [];
  const lines: string[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += i;
    events.push({
      kind: 'line',
      frame: 0,
      depth: 0,
      function: 'main_solution',
      source: 'problem',
      line: 3,
      changes: [
        ['i', String(i)],
        ['total', String(total)]
      ],
      text_start: lines.length,
      text_end: lines.length + 1
    });
    lines.push(`    3 |     total += i  # ${i}`);
  }
  return {
    version: 1,
    sources: {
      problem: 'def main_solution(n):\n    total = 0\n    total += i\n'
    },
    events,
    text: lines.join('\n'),
    truncated: null
  };
}

afterEach(() => {
  document.body.textContent = '';
});

describe('TraceModel for the viewer', () => {
  it('counts how often each source line ran, def lines once per call', () => {
    const model = new TraceModel(factorial);
    expect(model.hitCounts('cell[1]')).toEqual([4, 3, 1, 2, 0, 1, 6]);
  });

  it('steps back over a call with stepBackOver', () => {
    const model = new TraceModel(factorial);
    const callLine = eventIndex(
      factorial,
      e => e.kind === 'line' && e.line === 6
    );
    model.goTo(model.stepForEvent(callLine));
    const at = model.step;
    model.stepOver();
    expect(model.event?.function).toBe('<module>');
    expect(model.event?.kind).toBe('resume');
    model.stepBackOver();
    expect(model.step).toBe(at);
  });

  it('goes to the next and previous call, return or exception', () => {
    const model = new TraceModel(factorial);
    model.nextCall();
    expect(model.event?.kind).toBe('call');
    expect(model.event?.changes).toEqual([['n', '3']]);
    model.nextCall();
    model.nextCall();
    model.nextCall();
    expect(model.event?.kind).toBe('return');
    expect(model.event?.value).toBe('1');
    model.previousCall();
    expect(model.event?.changes).toEqual([['n', '1']]);
  });

  it('builds the call tree with nested calls and finds the call of a step', () => {
    const model = new TraceModel(factorial);
    const [cell] = model.callTree;
    expect(model.callEvent(cell).function).toBe('<module>');
    const names = cell.children.map(node => model.callEvent(node).function);
    expect(names).toEqual(['factorial', '<listcomp>']);
    const depth3 = cell.children[0].children[0].children[0];
    expect(model.callEvent(depth3).changes).toEqual([['n', '1']]);
    model.goTo(depth3.firstStep + 1);
    expect(model.callAt()).toBe(depth3);
    expect(model.callRows(new Set()).length).toBe(5);
    expect(model.callRows(new Set([cell.children[0].frame])).length).toBe(3);
  });

  it('gives the same variables after any jump in a long loop as by replaying it', () => {
    const model = new TraceModel(loopDocument(1500));
    for (const step of [1499, 3, 700, 256, 255, 257, 1024, 0]) {
      let total = 0;
      for (let i = 0; i <= step; i++) {
        total += i;
      }
      expect(model.variables(step)).toEqual([
        { name: 'i', value: String(step), changed: true },
        { name: 'total', value: String(total), changed: true }
      ]);
    }
  });
});

describe('TraceView in the viewer', () => {
  it('folds long values and shows them in full on request', () => {
    const view = mount(loopDocument(3), { foldAt: 20 });
    view.model.goTo(2);
    const long = 'x'.repeat(50);
    view.model.doc.events[2].changes.push(['text', `'${long}'`]);
    view.model.goTo(1);
    view.model.goTo(2);
    const value = () =>
      view.node.querySelector(
        '.gt-variable[data-name="text"] .gt-variableValue'
      )!.textContent;
    expect(value()).toBe(`'${'x'.repeat(19)}…`);
    (
      view.node.querySelector(
        '.gt-variable[data-name="text"] .gt-fold'
      ) as HTMLElement
    ).click();
    expect(value()).toBe(`'${long}'`);
  });

  it('marks lines that never ran and shows hit counts in the gutter', () => {
    const view = mount(factorial);
    const rows = view.node.querySelectorAll('.gt-sourceLine');
    expect(rows[1].querySelector('.gt-hits')?.textContent).toBe('3×');
    expect(rows[4].classList.contains('gt-mod-unrun')).toBe(true);
    expect(rows[1].classList.contains('gt-mod-unrun')).toBe(false);
  });

  it('steps by n, p and Shift+arrows', () => {
    const view = mount(factorial);
    const keys = stepKeys(view);
    const key = (_: TraceView, name: string, shift = false) =>
      keys.press(name, shift);
    view.node.focus();
    key(view, 'n');
    const firstCall = view.model.step;
    expect(view.model.event?.kind).toBe('call');
    key(view, 'n');
    key(view, 'p');
    expect(view.model.step).toBe(firstCall);
    key(view, 'Home');
    key(view, 'ArrowRight');
    key(view, 'ArrowRight', true);
    expect(view.model.event?.kind).toBe('resume');
    key(view, 'ArrowLeft', true);
    expect(view.model.event?.line).toBe(6);
  });

  it('jumps to a call from the call tree, collapses calls, and follows the current call', () => {
    const view = mount(factorial, { layout: 'side-by-side' });
    const labels = () =>
      Array.from(
        view.node.querySelectorAll('.gt-callLabel'),
        l => l.textContent
      );
    expect(labels()).toEqual([
      'the cell',
      'factorial(n=3)',
      'factorial(n=2)',
      'factorial(n=1)',
      'list comprehension'
    ]);
    (view.node.querySelectorAll('.gt-callLabel')[3] as HTMLElement).click();
    expect(view.model.event?.changes).toEqual([['n', '1']]);
    expect(
      view.node.querySelector('.gt-callRow.gt-mod-current .gt-callLabel')
        ?.textContent
    ).toBe('factorial(n=1)');
    (view.node.querySelectorAll('.gt-callToggle')[1] as HTMLElement).click();
    expect(labels()).toEqual([
      'the cell',
      'factorial(n=3)',
      'list comprehension'
    ]);
  });

  it('moves through the call tree with the tree keys, not stepping the trace', () => {
    const view = mount(factorial, { layout: 'side-by-side' });
    const step = view.model.step;
    const focused = () => document.activeElement?.textContent;
    // The step keys are bound as in JupyterLab: they must not take the tree's keys.
    const press = stepKeys(view).press;
    (view.node.querySelectorAll('.gt-callLabel')[0] as HTMLElement).focus();
    press('ArrowDown');
    expect(focused()).toBe('factorial(n=3)');
    press('ArrowRight'); // expanded: to the first inner call
    expect(focused()).toBe('factorial(n=2)');
    press('ArrowLeft'); // expanded: collapses
    expect(
      Array.from(
        view.node.querySelectorAll('.gt-callLabel'),
        l => l.textContent
      )
    ).toEqual([
      'the cell',
      'factorial(n=3)',
      'factorial(n=2)',
      'list comprehension'
    ]);
    expect(focused()).toBe('factorial(n=2)');
    press('ArrowLeft'); // collapsed: to the caller
    expect(focused()).toBe('factorial(n=3)');
    press('ArrowRight'); // expanded already: to the first inner call
    press('ArrowRight'); // collapsed: expands again
    expect(view.node.querySelectorAll('.gt-callLabel')).toHaveLength(5);
    press('End');
    expect(focused()).toBe('list comprehension');
    press('Home');
    expect(focused()).toBe('the cell');
    expect(view.model.step).toBe(step); // the arrows moved focus only
  });

  it('keeps the snoop pane and the steps in sync both ways', () => {
    const view = mount(factorial, { layout: 'side-by-side' });
    view.model.nextOfKind('return');
    const current = () =>
      Array.from(
        view.node.querySelectorAll('.gt-snoopLine.gt-mod-current'),
        l => l.textContent?.trim()
      );
    expect(current()).toEqual(['<<< Return value from factorial: 1']);
    const line = Array.from(view.node.querySelectorAll('.gt-snoopLine')).find(
      l => l.textContent?.includes('result = 6')
    ) as HTMLElement;
    line.click();
    expect(view.model.event?.changes).toEqual([['result', '6']]);
    expect(line.classList.contains('gt-mod-current')).toBe(true);
  });

  it('jumps to a caller from the call stack', () => {
    const view = mount(factorial);
    const deepest = eventIndex(
      factorial,
      e => e.kind === 'return' && e.value === '1'
    );
    view.model.goTo(view.model.stepForEvent(deepest));
    const frames = Array.from(view.node.querySelectorAll('.gt-stackFrame'));
    expect(frames.map(f => f.textContent)).toEqual([
      'the cell:6',
      'factorial:4',
      'factorial:4',
      'factorial:3'
    ]);
    (frames[1] as HTMLElement).click();
    expect(view.model.event).toMatchObject({ function: 'factorial', line: 4 });
    expect(view.model.callStack()).toHaveLength(2);
  });

  it('offers Open in viewer only when it can open one', () => {
    const opened: string[] = [];
    const view = mount(factorial, { onOpen: () => opened.push('yes') });
    (view.node.querySelector('.gt-openViewer') as HTMLElement).click();
    expect(opened).toEqual(['yes']);
    expect(mount(factorial).node.querySelector('.gt-openViewer')).toBeNull();
  });

  it('renders names, values and calls with HTML in them as text', () => {
    const view = mount(exception, { layout: 'side-by-side' });
    view.model.last();
    for (const tab of ['steps', 'calls', 'text'] as const) {
      view.showTab(tab);
      expect(view.node.querySelector('img, script')).toBeNull();
    }
    expect(view.node.textContent).toContain('<img src=x onerror="alert(1)">');
  });
});

describe('narration marks', () => {
  it('links grounded values to the step that shows them and ungrounded ones to the step after', () => {
    const model = new TraceModel(factorial);
    const final = 'factorial(1) is 1, so the result is 6, plus 987654.';
    const marks = narrationMarks(model, {
      grounded: [{ value: '6', at: final.indexOf('6') }],
      evidence: {
        ungrounded: [{ value: '987654', at: final.indexOf('987654') }]
      }
    });
    const resultLine = model.lines.findIndex(l =>
      l.includes('Return value from factorial: 6')
    );
    expect(marks[0]).toMatchObject({
      value: '6',
      grounded: true,
      step: model.stepForTextLine(resultLine)
    });
    expect(marks[1]).toMatchObject({
      value: '987654',
      grounded: false,
      step: marks[0].step + 1,
      start: final.indexOf('987654'),
      end: final.indexOf('987654') + 6
    });
  });
});

describe('records of dataset files', () => {
  it('skips malformed lines and picks a record by id or by #index', () => {
    const records = parseJsonl(
      '{"id": "3_0"}\nnot json\n\n{"id": "3_1"}\n[1]\n'
    );
    expect(records).toEqual([{ id: '3_0' }, { id: '3_1' }]);
    expect(pickRecord(records, '3_1')).toEqual({ id: '3_1' });
    expect(pickRecord(records, '#0')).toEqual({ id: '3_0' });
    expect(pickRecord(records, '1')).toEqual({ id: '3_1' });
    expect(pickRecord(records, 'nope')).toBeNull();
  });
});

describe('a record opened from a translated.jsonl', () => {
  it('takes the trace record and the structured trace from the same folder', async () => {
    const files: Record<string, string> = {
      'run/traces.jsonl': `${JSON.stringify({ id: '7_0', input: { n: 3 } })}\n`,
      'run/documents.jsonl': `${JSON.stringify({ id: '7_0', document: factorial })}\n`
    };
    const read: string[] = [];
    const contents = {
      get: async (path: string) => {
        read.push(path);
        if (!(path in files)) {
          throw new Error('404');
        }
        return { content: files[path] };
      }
    } as any;
    const translation = {
      id: '7_0',
      final: 'Final answer: 6',
      verdict: 'pass'
    };
    const item = await itemFromRecord(
      contents,
      'run/translated.jsonl',
      translation
    );
    expect(item.record).toEqual({ id: '7_0', input: { n: 3 } });
    expect(item.translation).toBe(translation);
    expect(item.document?.title).toBe(factorial.title);
    expect(read.sort()).toEqual(['run/documents.jsonl', 'run/traces.jsonl']);
  });
});
