import { element } from '../common/dom';
import { IJobsTransport, JobRequestError } from '../jobs/model';
import { SampleList } from '../schema/jobs';

/** Sample rows asked for at a time, and at most (jobs.schema.json caps `limit`). */
const SAMPLE_PAGE = 200;
const MAX_SAMPLE_ROWS = 1000;

/** What the samples list needs from the panel. */
export interface ISampleBrowserOptions {
  /** Asks the kernel for the folder's items. */
  transport: Pick<IJobsTransport, 'request'>;
  /** The folder to list (the job's, else the form's); empty when there is none. */
  output: () => string;
  /** Opens one sample (the groundtrace:open-sample command). */
  openSample: (output: string, id: string) => void;
}

/**
 * The items of an output folder, filtered by status, verdict and text, a page at a
 * time; each opens in the trace viewer. Nothing is read until the user asks.
 */
export class SampleBrowser {
  constructor(options: ISampleBrowserOptions) {
    this._options = options;
    this._browseButton.textContent = 'Browse samples';
    this._browseButton.addEventListener('click', () => void this.load());
    const filters = element('div', 'gt-sample-filters');
    this._statusFilter.setAttribute('aria-label', 'Filter by status');
    this._verdictFilter.setAttribute('aria-label', 'Filter by verdict');
    this._searchField.type = 'search';
    this._searchField.placeholder = 'Search id or text';
    this._searchField.setAttribute('aria-label', 'Search samples');
    for (const control of [this._statusFilter, this._verdictFilter]) {
      control.addEventListener('change', () => void this.load());
    }
    let timer = 0;
    this._searchField.addEventListener('input', () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void this.load(), 250);
    });
    filters.append(this._statusFilter, this._verdictFilter, this._searchField);
    this._moreButton.textContent = 'Show more';
    this._moreButton.addEventListener('click', () => {
      this._limit = Math.min(MAX_SAMPLE_ROWS, this._limit + SAMPLE_PAGE);
      void this.load(false);
    });
    this.nodes = [
      this._browseButton,
      filters,
      this._summary,
      this._list,
      this._moreButton
    ];
  }

  /** The section's contents, in order. */
  readonly nodes: HTMLElement[];

  /** Forgets the list (another folder or a new job); the next `update` empties it. */
  clear(): void {
    this._samples = null;
  }

  /** Follows the panel: empty until asked for, and browsable with a kernel and a folder. */
  update(canBrowse: boolean): void {
    if (!this._samples) {
      this._render();
    }
    this._browseButton.disabled = !canBrowse;
  }

  /** Asks the kernel for the folder's items (a new filter starts from the first page). */
  async load(firstPage = true): Promise<void> {
    const output = this._options.output();
    if (!output) {
      return;
    }
    if (firstPage) {
      this._limit = SAMPLE_PAGE;
    }
    this._summary.textContent = 'Reading the folder…';
    try {
      const list = await this._options.transport.request<SampleList>({
        type: 'samples',
        output,
        status: this._statusFilter.value,
        verdict: this._verdictFilter.value,
        query: this._searchField.value,
        limit: this._limit
      });
      this._samples = list;
      this._samplesOutput = output;
      this._render();
    } catch (reason) {
      const error = reason as JobRequestError;
      this._samples = null;
      this._list.replaceChildren();
      this._summary.textContent = `${error.message}${error.hint ? ` — ${error.hint}` : ''}`;
    }
  }

  private _render(): void {
    const list = this._samples;
    const shown = !!list;
    this._statusFilter.hidden = !shown;
    this._verdictFilter.hidden = !shown;
    this._searchField.hidden = !shown;
    this._browseButton.textContent = shown
      ? 'Refresh samples'
      : 'Browse samples';
    if (!list) {
      this._list.replaceChildren();
      this._summary.textContent = '';
      this._moreButton.hidden = true;
      return;
    }
    fillSelect(this._statusFilter, 'All statuses', list.statuses);
    fillSelect(this._verdictFilter, 'All verdicts', list.verdicts);
    this._summary.textContent =
      list.matched === list.total
        ? `${list.total} items`
        : `${list.matched} of ${list.total} items match`;
    if (list.rows.length < list.matched) {
      this._summary.textContent += ` (first ${list.rows.length} shown)`;
    }
    this._moreButton.hidden =
      list.rows.length >= list.matched || this._limit >= MAX_SAMPLE_ROWS;
    this._list.replaceChildren(
      ...list.rows.map(row => {
        const item = element('li', 'gt-sample');
        item.tabIndex = 0;
        item.dataset.id = row.id;
        item.setAttribute('role', 'button');
        const status =
          row.status === 'ok' && row.output_matches === false
            ? 'mismatch'
            : row.status;
        const badges = element('span', 'gt-sample-badges');
        badges.append(badge(status, status === 'ok' ? 'good' : 'bad'));
        if (row.verdict) {
          badges.append(
            badge(row.verdict, row.verdict === 'pass' ? 'good' : 'bad')
          );
        }
        item.append(
          element('span', 'gt-sample-id', row.id),
          badges,
          element('span', 'gt-sample-question', row.question ?? '')
        );
        item.title = `Open ${row.id} in the trace viewer`;
        const open = () =>
          this._options.openSample(this._samplesOutput, row.id);
        item.addEventListener('click', open);
        item.addEventListener('keydown', event => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            open();
          }
        });
        return item;
      })
    );
  }

  private _options: ISampleBrowserOptions;
  private _browseButton = element('button', 'jp-Button gt-browse');
  private _statusFilter = element('select', 'gt-select gt-status-filter');
  private _verdictFilter = element('select', 'gt-select gt-verdict-filter');
  private _searchField = element('input', 'gt-text gt-search');
  private _summary = element('div', 'gt-note gt-sample-summary');
  private _list = element('ul', 'gt-samples');
  private _moreButton = element('button', 'jp-Button gt-more');
  private _limit = SAMPLE_PAGE;
  private _samples: SampleList | null = null;
  private _samplesOutput = '';
}

function badge(text: string, kind: 'good' | 'bad'): HTMLElement {
  const node = element('span', 'gt-badge', text.replace(/_/g, ' '));
  node.dataset.kind = kind;
  return node;
}

/** Fills a filter menu with "All …" and each value with its count, keeping the choice. */
function fillSelect(
  select: HTMLSelectElement,
  all: string,
  counts: Record<string, number>
): void {
  const chosen = select.value;
  const options = [element('option', '', all)];
  options[0].value = '';
  for (const [value, n] of Object.entries(counts).sort()) {
    const option = element('option', '', `${value.replace(/_/g, ' ')} (${n})`);
    option.value = value;
    options.push(option);
  }
  select.replaceChildren(...options);
  select.value = Object.prototype.hasOwnProperty.call(counts, chosen)
    ? chosen
    : '';
}
