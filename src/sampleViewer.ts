import { MainAreaWidget } from '@jupyterlab/apputils';
import { Panel, Widget } from '@lumino/widgets';

import { element } from './dom';
import { traceIcon } from './icons';
import { JobsConnection } from './jobsConnection';
import { Sample } from './jobsSchema';
import { TraceModel } from './model';
import { isTraceDocument } from './renderer';
import { TraceView } from './traceView';

/** A trace record's fields the sample view reads (see pipeline/job.py trace_record). */
interface ISampleRecord {
  id?: string;
  status?: string;
  error?: string | null;
  problem_description?: string;
  io_requirements?: string;
  refcode?: string;
  input?: unknown;
  expected_output?: unknown;
  return_value?: { repr?: string; json?: unknown } | null;
  output_matches?: boolean | null;
  n_lines?: number;
  elapsed_ms?: number;
}

/** A translated record's fields the sample view reads (translate/stage.py). */
interface ITranslation {
  status?: string;
  verdict?: string;
  final?: string;
  thinking?: string;
  skip_reason?: string;
  model?: string;
  evidence?: Record<string, unknown>;
}

/**
 * Opens one sample of a dataset folder: its question, input, expected and returned
 * output, its trace, and the translator's narration. The groundtrace:open-sample command
 * calls only this, so a fuller viewer can take its place.
 */
export async function openSample(
  connection: JobsConnection,
  output: string,
  id: string
): Promise<MainAreaWidget<SampleView>> {
  const sample = await connection.request<Sample>({
    type: 'sample',
    output,
    id
  });
  const content = new SampleView(sample);
  const widget = new MainAreaWidget({ content });
  widget.id = `groundtrace-sample-${encodeURIComponent(output)}-${encodeURIComponent(id)}`;
  widget.title.label = `Sample ${id}`;
  widget.title.caption = `${id} in ${output}`;
  widget.title.icon = traceIcon;
  widget.title.closable = true;
  return widget;
}

/** One sample, shown as text (every value comes from data and is never parsed as HTML). */
export class SampleView extends Panel {
  constructor(readonly sample: Sample) {
    super();
    this.addClass('gt-SampleView');
    const record = sample.record as ISampleRecord;
    const translation = sample.translation as ITranslation | null;

    const info = new Widget();
    info.addClass('gt-SampleView-info');
    const header = element('div', 'gt-SampleView-header');
    header.append(element('h2', 'gt-SampleView-title', sample.id));
    const status =
      record.status === 'ok' && record.output_matches === false
        ? 'output mismatch'
        : (record.status ?? 'unknown');
    header.append(chip(`trace: ${status}`, status === 'ok' ? 'good' : 'bad'));
    if (translation) {
      const verdict = translation.verdict ?? translation.status ?? 'unknown';
      header.append(
        chip(
          `verdict: ${verdict.replace(/_/g, ' ')}`,
          verdict === 'pass' ? 'good' : 'bad'
        )
      );
    }
    info.node.append(header);
    const question = [record.problem_description, record.io_requirements]
      .filter(Boolean)
      .join('\n\n');
    info.node.append(
      block('Question', question || '(none)', 'gt-prose'),
      pair(
        block('Input', show(record.input)),
        block('Expected output', show(record.expected_output))
      ),
      block(
        'Returned output',
        record.return_value?.repr ??
          (record.error ? `(no value: ${record.error})` : '(none)')
      )
    );
    this.addWidget(info);

    if (isTraceDocument(sample.document)) {
      const trace = new TraceView(new TraceModel(sample.document));
      trace.addClass('gt-SampleView-trace');
      this.addWidget(trace);
    } else {
      const missing = new Widget();
      missing.node.append(
        element(
          'div',
          'gt-note',
          'No structured trace was stored for this item.'
        )
      );
      this.addWidget(missing);
    }

    const narration = new Widget();
    narration.addClass('gt-SampleView-narration');
    if (!translation) {
      narration.node.append(
        element(
          'div',
          'gt-note',
          'Not translated yet: the translate stage writes the narration of selected traces.'
        )
      );
    } else if (translation.status !== 'ok') {
      narration.node.append(
        block(
          'Narration',
          `(${translation.status ?? 'no narration'}: ${translation.skip_reason ?? ''})`
        )
      );
    } else {
      narration.node.append(
        block('Narration', translation.final ?? '', 'gt-prose')
      );
      if (translation.thinking) {
        const details = element('details', 'gt-thinking');
        details.append(
          element('summary', '', 'Thinking'),
          element('pre', 'gt-block-text gt-prose', translation.thinking)
        );
        narration.node.append(details);
      }
      if (translation.evidence) {
        narration.node.append(
          block('Verification', JSON.stringify(translation.evidence, null, 2))
        );
      }
    }
    this.addWidget(narration);
  }
}

function show(value: unknown): string {
  if (value === undefined) {
    return '(none)';
  }
  return typeof value === 'string'
    ? JSON.stringify(value)
    : JSON.stringify(value, null, 1);
}

function block(title: string, text: string, extra = ''): HTMLElement {
  const node = element('div', 'gt-block');
  node.append(
    element('div', 'gt-block-title', title),
    element('pre', `gt-block-text ${extra}`.trim(), text)
  );
  return node;
}

function pair(a: HTMLElement, b: HTMLElement): HTMLElement {
  const node = element('div', 'gt-block-pair');
  node.append(a, b);
  return node;
}

function chip(text: string, kind: 'good' | 'bad'): HTMLElement {
  const node = element('span', 'gt-badge', text);
  node.dataset.kind = kind;
  return node;
}
