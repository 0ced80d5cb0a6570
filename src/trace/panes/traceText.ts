import { element } from '../../common/dom';
import {
  compactRows,
  foldTitle,
  hasCompactText,
  ICompactRow,
  rowShowsStep
} from '../compactText';
import { TraceModel } from '../model';
import { IPaneOptions, ListPane } from './pane';

/** Which text the pane shows: snoop's, or the compact text with its folds. */
export type TextFormat = 'snoop' | 'compact';

/**
 * The trace as text: snoop's lines, or for a compact-format trace the compact text the
 * translator read (a Compact/Snoop switch), its folded loops one block that a click
 * opens into their iterations. The current step's lines (or the fold holding it) are
 * marked and kept in view; a click on a line goes to the step that printed it.
 */
export class TraceTextPane extends ListPane {
  constructor(model: TraceModel, options: IPaneOptions) {
    super(model, 'gt-snoopPane', 'gt-snoopText', options);
    const title = element('div', 'gt-paneTitle', 'Snoop text');
    this.node.append(title);
    if (hasCompactText(model.doc)) {
      title.textContent = '';
      title.appendChild(this._formatSwitch());
      this._format = 'compact';
    }
    this.list.node.addEventListener('click', event => this._onClick(event));
    this.node.append(this.list.node);
    this.showFormat(this._format);
  }

  get format(): TextFormat {
    return this._format;
  }

  /** Shows snoop's text or (for a compact-format trace) the compact text. */
  showFormat(format: TextFormat): void {
    this._format = hasCompactText(this.model.doc) ? format : 'snoop';
    this._formatButtons.forEach((button, name) => {
      const selected = name === this._format;
      button.classList.toggle('gt-mod-selected', selected);
      button.setAttribute('aria-checked', String(selected));
    });
    this._rows = null;
    this.list.setCount(this._compactRows()?.length ?? this.model.lines.length);
    this.render();
  }

  /** Opens a fold of the compact text into its iterations, or closes it. */
  toggleFold(fold: number): void {
    if (this._expandedFolds.has(fold)) {
      this._expandedFolds.delete(fold);
    } else {
      this._expandedFolds.add(fold);
    }
    this._rows = null;
    this.list.setCount(this._compactRows()?.length ?? 0);
    this.render(); // the current step's row, wherever it is now
  }

  /** Marks the current step's rows; while shown, scrolls to the first of them. */
  render(): void {
    const range = this.model.textRange();
    this.list.refresh();
    if (this.isShowing) {
      const compact = this._compactRows();
      const index = compact
        ? Math.max(
            0,
            compact.findIndex(row => rowShowsStep(row, this.model.doc, range))
          )
        : range[0];
      this.list.scrollToIndex(index);
      this.list.refresh();
    }
  }

  /** The Compact text | Snoop text radio buttons. */
  private _formatSwitch(): HTMLElement {
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
      button.addEventListener('click', () => this.showFormat(format));
      this._formatButtons.set(format, button);
      formats.appendChild(button);
    }
    return formats;
  }

  /** The compact text's rows, or null while snoop's text is shown. */
  private _compactRows(): ICompactRow[] | null {
    if (this._format !== 'compact') {
      return null;
    }
    if (!this._rows) {
      this._rows = compactRows(this.model.doc, this._expandedFolds);
    }
    return this._rows;
  }

  protected decorateRow(row: HTMLElement, index: number): void {
    const range = this.model.textRange();
    const compact = this._compactRows();
    const current = compact
      ? rowShowsStep(compact[index], this.model.doc, range)
      : index >= range[0] && index < range[1];
    row.classList.toggle('gt-mod-current', current);
  }

  protected renderRow(index: number): HTMLElement {
    const compact = this._compactRows()?.[index];
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

  /** A fold's summary toggles the fold; any other row goes to its step. */
  private _onClick(event: MouseEvent): void {
    const row = (event.target as HTMLElement).closest('.gt-snoopLine');
    if (!(row instanceof HTMLElement) || !row.dataset.index) {
      return;
    }
    const index = Number(row.dataset.index);
    const compact = this._compactRows()?.[index];
    if (compact?.role === 'summary') {
      this.toggleFold(compact.fold!);
      return;
    }
    const line = compact ? compact.snoopLine : index;
    this.model.goTo(this.model.stepForTextLine(line));
  }

  private _format: TextFormat = 'snoop';
  private _formatButtons = new Map<TextFormat, HTMLButtonElement>();
  private _expandedFolds = new Set<number>();
  private _rows: ICompactRow[] | null = null;
}
