import { element } from '../../common/dom';
import { VirtualList } from '../../common/virtualList';
import { TraceModel } from '../model';

/** Rows of the virtualized panes are this tall (pixels; the CSS sets the same). */
export const ROW_HEIGHT = 18;

/** What a pane needs from the view it sits in. */
export interface IPaneOptions {
  /** Whether the pane is on screen (its tab is selected, or every pane shows). */
  isShowing: () => boolean;
}

/**
 * One pane of the trace view: a node in the view's body showing the model's current
 * step. It renders itself when the model's step changes; the view asks it to render
 * when it comes on screen. A pane keeps view state only (folds, scroll), never
 * execution state.
 */
export abstract class TracePane {
  constructor(
    readonly model: TraceModel,
    className: string,
    options: IPaneOptions
  ) {
    this.node = element('div', `gt-pane ${className}`);
    this._isShowing = options.isShowing;
    model.stateChanged.connect(this.render, this);
  }

  readonly node: HTMLElement;

  get isShowing(): boolean {
    return this._isShowing();
  }

  /** Shows the model's current step. */
  abstract render(): void;

  /** The view changed size (a virtual list draws the rows now in view). */
  resize(): void {
    // Most panes reflow with the CSS alone.
  }

  dispose(): void {
    this.model.stateChanged.disconnect(this.render, this);
  }

  private _isShowing: () => boolean;
}

/**
 * A pane whose rows are a virtual list (the call tree, the trace text): only the rows in
 * view are in the DOM, drawn again when the view's size changes.
 */
export abstract class ListPane extends TracePane {
  constructor(
    model: TraceModel,
    className: string,
    listClassName: string,
    options: IPaneOptions
  ) {
    super(model, className, options);
    this.list = new VirtualList({
      className: listClassName,
      rowHeight: ROW_HEIGHT,
      renderRow: index => this.renderRow(index),
      decorate: (row, index) => this.decorateRow(row, index)
    });
  }

  protected readonly list: VirtualList;

  /** Builds row `index` (as text). */
  protected abstract renderRow(index: number): HTMLElement;

  /** Refreshes a row in view (the current-step mark) without rebuilding it. */
  protected abstract decorateRow(row: HTMLElement, index: number): void;

  resize(): void {
    this.list.render();
  }

  dispose(): void {
    this.list.dispose();
    super.dispose();
  }
}
