/**
 * A scrolling list that keeps only the rows in view (plus a margin) in the DOM, so a
 * pane over 200,000 snoop lines costs as much as one over 50. Rows have one fixed
 * height; `renderRow` builds a row's element (as text), `decorate` refreshes it
 * (e.g. the current-line class) without rebuilding it.
 */
export interface IVirtualListOptions {
  className: string;
  rowHeight: number;
  renderRow: (index: number) => HTMLElement;
  decorate?: (row: HTMLElement, index: number) => void;
  /** Rows drawn when the list has no height yet (hidden, or in jsdom). */
  fallbackRows?: number;
}

const OVERSCAN = 10;

export class VirtualList {
  constructor(private readonly _options: IVirtualListOptions) {
    this.node = document.createElement('div');
    this.node.className = `gt-VirtualList ${_options.className}`;
    this._spacer = document.createElement('div');
    this._spacer.className = 'gt-VirtualList-spacer';
    this.node.appendChild(this._spacer);
    this.node.addEventListener('scroll', () => this._scheduleRender());
    if (typeof ResizeObserver !== 'undefined') {
      this._resize = new ResizeObserver(() => this._scheduleRender());
      this._resize.observe(this.node);
    }
  }

  readonly node: HTMLElement;

  get count(): number {
    return this._count;
  }

  /** The rows currently in the DOM, by index. */
  get rows(): ReadonlyMap<number, HTMLElement> {
    return this._rows;
  }

  /** Sets the number of rows and rebuilds the visible ones. */
  setCount(count: number): void {
    this._count = count;
    this._spacer.style.height = `${count * this._options.rowHeight}px`;
    this._rows.forEach(row => row.remove());
    this._rows.clear();
    this.render();
  }

  /** Re-decorates the rows in view (after the current step changed). */
  refresh(): void {
    const decorate = this._options.decorate;
    if (decorate) {
      this._rows.forEach((row, index) => decorate(row, index));
    }
  }

  /** Scrolls just enough to show row `index` (a third down the pane when it jumps). */
  scrollToIndex(index: number): void {
    this._focus = index;
    const height = this._options.rowHeight;
    const top = index * height;
    const view = this.node.clientHeight;
    if (view > 0) {
      if (
        top < this.node.scrollTop ||
        top + height > this.node.scrollTop + view
      ) {
        this.node.scrollTop = Math.max(0, top - view / 3);
      }
    }
    this.render();
  }

  /** Draws the rows in view; rows that stay in view are kept as they are. */
  render(): void {
    const height = this._options.rowHeight;
    const view = this.node.clientHeight;
    let first: number;
    let last: number;
    if (view > 0) {
      first = Math.floor(this.node.scrollTop / height) - OVERSCAN;
      last = Math.ceil((this.node.scrollTop + view) / height) + OVERSCAN;
    } else {
      const rows = this._options.fallbackRows ?? 200;
      first = this._focus - rows / 2;
      last = this._focus + rows / 2;
    }
    first = Math.max(0, first);
    last = Math.min(this._count, Math.max(first, last));
    this._rows.forEach((row, index) => {
      if (index < first || index >= last) {
        row.remove();
        this._rows.delete(index);
      }
    });
    const fragment = document.createDocumentFragment();
    for (let index = first; index < last; index++) {
      if (!this._rows.has(index)) {
        const row = this._options.renderRow(index);
        row.style.top = `${index * height}px`;
        row.dataset.index = String(index);
        this._rows.set(index, row);
        this._options.decorate?.(row, index);
        fragment.appendChild(row);
      }
    }
    this._spacer.appendChild(fragment);
  }

  dispose(): void {
    this._resize?.disconnect();
    this._rows.clear();
  }

  private _scheduleRender(): void {
    if (this._frame === 0) {
      this._frame = requestAnimationFrame(() => {
        this._frame = 0;
        this.render();
      });
    }
  }

  private _spacer: HTMLElement;
  private _rows = new Map<number, HTMLElement>();
  private _count = 0;
  private _focus = 0;
  private _frame = 0;
  private _resize: ResizeObserver | null = null;
}
