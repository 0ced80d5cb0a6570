import { CommandRegistry } from '@lumino/commands';
import { LabIcon, launchIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import {
  actionsDescription,
  actionTitle,
  IStepAction,
  KeysOf,
  STEP_ACTIONS
} from './actions';
import { describeEvent } from './describe';
import { element } from '../common/dom';
import { TraceModel } from './model';
import { CallTreePane } from './panes/callTree';
import { TracePane } from './panes/pane';
import { SourcePane } from './panes/source';
import { TraceTextPane } from './panes/traceText';
import { VariablesPane } from './panes/variables';

/** Which tab of the view is showing (in the tabbed layout). */
export type TraceTab = 'steps' | 'calls' | 'text';

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

/**
 * The interactive view of one trace: a function of the model's (document, step).
 * This shell holds the step toolbar (from the action table), the tabs and the focus;
 * the panes (panes/) render the model's step themselves. Nothing here keeps execution
 * state: buttons, keys and clicks only move the model.
 * The inline renderer and the main-area viewer both use it.
 */
export class TraceView extends Widget {
  constructor(
    readonly model: TraceModel,
    options: ITraceViewOptions = {}
  ) {
    super();
    this._onOpen = options.onOpen ?? null;
    this._commands = options.commands ?? null;
    this.addClass('gt-TraceView');
    this.node.tabIndex = 0;
    this.node.setAttribute('role', 'group');
    const showing = (tab: TraceTab) => () => this.isShowing(tab);
    this.textPane = new TraceTextPane(model, { isShowing: showing('text') });
    this._panes = [
      new SourcePane(model, { isShowing: showing('steps') }),
      new VariablesPane(model, {
        isShowing: showing('steps'),
        foldAt: options.foldAt ?? 160
      }),
      new CallTreePane(model, { isShowing: showing('calls') }),
      this.textPane
    ];
    this._build();
    this._describeKeys();
    this._commands?.keyBindingChanged.connect(this._describeKeys, this);
    this.setLayout(options.layout ?? 'tabs');
    model.stateChanged.connect(this._render, this);
  }

  /** The snoop (or compact) text pane: its format and folds. */
  readonly textPane: TraceTextPane;

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
    this._renderAll();
  }

  setLayout(layout: TraceLayout): void {
    this._paneLayout = layout;
    this.node.dataset.layout = layout;
    this._renderAll();
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
    this._panes.forEach(pane => pane.dispose());
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._renderAll();
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this._panes.forEach(pane => pane.resize());
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
    body.append(...this._panes.map(pane => pane.node));
    this.node.append(header, this._banner, tabs, this._description, body);
    this.showTab('steps');
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

  /** The header and the step's description (the panes follow the model themselves). */
  private _render(): void {
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
  }

  /** Everything, after a change of what is on screen (tab, layout, attach). */
  private _renderAll(): void {
    if (!this._counter) {
      return;
    }
    this._render();
    this._panes.forEach(pane => pane.render());
  }

  private _tab: TraceTab = 'steps';
  private _paneLayout: TraceLayout = 'tabs';
  private _onOpen: ((step: number) => void) | null;
  private _commands: CommandRegistry | null;
  private _panes: TracePane[];
  private _tabButtons = new Map<TraceTab, HTMLButtonElement>();
  private _title!: HTMLElement;
  private _counter!: HTMLElement;
  private _buttons = new Map<IStepAction, HTMLButtonElement>();
  private _slider!: HTMLInputElement;
  private _banner!: HTMLElement;
  private _description!: HTMLElement;
}
