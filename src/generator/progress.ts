import { element } from '../common/dom';
import {
  formatDone,
  formatEta,
  formatRate,
  isBadOutcome,
  malformedList,
  nodeText
} from './format';
import { IStageProgress, JobModel } from '../jobs/model';
import { NodeProgress } from '../schema/jobs';

/**
 * One row a stage: its numbers, a progress bar and its items per outcome; under the
 * trace stage, the Ray nodes it runs on (none for the local executor).
 */
export function renderProgress(
  list: HTMLOListElement,
  stages: IStageProgress[],
  nodes: NodeProgress[] = []
): void {
  list.hidden = !stages.length;
  list.replaceChildren(
    ...stages.map(stage => {
      const row = element('li', 'gt-stage');
      row.dataset.stage = stage.stage;
      row.dataset.status = stage.status;
      const head = element('div', 'gt-stage-head');
      const numbers = [
        stage.status === 'skipped' || stage.status === 'waiting'
          ? stage.status
          : formatDone(stage.done, stage.total),
        stage.status === 'stopped' ? 'stopped' : '',
        stage.status === 'running' ? formatRate(stage.rate) : '',
        stage.status === 'running' ? formatEta(stage.eta_s) : ''
      ].filter(Boolean);
      head.append(
        element('span', 'gt-stage-name', stage.stage),
        element('span', 'gt-stage-numbers', numbers.join(' · '))
      );
      const bar = element('div', 'gt-bar');
      bar.setAttribute('role', 'progressbar');
      bar.setAttribute('aria-label', `${stage.stage} progress`);
      const fill = element('div', 'gt-bar-fill');
      const fraction = stage.total
        ? Math.min(1, stage.done / stage.total)
        : stage.status === 'done'
          ? 1
          : 0;
      fill.style.width = `${(fraction * 100).toFixed(1)}%`;
      bar.setAttribute('aria-valuenow', String(stage.done));
      if (stage.total !== null) {
        bar.setAttribute('aria-valuemax', String(stage.total));
      }
      bar.dataset.indeterminate = String(
        stage.status === 'running' && !stage.total
      );
      bar.append(fill);
      const counts = element('div', 'gt-counts');
      for (const [name, n] of Object.entries(stage.counts)) {
        const chip = element('span', 'gt-count', `${name} ${n}`);
        chip.dataset.outcome = name;
        chip.dataset.kind = isBadOutcome(name) ? 'bad' : 'good';
        counts.append(chip);
      }
      row.append(head, bar, counts);
      if (stage.stage === 'trace' && nodes.length) {
        row.append(renderNodes(nodes));
      }
      return row;
    })
  );
}

/** The Ray nodes of the trace stage, one line each (text only). */
export function renderNodes(nodes: NodeProgress[]): HTMLElement {
  const box = element('div', 'gt-nodes');
  const list = element('ul', 'gt-node-list');
  list.setAttribute('aria-label', 'Ray nodes');
  for (const node of nodes) {
    const item = element('li', 'gt-node', nodeText(node));
    item.dataset.alive = String(node.alive !== false);
    list.append(item);
  }
  box.append(
    element(
      'div',
      'gt-nodes-title',
      `Ray nodes (${nodes.length}) · ${nodes.reduce((n, node) => n + (node.done ?? 0), 0)} done`
    ),
    list
  );
  return box;
}

/** What went wrong with the job and what to do, then the input lines it skipped. */
export function renderProblem(box: HTMLElement, model: JobModel): void {
  const problem = model.problem;
  box.replaceChildren();
  const malformed = model.malformed;
  box.hidden = !problem && !malformed.length;
  if (problem) {
    box.dataset.kind = model.state === 'interrupted' ? 'note' : 'error';
    box.append(element('div', 'gt-problem-message', sentence(problem.message)));
    if (problem.hint) {
      box.append(element('div', 'gt-hint', `What to do: ${problem.hint}`));
    }
  } else {
    box.dataset.kind = 'warn';
  }
  if (malformed.length) {
    const count = model.malformedCount;
    box.append(
      element(
        'div',
        'gt-problem-message',
        `${count} malformed input line${count > 1 ? 's were' : ' was'} skipped (listed in rejected.jsonl):`
      )
    );
    const list = malformedList(
      malformed.slice(0, 10),
      detail => ` — ${detail}`
    );
    if (count > 10) {
      list.append(element('li', '', `… and ${count - 10} more`));
    }
    box.append(
      list,
      element(
        'div',
        'gt-hint',
        'Fix those lines in the input file and resume to include them.'
      )
    );
  }
}

/** A kernel message as a sentence: capitalised first letter. */
function sentence(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}
