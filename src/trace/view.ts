import { CommandRegistry } from '@lumino/commands';
import {
  caretDownIcon,
  caretRightIcon,
  LabIcon,
  launchIcon
} from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import {
  actionsDescription,
  actionTitle,
  IStepAction,
  KeysOf,
  STEP_ACTIONS
} from './actions';

import {
  compactRows,
  foldTitle,
  hasCompactText,
  ICompactRow,
  rowShowsStep
} from './compactText';
import { describeEvent, frameName } from './describe';
import { element, scrollWithin } from '../common/dom';
import { ICallRow, TraceModel } from './model';
import { VirtualList } from '../common/virtualList';

/** Which tab of the view is showing (in the tabbed layout). */
export type TraceTab = 'steps' | 'calls' | 'text';

/** Which text the text pane shows: snoop's, or the compact text with its folds. */
export type TextFormat = 'snoop' | 'compact';

/** Tabs (inline, narrow) or every pane at once (the main-area viewer). */
export type TraceLayout = 'tabs' | 'side-by-side';

export interface ITraceViewOptions {
  layout?: TraceLayout;
  /** Values longer than this many characters are folded (default 160). */
  foldAt?: number;
  /** Shows an "Open in viewer" button that calls this with the current step. */
  onOpen?: (step: number) => void;
  /**
   * The application's commands: the step keys are their key bindings (shown in the
   * buttons' titles and the view's aria text, kept up to date when rebound).
   */
  commands?: CommandRegistry | null;
}

/** The keys bound to each command of a registry, formatted for reading. */
export function keysOf(commands: CommandRegistry | null | undefined): KeysOf {
  return id =>
    (commands?.keyBindings ?? [])
      .filter(binding => binding.command === id)
      .map(binding =>
        binding.keys.map(key => CommandRegistry.formatKeystroke(key)).join(' ')
      );
}

/** Rows of the virtualized panes are this tall (pixels; the CSS sets the same). */
export const ROW_HEIGHT = 18;

/**
 * The interactive view of one trace: a function of the model's (document, step).
 * It keeps no execution state of its own; buttons, keys and clicks only move the model.
 * The inline renderer and the main-area viewer both use it.
 */
export class TraceView extends Widget {
  constructor(
    readonly model: TraceModel,
    options: ITraceViewOptions = {}
  ) {
    super();
    this._foldAt = options.foldAt ?? 160;
    this._onOpen = options.onOpen ?? null;
    this._commands = options.commands ?? null;
    this.addClass('gt-TraceView');
    this.node.tabIndex = 0;
    this.node.setAttribute('role', 'group');
    this._build();
    this._describeKeys();
    this._commands?.keyBindingChanged.connect(this._describeKeys, this);
    this.setLayout(options.layout ?? 'tabs');
    model.stateChanged.connect(this._render, this);
    this._render();
  }

  get tab(): TraceTab {
    return this._tab;
  }

  get layoutMode(): TraceLayout {
    return this._paneLayout;
  }

  /** Shows the step-by-step view, the call tree or the plain snoop text. */
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

  setLayout(layout: TraceLayout): void {
    this._paneLayout = layout;
    this.node.dataset.layout = layout;
    this._render();
  }

  /** Whether a pane is on screen in the current layout and tab. */
  isShowing(pane: TraceTab): boolean {
    return this._paneLayout === 'side-by-side' || this._tab === pane;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.stateChanged.disconnect(this._render, this);
    this._commands?.keyBindingChanged.disconnect(this._describeKeys, this);
    this._snoop.dispose();
    this._calls.dispose();
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._render();
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this._snoop.render();
    this._calls.render();
  }

  private _build(): void {
    const header = element('div', 'gt-header');
    this._title = element('span', 'gt-title', this.model.doc.title ?? 'Trace');
    this._counter = element('span', 'gt-counter');
    this._counter.setAttribute('aria-live', 'polite');
    const buttons = element('div', 'gt-buttons');
    for (const action of STEP_ACTIONS) {
      if (action.button) {
        const button = this._button(
          action.label,
          action.caption,
          () => action.run(this.model),
          action.button.icon,
          action.button.iconAt
        );
        button.classList.add(action.button.className);
        this._buttons.set(action, button);
        buttons.appendChild(button);
      }
    }
    this._slider = element('input', 'gt-slider');
    this._slider.type = 'range';
    this._slider.min = '0';
    this._slider.max = String(Math.max(0, this.model.stepCount - 1));
    this._slider.setAttribute('aria-label', 'Step');
    this._slider.addEventListener('input', () =>
      this.model.goTo(Number(this._slider.value))
    );
    header.append(this._title, this._counter, buttons, this._slider);
    if (this._onOpen) {
      const open = this._button(
        'Open in viewer',
        'Open this trace full-size in the main area',
        () => this._onOpen?.(this.model.step),
        launchIcon,
        'before'
      );
      open.classList.add('gt-openViewer');
      header.appendChild(open);
    }

    const tabs = element('div', 'gt-tabs');
    tabs.setAttribute('role', 'tablist');
    for (const [name, label] of [
      ['steps', 'Steps'],
      ['calls', 'Calls'],
      ['text', 'Snoop text']
    ] as [TraceTab, string][]) {
      const button = element('button', 'gt-tab', label);
      button.type = 'button';
      button.setAttribute('role', 'tab');
      button.dataset.tab = name;
      button.addEventListener('click', () => this.showTab(name));
      this._tabButtons.set(name, button);
      tabs.appendChild(button);
    }

    this._banner = element('div', 'gt-banner');
    const truncation = this.model.truncation;
    if (truncation) {
      this._banner.textContent = `Incomplete trace: ${truncation.message}.`;
    }
    this._banner.hidden = !truncation;

    this._description = element('div', 'gt-description');

    const body = element('div', 'gt-body');
    const sourcePane = element('div', 'gt-pane gt-sourcePane');
    this._sourceTitle = element('div', 'gt-paneTitle');
    this._source = element('div', 'gt-source');
    sourcePane.append(this._sourceTitle, this._source);

    const variablesPane = element('div', 'gt-pane gt-variablesPane');
    this._variablesTitle = element('div', 'gt-paneTitle', 'Variables');
    this._variables = element('div', 'gt-variables');
    this._stack = element('div', 'gt-stack');
    variablesPane.append(this._variablesTitle, this._variables, this._stack);

    const callsPane = element('div', 'gt-pane gt-callsPane');
    callsPane.append(element('div', 'gt-paneTitle', 'Calls'));
    this._calls = new VirtualList({
      className: 'gt-callTree',
      rowHeight: ROW_HEIGHT,
      renderRow: index => this._renderCallRow(index),
      decorate: (row, index) => this._decorateCallRow(row, index)
    });
    this._calls.node.setAttribute('role', 'tree');
    this._calls.node.setAttribute('aria-label', 'Call tree');
    this._calls.node.addEventListener('keydown', event =>
      this._onCallTreeKeydown(event)
    );
    callsPane.append(this._calls.node);

    const snoopPane = element('div', 'gt-pane gt-snoopPane');
    const snoopTitle = element('div', 'gt-paneTitle', 'Snoop text');
    snoopPane.append(snoopTitle);
    if (hasCompactText(this.model.doc)) {
      // The compact format: the text the translator read (loops folded) or snoop's own.
      snoopTitle.textContent = '';
      const formats = element('div', 'gt-textFormats');
      formats.setAttribute('role', 'radiogroup');
      formats.setAttribute('aria-label', 'Text format');
      for (const [format, label] of [
        ['compact', 'Compact text'],
        ['snoop', 'Snoop text']
      ] as [TextFormat, string][]) {
        const button = element('button', 'gt-textFormat', label);
        button.type = 'button';
        button.dataset.format = format;
        button.setAttribute('role', 'radio');
        button.addEventListener('click', () => this.showTextFormat(format));
        this._formatButtons.set(format, button);
        formats.appendChild(button);
      }
      snoopTitle.appendChild(formats);
      this._textFormat = 'compact';
    }
    this._snoop = new VirtualList({
      className: 'gt-snoopText',
      rowHeight: ROW_HEIGHT,
      renderRow: index => this._renderTextRow(index),
      decorate: (row, index) => {
        const range = this.model.textRange();
        const compact = this._textRows();
        const current = compact
          ? rowShowsStep(compact[index], this.model.doc, range)
          : index >= range[0] && index < range[1];
        row.classList.toggle('gt-mod-current', current);
      }
    });
    this._snoop.node.addEventListener('click', event => {
      const row = (event.target as HTMLElement).closest('.gt-snoopLine');
      if (!(row instanceof HTMLElement) || !row.dataset.index) {
        return;
      }
      const index = Number(row.dataset.index);
      const compact = this._textRows()?.[index];
      if (compact?.role === 'summary') {
        this.toggleFold(compact.fold!);
        return;
      }
      const line = compact ? compact.snoopLine : index;
      this.model.goTo(this.model.stepForTextLine(line));
    });
    snoopPane.append(this._snoop.node);
    this.showTextFormat(this._textFormat);

    body.append(sourcePane, variablesPane, callsPane, snoopPane);
    this.node.append(header, this._banner, tabs, this._description, body);
    this.showTab('steps');
  }

  get textFormat(): TextFormat {
    return this._textFormat;
  }

  /** Shows snoop's text or (for a compact-format trace) the compact text. */
  showTextFormat(format: TextFormat): void {
    this._textFormat = hasCompactText(this.model.doc) ? format : 'snoop';
    this._formatButtons.forEach((button, name) => {
      const selected = name === this._textFormat;
      button.classList.toggle('gt-mod-selected', selected);
      button.setAttribute('aria-checked', String(selected));
    });
    this._rows = null;
    this._snoop.setCount(this._textRows()?.length ?? this.model.lines.length);
    this._renderSnoopHighlight();
  }

  /** Opens a fold of the compact text into its iterations, or closes it. */
  toggleFold(fold: number): void {
    if (this._expandedFolds.has(fold)) {
      this._expandedFolds.delete(fold);
    } else {
      this._expandedFolds.add(fold);
    }
    this._rows = null;
    this._snoop.setCount(this._textRows()?.length ?? 0);
    this._renderSnoopHighlight(); // the current step's row, wherever it is now
  }

  /** The compact text's rows, or null while snoop's text is shown. */
  private _textRows(): ICompactRow[] | null {
    if (this._textFormat !== 'compact') {
      return null;
    }
    if (!this._rows) {
      this._rows = compactRows(this.model.doc, this._expandedFolds);
    }
    return this._rows;
  }

  private _renderTextRow(index: number): HTMLElement {
    const compact = this._textRows()?.[index];
    const text = compact ? compact.text : this.model.lines[index];
    const row = element('div', 'gt-snoopLine', text === '' ? ' ' : text);
    if (compact && compact.role !== 'line') {
      const fold = this.model.doc.compact!.folds[compact.fold!];
      row.classList.add(
        compact.role === 'inside' ? 'gt-mod-foldInside' : 'gt-mod-fold'
      );
      if (compact.header) {
        row.classList.add('gt-mod-foldHeader');
        row.setAttribute('aria-expanded', String(!!compact.expanded));
        row.textContent = `${compact.expanded ? '▾' : '▸'} ${text.trimStart()}`;
        row.style.paddingLeft = `${6 + (text.length - text.trimStart().length) * 7}px`;
      }
      row.title = `${foldTitle(fold)}: click to ${
        this._expandedFolds.has(compact.fold!) ? 'fold' : 'show'
      } them`;
    }
    return row;
  }

  /** Titles and aria text from the actions and their current key bindings. */
  private _describeKeys(): void {
    const keys = keysOf(this._commands);
    this._buttons.forEach((button, action) => {
      button.title = actionTitle(action, keys);
    });
    this.node.setAttribute('aria-label', actionsDescription(keys));
  }

  private _button(
    label: string,
    title: string,
    onClick: () => void,
    icon?: LabIcon,
    iconAt: 'before' | 'after' = 'before'
  ): HTMLButtonElement {
    const button = element('button', 'gt-button jp-Button');
    button.type = 'button';
    button.title = title;
    const text = element('span', 'gt-buttonLabel', label);
    if (icon) {
      const glyph = icon.element({
        tag: 'span',
        className: 'gt-buttonIcon',
        elementSize: 'small'
      });
      button.append(...(iconAt === 'before' ? [glyph, text] : [text, glyph]));
    } else {
      button.append(text);
    }
    button.addEventListener('click', () => {
      onClick();
      this.node.focus({ preventScroll: true });
    });
    return button;
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
    this._buttons.forEach((button, action) => {
      button.disabled = !action.canRun(model);
    });
    this.node.dataset.kind = event?.kind ?? '';
    this._description.textContent = event
      ? describeEvent(event)
      : 'The trace has no events.';
    this._renderSource();
    this._renderVariables();
    if (this.isShowing('calls')) {
      this._renderCalls();
    }
    this._renderSnoopHighlight();
  }

  private _renderSource(): void {
    const event = this.model.event;
    const name = event?.source ?? '';
    if (name !== this._sourceName) {
      this._sourceName = name;
      this._source.textContent = '';
      const text = this.model.doc.sources[name];
      const hits = text !== undefined ? this.model.hitCounts(name) : [];
      this._sourceLines = (text ?? '(source not available)')
        .replace(/\n$/, '')
        .split('\n')
        .map((code, index) => {
          const row = element('div', 'gt-sourceLine');
          const count = hits[index] ?? 0;
          const gutter = element(
            'span',
            'gt-hits',
            count > 0 ? `${count}×` : ''
          );
          gutter.title =
            count > 0
              ? `ran ${count} time${count > 1 ? 's' : ''}`
              : 'never ran';
          row.classList.toggle('gt-mod-unrun', text !== undefined && !count);
          row.append(
            element('span', 'gt-lineNumber', String(index + 1)),
            gutter,
            element('span', 'gt-code', code === '' ? ' ' : code)
          );
          this._source.appendChild(row);
          return row;
        });
      this._currentSourceRow = null;
    }
    this._sourceTitle.textContent = event
      ? `${name} — ${frameName(event)}`
      : name;
    const row = event ? (this._sourceLines[event.line - 1] ?? null) : null;
    if (row !== this._currentSourceRow) {
      this._currentSourceRow?.classList.remove('gt-mod-current');
      row?.classList.add('gt-mod-current');
      this._currentSourceRow = row;
    }
    if (row && this.isShowing('steps')) {
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
      const folded =
        variable.value.length > this._foldAt &&
        !this._unfolded.has(variable.name);
      const value = element(
        'span',
        'gt-variableValue',
        folded ? `${variable.value.slice(0, this._foldAt)}…` : variable.value
      );
      row.append(element('span', 'gt-variableName', variable.name), value);
      if (variable.value.length > this._foldAt) {
        const toggle = element(
          'button',
          'gt-fold',
          folded ? `show all ${variable.value.length} characters` : 'fold'
        );
        toggle.type = 'button';
        toggle.setAttribute('aria-expanded', String(!folded));
        toggle.addEventListener('click', () => {
          if (folded) {
            this._unfolded.add(variable.name);
          } else {
            this._unfolded.delete(variable.name);
          }
          this._renderVariables();
        });
        row.classList.add('gt-mod-long');
        row.append(toggle);
      }
      this._variables.appendChild(row);
    }
    const stack = this.model.callStack();
    this._stack.textContent = '';
    if (stack.length > 1) {
      this._stack.append(element('span', 'gt-stackLabel', 'Call stack: '));
      stack.forEach((frame, index) => {
        if (index > 0) {
          this._stack.append(' › ');
        }
        const link = element(
          'button',
          'gt-stackFrame',
          `${frameName(frame)}:${frame.line}`
        );
        link.type = 'button';
        link.title = `Go to step ${frame.step + 1}, where this frame is`;
        link.addEventListener('click', () => this.model.goTo(frame.step));
        this._stack.append(link);
      });
    }
  }

  private _renderCalls(): void {
    if (!this._callRows) {
      this._callRows = this.model.callRows(this._collapsed);
      this._callRowIndex = new Map(
        this._callRows.map((row, index) => [row.node, index])
      );
      this._calls.setCount(this._callRows.length);
    }
    const current = this.model.callAt();
    if (current !== this._currentCall) {
      this._currentCall = current;
      this._calls.refresh();
      const index = current ? (this._callRowIndex.get(current) ?? -1) : -1;
      if (index >= 0) {
        this._calls.scrollToIndex(index);
      }
    }
  }

  private _renderCallRow(index: number): HTMLElement {
    const row = this._callRows![index] as ICallRow;
    const node = element('div', 'gt-callRow');
    node.setAttribute('role', 'treeitem');
    node.style.paddingLeft = `${row.level * 14 + 4}px`;
    if (row.node.children.length > 0) {
      node.setAttribute('aria-expanded', String(!row.collapsed));
      const toggle = element('button', 'gt-callToggle');
      toggle.type = 'button';
      toggle.title = row.collapsed ? 'Expand' : 'Collapse';
      toggle.setAttribute(
        'aria-label',
        `${row.collapsed ? 'Expand' : 'Collapse'} (${row.node.children.length} calls inside)`
      );
      (row.collapsed ? caretRightIcon : caretDownIcon).element({
        container: toggle,
        elementSize: 'small'
      });
      toggle.addEventListener('click', () =>
        this._setCollapsed(row.node, !row.collapsed)
      );
      node.append(toggle);
    } else {
      node.append(element('span', 'gt-callToggle gt-mod-leaf'));
    }
    const event = this.model.callEvent(row.node);
    const args = event.changes.map(([n, v]) => `${n}=${v}`).join(', ');
    const label = element(
      'button',
      'gt-callLabel',
      frameName(event) === event.function
        ? `${frameName(event)}(${args})`
        : frameName(event)
    );
    label.type = 'button';
    label.title = `Go to step ${row.node.firstStep + 1}`;
    label.addEventListener('click', () => this.model.goTo(row.node.firstStep));
    node.append(
      label,
      element(
        'span',
        'gt-callSteps',
        `${row.node.firstStep + 1}–${row.node.lastStep + 1}`
      )
    );
    return node;
  }

  private _setCollapsed(node: ICallRow['node'], collapsed: boolean): void {
    if (collapsed) {
      this._collapsed.add(node.frame);
    } else {
      this._collapsed.delete(node.frame);
    }
    this._callRows = null;
    this._currentCall = undefined;
    this._renderCalls();
  }

  /**
   * The tree keys of WAI-ARIA's tree pattern while a call is focused: Up/Down move between
   * calls, Right expands (or goes to the first inner call), Left collapses (or goes to the
   * caller), Home/End go to the first/last call. Enter and Space are the buttons' own.
   * Handled here, they do not reach the view, where the arrows step through the trace.
   */
  private _onCallTreeKeydown(event: KeyboardEvent): void {
    const rows = this._callRows;
    const rowNode = (event.target as HTMLElement).closest<HTMLElement>(
      '.gt-callRow'
    );
    if (!rows || !rowNode || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    const index = Number(rowNode.dataset.index);
    const row = rows[index];
    const hasChildren = row.node.children.length > 0;
    let target: number | null = null;
    switch (event.key) {
      case 'ArrowDown':
        target = Math.min(index + 1, rows.length - 1);
        break;
      case 'ArrowUp':
        target = Math.max(index - 1, 0);
        break;
      case 'Home':
        target = 0;
        break;
      case 'End':
        target = rows.length - 1;
        break;
      case 'ArrowRight':
        if (hasChildren && row.collapsed) {
          this._setCollapsed(row.node, false);
          target = this._callRowIndex.get(row.node) ?? index;
        } else {
          target = hasChildren ? index + 1 : index;
        }
        break;
      case 'ArrowLeft':
        if (hasChildren && !row.collapsed) {
          this._setCollapsed(row.node, true);
          target = this._callRowIndex.get(row.node) ?? index;
        } else {
          target = index;
          while (target > 0 && rows[target].level >= row.level) {
            target--;
          }
          if (rows[target].level >= row.level) {
            target = index; // an outermost call has no caller row
          }
        }
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
    this._focusCallRow(target);
  }

  private _focusCallRow(index: number): void {
    this._calls.scrollToIndex(index);
    this._calls.rows
      .get(index)
      ?.querySelector<HTMLElement>('.gt-callLabel')
      ?.focus();
  }

  private _decorateCallRow(row: HTMLElement, index: number): void {
    const node = this._callRows?.[index]?.node;
    row.classList.toggle(
      'gt-mod-current',
      !!node && node === this._currentCall
    );
  }

  private _renderSnoopHighlight(): void {
    const range = this.model.textRange();
    this._snoop.refresh();
    if (this.isShowing('text')) {
      const compact = this._textRows();
      const index = compact
        ? Math.max(
            0,
            compact.findIndex(row => rowShowsStep(row, this.model.doc, range))
          )
        : range[0];
      this._snoop.scrollToIndex(index);
      this._snoop.refresh();
    }
  }

  private _tab: TraceTab = 'steps';
  private _paneLayout: TraceLayout = 'tabs';
  private _foldAt: number;
  private _onOpen: ((step: number) => void) | null;
  private _commands: CommandRegistry | null;
  private _unfolded = new Set<string>();
  private _tabButtons = new Map<TraceTab, HTMLButtonElement>();
  private _title!: HTMLElement;
  private _counter!: HTMLElement;
  private _buttons = new Map<IStepAction, HTMLButtonElement>();
  private _slider!: HTMLInputElement;
  private _banner!: HTMLElement;
  private _description!: HTMLElement;
  private _sourceTitle!: HTMLElement;
  private _source!: HTMLElement;
  private _sourceName: string | null = null;
  private _sourceLines: HTMLElement[] = [];
  private _currentSourceRow: HTMLElement | null = null;
  private _variablesTitle!: HTMLElement;
  private _variables!: HTMLElement;
  private _stack!: HTMLElement;
  private _calls!: VirtualList;
  private _callRows: ICallRow[] | null = null;
  private _callRowIndex = new Map<ICallRow['node'], number>();
  private _collapsed = new Set<number>();
  private _currentCall: ICallRow['node'] | null | undefined = undefined;
  private _snoop!: VirtualList;
  private _textFormat: TextFormat = 'snoop';
  private _formatButtons = new Map<TextFormat, HTMLButtonElement>();
  private _expandedFolds = new Set<number>();
  private _rows: ICompactRow[] | null = null;
}
