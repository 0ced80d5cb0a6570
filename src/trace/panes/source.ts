import { element, scrollWithin } from '../../common/dom';
import { frameName } from '../describe';
import { TraceModel } from '../model';
import { IPaneOptions, TracePane } from './pane';

/**
 * The source the current event runs in: line numbers, how often each line ran (lines
 * never run dimmed) and the current line, kept in view while the pane shows.
 */
export class SourcePane extends TracePane {
  constructor(model: TraceModel, options: IPaneOptions) {
    super(model, 'gt-sourcePane', options);
    this._title = element('div', 'gt-paneTitle');
    this._source = element('div', 'gt-source');
    this.node.append(this._title, this._source);
  }

  render(): void {
    const event = this.model.event;
    const name = event?.source ?? '';
    if (name !== this._sourceName) {
      this._showSource(name);
    }
    this._title.textContent = event ? `${name} — ${frameName(event)}` : name;
    const row = event ? (this._lines[event.line - 1] ?? null) : null;
    if (row !== this._currentRow) {
      this._currentRow?.classList.remove('gt-mod-current');
      row?.classList.add('gt-mod-current');
      this._currentRow = row;
    }
    if (row && this.isShowing) {
      scrollWithin(this._source, row);
    }
  }

  /** Builds the rows of one source (the document's text of a cell or file). */
  private _showSource(name: string): void {
    this._sourceName = name;
    this._source.textContent = '';
    const text = this.model.doc.sources[name];
    const hits = text !== undefined ? this.model.hitCounts(name) : [];
    this._lines = (text ?? '(source not available)')
      .replace(/\n$/, '')
      .split('\n')
      .map((code, index) => {
        const row = element('div', 'gt-sourceLine');
        const count = hits[index] ?? 0;
        const gutter = element('span', 'gt-hits', count > 0 ? `${count}×` : '');
        gutter.title =
          count > 0 ? `ran ${count} time${count > 1 ? 's' : ''}` : 'never ran';
        row.classList.toggle('gt-mod-unrun', text !== undefined && !count);
        row.append(
          element('span', 'gt-lineNumber', String(index + 1)),
          gutter,
          element('span', 'gt-code', code === '' ? ' ' : code)
        );
        this._source.appendChild(row);
        return row;
      });
    this._currentRow = null;
  }

  private _title: HTMLElement;
  private _source: HTMLElement;
  private _sourceName: string | null = null;
  private _lines: HTMLElement[] = [];
  private _currentRow: HTMLElement | null = null;
}
