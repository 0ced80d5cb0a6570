import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { describeEvent, frameName } from './describe';
import { element, scrollWithin } from './dom';
import { TraceModel } from './model';

/** Which tab of the view is showing. */
export type TraceTab = 'steps' | 'text';

/**
 * The interactive view of one trace: a function of the model's (document, step).
 * It keeps no execution state of its own; buttons and keys only move the model.
 */
export class TraceView extends Widget {
  constructor(readonly model: TraceModel) {
    super();
    this.addClass('gt-TraceView');
    this.node.tabIndex = 0;
    this.node.setAttribute('role', 'group');
    this.node.setAttribute('aria-label', 'Execution trace');
    this._build();
    this._renderSnoopText();
    model.stateChanged.connect(this._render, this);
    this._render();
  }

  get tab(): TraceTab {
    return this._tab;
  }

  /** Shows the step-by-step view or the plain snoop text. */
  showTab(tab: TraceTab): void {
    this._tab = tab;
    this.node.dataset.tab = tab;
    this._tabButtons.forEach((button, name) => {
      const selected = name === tab;
      button.classList.toggle('gt-mod-selected', selected);
      button.setAttribute('aria-selected', String(selected));
    });
    this._render();
  }

  handleEvent(event: Event): void {
    if (event.type === 'keydown') {
      this._onKeydown(event as KeyboardEvent);
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.stateChanged.disconnect(this._render, this);
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.node.addEventListener('keydown', this);
    this._render();
  }

  protected onBeforeDetach(msg: Message): void {
    this.node.removeEventListener('keydown', this);
    super.onBeforeDetach(msg);
  }

  private _onKeydown(event: KeyboardEvent): void {
    if (event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    const model = this.model;
    const actions: Record<string, () => void> = {
      ArrowRight: () => (event.shiftKey ? model.stepOver() : model.next()),
      ArrowLeft: () => model.previous(),
      Home: () => model.first(),
      End: () => model.last()
    };
    const action = actions[event.key];
    if (action) {
      action();
      event.preventDefault();
      event.stopPropagation();
    }
  }

  private _build(): void {
    const header = element('div', 'gt-header');
    this._title = element('span', 'gt-title', this.model.doc.title ?? 'Trace');
    this._counter = element('span', 'gt-counter');
    this._counter.setAttribute('aria-live', 'polite');
    const buttons = element('div', 'gt-buttons');
    this._buttons = {
      first: this._button('First', 'First step (Home)', () =>
        this.model.first()
      ),
      previous: this._button('◀ Previous', 'Previous step (←)', () =>
        this.model.previous()
      ),
      next: this._button('Next ▶', 'Next step (→)', () => this.model.next()),
      over: this._button(
        'Step over',
        'Skip the calls made here (Shift →)',
        () => this.model.stepOver()
      ),
      last: this._button('Last', 'Last step (End)', () => this.model.last())
    };
    this._buttons.previous.classList.add('gt-previous');
    this._buttons.next.classList.add('gt-next');
    Object.values(this._buttons).forEach(button => buttons.appendChild(button));
    this._slider = element('input', 'gt-slider');
    this._slider.type = 'range';
    this._slider.min = '0';
    this._slider.max = String(Math.max(0, this.model.stepCount - 1));
    this._slider.setAttribute('aria-label', 'Step');
    this._slider.addEventListener('input', () =>
      this.model.goTo(Number(this._slider.value))
    );
    header.append(this._title, this._counter, buttons, this._slider);

    const tabs = element('div', 'gt-tabs');
    tabs.setAttribute('role', 'tablist');
    for (const [name, label] of [
      ['steps', 'Steps'],
      ['text', 'Snoop text']
    ] as [TraceTab, string][]) {
      const button = element('button', 'gt-tab', label);
      button.setAttribute('role', 'tab');
      button.addEventListener('click', () => this.showTab(name));
      this._tabButtons.set(name, button);
      tabs.appendChild(button);
    }

    this._banner = element('div', 'gt-banner');
    const truncation = this.model.truncation;
    if (truncation) {
      this._banner.textContent = `⚠ ${truncation.message} — the trace below is incomplete.`;
    }
    this._banner.hidden = !truncation;

    this._description = element('div', 'gt-description');

    const steps = element('div', 'gt-steps');
    const sourcePane = element('div', 'gt-pane gt-sourcePane');
    this._sourceTitle = element('div', 'gt-paneTitle');
    this._source = element('div', 'gt-source');
    sourcePane.append(this._sourceTitle, this._source);
    const variablesPane = element('div', 'gt-pane gt-variablesPane');
    this._variablesTitle = element('div', 'gt-paneTitle', 'Variables');
    this._variables = element('div', 'gt-variables');
    this._stack = element('div', 'gt-stack');
    variablesPane.append(this._variablesTitle, this._variables, this._stack);
    steps.append(sourcePane, variablesPane);

    this._snoop = element('div', 'gt-snoopText');

    this.node.append(
      header,
      this._banner,
      tabs,
      this._description,
      steps,
      this._snoop
    );
    this.showTab('steps');
  }

  private _button(
    label: string,
    title: string,
    onClick: () => void
  ): HTMLButtonElement {
    const button = element('button', 'gt-button jp-Button', label);
    button.type = 'button';
    button.title = title;
    button.addEventListener('click', () => {
      onClick();
      this.node.focus({ preventScroll: true });
    });
    return button;
  }

  private _renderSnoopText(): void {
    this._snoopLines = this.model.lines.map((text, index) => {
      const line = element('div', 'gt-snoopLine', text === '' ? ' ' : text);
      line.addEventListener('click', () =>
        this.model.goTo(this.model.stepForTextLine(index))
      );
      this._snoop.appendChild(line);
      return line;
    });
  }

  private _render(): void {
    if (!this._counter) {
      return;
    }
    const model = this.model;
    const event = model.event;
    this._counter.textContent =
      model.stepCount > 0
        ? `Step ${model.step + 1} of ${model.stepCount}`
        : 'No steps';
    this._slider.value = String(model.step);
    this._buttons.first.disabled = model.isFirst;
    this._buttons.previous.disabled = model.isFirst;
    this._buttons.next.disabled = model.isLast;
    this._buttons.over.disabled = model.isLast;
    this._buttons.last.disabled = model.isLast;
    this.node.dataset.kind = event?.kind ?? '';
    this._description.textContent = event
      ? describeEvent(event)
      : 'The trace has no events.';
    this._renderSource();
    this._renderVariables();
    this._renderSnoopHighlight();
  }

  private _renderSource(): void {
    const event = this.model.event;
    const name = event?.source ?? '';
    if (name !== this._sourceName) {
      this._sourceName = name;
      this._source.textContent = '';
      const text = this.model.doc.sources[name];
      this._sourceLines = (text ?? '(source not available)')
        .replace(/\n$/, '')
        .split('\n')
        .map((code, index) => {
          const row = element('div', 'gt-sourceLine');
          row.append(
            element('span', 'gt-lineNumber', String(index + 1)),
            element('span', 'gt-code', code === '' ? ' ' : code)
          );
          this._source.appendChild(row);
          return row;
        });
    }
    this._sourceTitle.textContent = event
      ? `${name} — ${frameName(event)}`
      : name;
    const current = event ? event.line - 1 : -1;
    this._sourceLines.forEach((row, index) => {
      row.classList.toggle('gt-mod-current', index === current);
    });
    const row = this._sourceLines[current];
    if (row && this._tab === 'steps') {
      scrollWithin(this._source, row);
    }
  }

  private _renderVariables(): void {
    const event = this.model.event;
    this._variablesTitle.textContent = event
      ? `Variables of ${frameName(event)}`
      : 'Variables';
    this._variables.textContent = '';
    const variables = this.model.variables();
    if (variables.length === 0) {
      this._variables.appendChild(
        element('div', 'gt-empty', 'No variables yet.')
      );
    }
    for (const variable of variables) {
      const row = element('div', 'gt-variable');
      row.classList.toggle('gt-mod-changed', variable.changed);
      row.dataset.name = variable.name;
      row.append(
        element('span', 'gt-variableName', variable.name),
        element('span', 'gt-variableValue', variable.value)
      );
      this._variables.appendChild(row);
    }
    const stack = this.model
      .callStack()
      .map(frame => `${frameName(frame)}:${frame.line}`);
    this._stack.textContent =
      stack.length > 1 ? `Call stack: ${stack.join(' › ')}` : '';
  }

  private _renderSnoopHighlight(): void {
    const [start, end] = this.model.textRange();
    let first: HTMLElement | null = null;
    this._snoopLines.forEach((line, index) => {
      const current = index >= start && index < end;
      line.classList.toggle('gt-mod-current', current);
      if (current && !first) {
        first = line;
      }
    });
    if (first && this._tab === 'text') {
      scrollWithin(this._snoop, first);
    }
  }

  private _tab: TraceTab = 'steps';
  private _tabButtons = new Map<TraceTab, HTMLButtonElement>();
  private _title!: HTMLElement;
  private _counter!: HTMLElement;
  private _buttons!: Record<
    'first' | 'previous' | 'next' | 'over' | 'last',
    HTMLButtonElement
  >;
  private _slider!: HTMLInputElement;
  private _banner!: HTMLElement;
  private _description!: HTMLElement;
  private _sourceTitle!: HTMLElement;
  private _source!: HTMLElement;
  private _sourceName: string | null = null;
  private _sourceLines: HTMLElement[] = [];
  private _variablesTitle!: HTMLElement;
  private _variables!: HTMLElement;
  private _stack!: HTMLElement;
  private _snoop!: HTMLElement;
  private _snoopLines: HTMLElement[] = [];
}
