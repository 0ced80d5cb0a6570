import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { TraceModel } from '../trace/model';
import { TraceView } from '../trace/view';
import { eventIndex, fixtures } from './fixtures';
import { stepKeys } from './stepKeys';
import settings from '../../schema/trace-view.json';
import { STEP_ACTIONS } from '../trace/actions';

const { factorial, exception, twoCells, truncated } = fixtures;

function mount(doc: typeof factorial): TraceView {
  const view = new TraceView(new TraceModel(doc));
  Widget.attach(view, document.body);
  return view;
}

function text(view: TraceView, selector: string): string {
  return view.node.querySelector(selector)?.textContent ?? '';
}

function click(view: TraceView, selector: string): void {
  (view.node.querySelector(selector) as HTMLElement).click();
}

afterEach(() => {
  document.body.textContent = '';
});

describe('TraceView', () => {
  it('shows the title, the step counter and the current source line', () => {
    const view = mount(factorial);
    expect(text(view, '.gt-title')).toBe('cell[1]');
    expect(text(view, '.gt-counter')).toBe(`Step 1 of ${view.model.stepCount}`);
    expect(
      text(view, '.gt-sourceLine.gt-mod-current .gt-lineNumber') +
        text(view, '.gt-sourceLine.gt-mod-current .gt-code')
    ).toBe('1def factorial(n):');
  });

  it('moves with the Next and Previous buttons', () => {
    const view = mount(factorial);
    click(view, '.gt-next');
    expect(text(view, '.gt-counter')).toMatch(/^Step 2 of/);
    expect(text(view, '.gt-sourceLine.gt-mod-current .gt-lineNumber')).toBe(
      '6'
    );
    click(view, '.gt-previous');
    expect(view.model.step).toBe(0);
  });

  it('moves with the arrow keys when focused (the step commands and their key bindings)', () => {
    const view = mount(factorial);
    const keys = stepKeys(view);
    view.node.focus();
    keys.press('ArrowRight');
    expect(view.model.step).toBe(1);
    keys.press('ArrowLeft');
    expect(view.model.step).toBe(0);
    keys.dispose();
  });

  it('binds a key to every step action and to nothing else', () => {
    const bound = settings['jupyter.lab.shortcuts'].map(s => s.command);
    expect(bound.sort()).toEqual(STEP_ACTIONS.map(a => a.id).sort());
  });

  it('takes its button titles and aria text from the actions and their current keys', () => {
    const commands = new CommandRegistry();
    const view = new TraceView(new TraceModel(factorial), { commands });
    Widget.attach(view, document.body);
    const next = () =>
      view.node.querySelector('.gt-next')!.getAttribute('title');
    expect(next()).toBe('Next step');
    const binding = commands.addKeyBinding({
      command: 'groundtrace:step-next',
      keys: ['J'],
      selector: settings['jupyter.lab.shortcuts'][0].selector
    });
    expect(next()).toBe('Next step (J)');
    expect(view.node.getAttribute('aria-label')).toBe(
      'Execution trace. Keys: J Next'
    );
    binding.dispose();
    expect(next()).toBe('Next step');
  });

  it('describes calls and returns and highlights changed variables', () => {
    const view = mount(factorial);
    view.model.nextOfKind('call');
    expect(text(view, '.gt-description')).toBe('Call to factorial(n=3)');
    expect(text(view, '.gt-variable.gt-mod-changed')).toBe('n3');
    view.model.nextOfKind('return');
    expect(text(view, '.gt-description')).toBe('Factorial returned 1');
  });

  it('shows the source of the cell the current function was defined in', () => {
    const view = mount(twoCells);
    view.model.goTo(
      view.model.stepForEvent(
        eventIndex(twoCells, e => e.function === 'square')
      )
    );
    expect(text(view, '.gt-paneTitle')).toBe('cell[1] — square');
    expect(text(view, '.gt-sourceLine.gt-mod-current .gt-code')).toBe(
      'def square(x):'
    );
  });

  it('renders values as text, never as HTML', () => {
    const view = mount(exception);
    const labelSet = eventIndex(exception, e =>
      e.changes.some(([name]) => name === 'label')
    );
    view.model.goTo(view.model.stepForEvent(labelSet));
    const value = view.node.querySelector(
      '.gt-variable[data-name="label"] .gt-variableValue'
    );
    expect(value?.textContent).toBe('\'<img src=x onerror="alert(1)">\'');
    expect(view.node.querySelector('img')).toBeNull();
    view.showTab('text');
    expect(view.node.querySelector('img')).toBeNull();
  });

  it('shows an exception with its text', () => {
    const view = mount(exception);
    view.model.nextOfKind('exception');
    expect(view.node.dataset.kind).toBe('exception');
    expect(text(view, '.gt-description')).toBe(
      'Exception in divide: ZeroDivisionError: division by zero'
    );
  });

  it('highlights the current event in the snoop text tab', () => {
    const view = mount(factorial);
    view.showTab('text');
    view.model.nextOfKind('return');
    const current = Array.from(
      view.node.querySelectorAll('.gt-snoopLine.gt-mod-current'),
      line => line.textContent
    );
    expect(current).toEqual([
      '             <<< Return value from factorial: 1'
    ]);
  });

  it('jumps to the step of a clicked snoop line', () => {
    const view = mount(factorial);
    view.showTab('text');
    const lines = view.node.querySelectorAll('.gt-snoopLine');
    const returnOf6 = Array.from(lines).findIndex(line =>
      line.textContent?.includes('Return value from factorial: 6')
    );
    (lines[returnOf6] as HTMLElement).click();
    expect(view.model.event?.value).toBe('6');
  });

  it('shows a banner when the trace was truncated', () => {
    const view = mount(truncated);
    const banner = view.node.querySelector('.gt-banner') as HTMLElement;
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toMatch(/trace truncated at \d+ events/);
    expect(
      (mount(factorial).node.querySelector('.gt-banner') as HTMLElement).hidden
    ).toBe(true);
  });
});
