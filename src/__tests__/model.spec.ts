import { TraceModel } from '../trace/model';
import { eventIndex, fixtures } from './fixtures';

const { factorial, exception, twoCells, truncated } = fixtures;

function modelAtEvent(doc: typeof factorial, index: number): TraceModel {
  const model = new TraceModel(doc);
  model.goTo(model.stepForEvent(index));
  expect(model.eventIndex).toBe(index);
  return model;
}

describe('TraceModel steps', () => {
  it('steps only through events that printed snoop text', () => {
    const model = new TraceModel(factorial);
    for (const index of model.steps) {
      const event = factorial.events[index];
      expect(event.text_end).toBeGreaterThan(event.text_start);
    }
    // The cell's silent <module> call and the comprehension's silent loop lines.
    expect(model.stepCount).toBe(factorial.events.length - 5);
  });

  it('starts at the first step, on the first line of the cell', () => {
    const model = new TraceModel(factorial);
    expect(model.step).toBe(0);
    expect(model.event?.kind).toBe('line');
    expect(model.event?.line).toBe(1);
  });

  it('moves with next, previous, first and last, clamped to the trace', () => {
    const model = new TraceModel(factorial);
    expect(model.previous()).toBe(false);
    expect(model.next()).toBe(true);
    expect(model.step).toBe(1);
    expect(model.last()).toBe(true);
    expect(model.isLast).toBe(true);
    expect(model.next()).toBe(false);
    expect(model.first()).toBe(true);
    expect(model.goTo(1000)).toBe(true);
    expect(model.step).toBe(model.stepCount - 1);
  });

  it('emits stateChanged once per move and not when it cannot move', () => {
    const model = new TraceModel(factorial);
    let emitted = 0;
    model.stateChanged.connect(() => emitted++);
    model.next();
    model.previous();
    model.previous();
    expect(emitted).toBe(2);
  });
});

describe('TraceModel jumps', () => {
  it('steps over a call: from `result = factorial(3)` back to that line after all recursion', () => {
    const callLine = eventIndex(
      factorial,
      e => e.function === '<module>' && e.kind === 'line' && e.line === 6
    );
    const model = modelAtEvent(factorial, callLine);
    model.stepOver();
    expect(model.event?.function).toBe('<module>');
    expect(model.event?.kind).toBe('resume');
    expect(model.event?.line).toBe(6);
  });

  it('steps over from a return to the caller', () => {
    const innermostReturn = eventIndex(factorial, e => e.kind === 'return');
    const model = modelAtEvent(factorial, innermostReturn);
    model.stepOver();
    expect(model.event?.depth).toBe(2);
    expect(model.event?.kind).toBe('resume');
  });

  it('jumps to the next and previous call, return and exception', () => {
    const model = new TraceModel(factorial);
    expect(model.nextOfKind('return')).toBe(true);
    expect(model.event?.value).toBe('1');
    expect(model.previousOfKind('call')).toBe(true);
    expect(model.event?.changes).toEqual([['n', '1']]);
    expect(model.nextOfKind('exception')).toBe(false);

    const raising = new TraceModel(exception);
    expect(raising.nextOfKind('exception')).toBe(true);
    expect(raising.event?.function).toBe('divide');
    expect(raising.event?.value).toBe('ZeroDivisionError: division by zero');
  });
});

describe('TraceModel and the snoop text', () => {
  it('maps every step to its snoop lines and each line back to its step', () => {
    const model = new TraceModel(factorial);
    model.steps.forEach((_, step) => {
      const [start, end] = model.textRange(step);
      for (let line = start; line < end; line++) {
        expect(model.stepForTextLine(line)).toBe(step);
      }
    });
  });

  it('highlights the return line of a call', () => {
    const model = new TraceModel(factorial);
    model.nextOfKind('return');
    const [start, end] = model.textRange();
    expect(model.lines.slice(start, end)).toEqual([
      '             <<< Return value from factorial: 1'
    ]);
  });

  it('maps a line printed by a silent event to the step before it', () => {
    const model = new TraceModel(factorial);
    const lastLine = model.lines.length - 1;
    expect(model.stepForTextLine(lastLine)).toBe(model.stepCount - 1);
  });
});

describe('TraceModel variables and stack', () => {
  it("accumulates a frame's changes and marks those of the current step", () => {
    const call = eventIndex(factorial, e => e.kind === 'call' && e.depth === 3);
    const model = modelAtEvent(factorial, call);
    expect(model.variables()).toEqual([
      { name: 'n', value: '1', changed: true }
    ]);
    model.next();
    expect(model.variables()).toEqual([
      { name: 'n', value: '1', changed: false }
    ]);
  });

  it('shows a variable of the cell change after the line that assigned it', () => {
    const line7 = eventIndex(
      factorial,
      e => e.function === '<module>' && e.kind === 'line' && e.line === 7
    );
    const model = modelAtEvent(factorial, line7);
    expect(model.variables()).toContainEqual({
      name: 'result',
      value: '6',
      changed: true
    });
  });

  it('lists the call stack outermost first with each frame at its line', () => {
    const innermostReturn = eventIndex(factorial, e => e.kind === 'return');
    const model = modelAtEvent(factorial, innermostReturn);
    expect(model.callStack().map(f => [f.function, f.line])).toEqual([
      ['<module>', 6],
      ['factorial', 4],
      ['factorial', 4],
      ['factorial', 3]
    ]);
  });

  it('points each event at the source it ran from, across cells', () => {
    const model = new TraceModel(twoCells);
    model.nextOfKind('call');
    model.nextOfKind('call');
    expect(model.event?.function).toBe('square');
    expect(model.event?.source).toBe('cell[1]');
    expect(twoCells.sources['cell[1]']).toContain('def square(x):');
    model.nextOfKind('resume');
    expect(model.event?.source).toBe('cell[2]');
  });
});

describe('TraceModel truncation', () => {
  it('reports where and why a trace stopped', () => {
    const model = new TraceModel(truncated);
    expect(model.truncation?.reason).toBe('max_events');
    expect(model.truncation?.message).toMatch(/truncated at \d+ events/);
    expect(new TraceModel(factorial).truncation).toBeNull();
  });

  it('still steps to the last recorded event', () => {
    const model = new TraceModel(truncated);
    model.last();
    expect(model.eventIndex).toBe(truncated.events.length - 1);
  });
});
