import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { CommandRegistry } from '@lumino/commands';
import { ISignal, Signal } from '@lumino/signaling';
import { SplitPanel, Widget } from '@lumino/widgets';

import { element } from '../common/dom';
import { TraceModel } from '../trace/model';
import { IStoredNarration, NarrationPane } from '../narration/pane';
import { TraceDocument } from '../schema/trace';
import { TraceLayout, TraceView } from '../trace/view';
import { ISampling } from '../narration/translatorClient';

/** What the viewer shows: a trace and, for a dataset item, its record and narration. */
export interface IViewerItem {
  title: string;
  document: TraceDocument | null;
  /** A traces.jsonl record (question, input, expected, returned output, trace text). */
  record?: Record<string, unknown> | null;
  /** A translated.jsonl record (final, thinking, verdict, evidence). */
  translation?: IStoredNarration | null;
}

export interface ITraceViewerOptions {
  item: IViewerItem;
  step?: number;
  layout?: TraceLayout;
  /** Where the item and narration go beside the trace. */
  narrationAt?: 'right' | 'bottom';
  translator?: () => { model?: string; sampling?: ISampling };
  markdown?: IRenderMimeRegistry | null;
  /** The application's commands (the trace view's step keys). */
  commands?: CommandRegistry | null;
}

/**
 * The main-area trace viewer: the shared TraceView over one TraceModel, and beside it
 * the dataset item (question, input, expected and returned output) and the narration.
 */
export class TraceViewer extends SplitPanel {
  constructor(options: ITraceViewerOptions) {
    super({
      orientation: options.narrationAt === 'bottom' ? 'vertical' : 'horizontal',
      spacing: 4
    });
    this.addClass('gt-TraceViewer');
    const { item } = options;
    this.item = item;
    this.model = item.document ? new TraceModel(item.document) : null;
    if (this.model) {
      if (options.step) {
        this.model.goTo(options.step);
      }
      this.view = new TraceView(this.model, {
        layout: options.layout ?? 'side-by-side',
        commands: options.commands
      });
      this.model.stateChanged.connect(() => this._stepChanged.emit(), this);
      this.addWidget(this.view);
    } else {
      this.view = null;
      const missing = new Widget();
      missing.addClass('gt-note');
      missing.node.textContent =
        'No structured trace is stored for this item (documents.jsonl has none): only its record is shown.';
      this.addWidget(missing);
    }
    const side = new Widget();
    side.addClass('gt-ItemPane');
    this._renderItem(side.node, item);
    this.narration = new NarrationPane({
      model: this.model,
      record: recordForPython(item),
      stored: item.translation ?? null,
      translator: options.translator,
      markdown: options.markdown
    });
    side.node.append(this.narration.node);
    this.addWidget(side);
    this.setRelativeSizes([3, 2]);
    this._orientation = this.orientation;
  }

  readonly item: IViewerItem;
  readonly model: TraceModel | null;
  readonly view: TraceView | null;
  readonly narration: NarrationPane;

  /** Emitted when the current step changes (the viewer's state to save). */
  get stepChanged(): ISignal<this, void> {
    return this._stepChanged;
  }

  get step(): number {
    return this.model?.step ?? 0;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.narration.dispose();
    super.dispose();
  }

  /** A narrow viewer puts the item and narration under the trace. */
  protected onResize(msg: Widget.ResizeMessage): void {
    const width = msg.width >= 0 ? msg.width : this.node.offsetWidth;
    const wanted =
      width > 0 && width < NARROW_PX ? 'vertical' : this._orientation;
    if (this.orientation !== wanted) {
      this.orientation = wanted;
    }
    super.onResize(msg);
  }

  private _renderItem(node: HTMLElement, item: IViewerItem): void {
    const record = item.record;
    if (!record) {
      return;
    }
    const question = [record['problem_description'], record['io_requirements']]
      .filter(part => typeof part === 'string' && part)
      .join('\n\n');
    const returned = record['return_value'] as
      { repr?: string } | null | undefined;
    const matches = record['output_matches'];
    node.append(
      element('h2', 'gt-itemTitle', item.title),
      section('Question', question || '(none)', 'gt-prose'),
      section('Input', pythonText(record['input_repr'], record['input'])),
      section(
        'Expected output',
        pythonText(record['expected_output_repr'], record['expected_output'])
      ),
      section(
        'Returned output',
        returned?.repr ??
          (record['error']
            ? `(no value: ${String(record['error'])})`
            : '(none)')
      )
    );
    if (typeof matches === 'boolean') {
      const chip = element(
        'span',
        'gt-badge gt-outputMatch',
        matches ? 'returned = expected' : 'returned ≠ expected'
      );
      chip.dataset.kind = matches ? 'good' : 'bad';
      node.lastElementChild
        ?.querySelector('.gt-block-title')
        ?.append(' ', chip);
    }
  }

  private _orientation: SplitPanel.Orientation;
  private _stepChanged = new Signal<this, void>(this);
}

const NARROW_PX = 760;

/** The record the Python routes prompt and verify with. */
export function recordForPython(item: IViewerItem): Record<string, unknown> {
  const record: Record<string, unknown> = { ...(item.record ?? {}) };
  if (item.document) {
    record['document'] = item.document;
  }
  return record;
}

/**
 * A value as Python shows it: the record's repr (values JSON cannot hold, such as tuples,
 * sets, bytes or int keys, are stored in a tagged form, never to be shown as JSON), else
 * the JSON of a record written before reprs existed.
 */
function pythonText(repr: unknown, value: unknown): string {
  return typeof repr === 'string' ? repr : show(value);
}

function show(value: unknown): string {
  if (value === undefined) {
    return '(none)';
  }
  return typeof value === 'string'
    ? JSON.stringify(value)
    : JSON.stringify(value, null, 1);
}

/** A titled block of text (the generator's sample blocks: one look for both). */
function section(title: string, text: string, extra = ''): HTMLElement {
  const node = element('section', 'gt-block');
  node.append(
    element('h3', 'gt-block-title', title),
    element('pre', `gt-block-text ${extra}`.trim(), text)
  );
  return node;
}
