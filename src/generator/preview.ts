import { element } from '../common/dom';
import { malformedList } from './format';
import { IJobsTransport, JobRequestError } from '../jobs/model';
import { Preview } from '../schema/jobs';

type PreviewResult =
  { loading: string } | { preview: Preview } | { error: string; hint: string };

/**
 * The first records of the input file and its malformed lines, read by the kernel, so
 * that a wrong file shows before a job starts.
 */
export class InputPreview {
  /**
   * @param transport - asks the kernel for the preview.
   * @param input - the form's input file now (a late answer for another file is dropped).
   */
  constructor(
    private readonly _transport: Pick<IJobsTransport, 'request'>,
    private readonly _input: () => string
  ) {}

  readonly node = element('div', 'gt-preview');

  /** Whether the box shows anything: the preview, its error, or that it is on its way. */
  get shown(): boolean {
    return this._result !== null;
  }

  /** The input file's problem count, when the kernel counted it (Preview.lines). */
  get lines(): number | null {
    const result = this._result;
    return result && 'preview' in result
      ? (result.preview.lines ?? null)
      : null;
  }

  /** Asks the kernel for the first records of the input file and its malformed lines. */
  async load(): Promise<void> {
    const path = this._input();
    if (!path) {
      this._result = null;
      this._render();
      return;
    }
    this._result = { loading: path };
    this._render();
    try {
      const preview = await this._transport.request<Preview>({
        type: 'preview',
        path
      });
      if (path === this._input()) {
        this._result = { preview };
      }
    } catch (reason) {
      if (path === this._input()) {
        const error = reason as JobRequestError;
        this._result = {
          error: error.message,
          hint: error.hint ?? ''
        };
      }
    }
    this._render();
  }

  private _render(): void {
    const box = this.node;
    box.replaceChildren();
    const result = this._result;
    box.hidden = !result;
    if (!result) {
      return;
    }
    if ('loading' in result) {
      box.dataset.state = 'loading';
      box.append(element('div', 'gt-note', 'Reading the first records…'));
      return;
    }
    if ('error' in result) {
      box.dataset.state = 'error';
      box.append(
        element('div', 'gt-message-error', result.error),
        element('div', 'gt-hint', result.hint)
      );
      return;
    }
    const { records, malformed } = result.preview;
    box.dataset.state = malformed.length
      ? records.length
        ? 'warn'
        : 'error'
      : 'ok';
    const plural = (n: number, word: string) =>
      `${n} ${word}${n === 1 ? '' : 's'}`;
    const summary = !records.length
      ? 'No problem could be read from the first lines of this file.'
      : malformed.length
        ? `${plural(records.length, 'record')} read as problems, and ${plural(malformed.length, 'malformed line')}:`
        : `Looks right: the first ${plural(records.length, 'record')} read as problems.`;
    box.append(element('div', `gt-message-${box.dataset.state}`, summary));
    if (result.preview.input_format) {
      box.append(
        element(
          'div',
          'gt-note gt-preview-format',
          `Detected format: ${result.preview.input_format} (run option --format auto).`
        )
      );
    }
    if (malformed.length) {
      const list = malformedList(
        malformed.slice(0, 5),
        detail => ` (${detail})`
      );
      box.append(
        element(
          'div',
          'gt-hint',
          'Malformed lines are skipped and listed in rejected.jsonl; fix them in the input file to include them.'
        ),
        list
      );
    }
    if (records.length) {
      const table = element('table', 'gt-preview-table');
      const head = element('tr');
      for (const title of ['line', 'id', 'pairs', 'problem']) {
        head.append(element('th', '', title));
      }
      table.append(head);
      for (const record of records) {
        const row = element('tr');
        row.append(
          element('td', 'gt-num', String(record.line_no)),
          element('td', 'gt-mono', String(record.id)),
          element('td', 'gt-num', String(record.n_ios)),
          element('td', 'gt-ellipsis', record.problem_description)
        );
        row.title = record.problem_description;
        table.append(row);
      }
      box.append(table);
    }
  }

  private _result: PreviewResult | null = null;
}
