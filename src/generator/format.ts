import { element } from '../common/dom';
import { JobState, MalformedLine, NodeProgress, Stage } from '../schema/jobs';

/** One line on what each stage does, shown beside its checkbox. */
export const STAGE_HELP: Record<Stage, string> = {
  filter:
    'Drops non-deterministic problems (random) and oversized inputs; de-duplicates i/o pairs.',
  trace:
    'Runs each i/o pair under snoop in sandboxed worker processes and checks the returned value.',
  select:
    'Keeps traces without errors under the line limit, N per problem description.',
  translate:
    'The translator LLM narrates each selected trace; each narration is verified.',
  build: 'Writes train.jsonl and dataset_info.json, ready for LLaMA-Factory.'
};

/** What the user sees for each state of the job. */
export const STATE_LABELS: Record<JobState, string> = {
  idle: 'Not started',
  running: 'Running',
  cancelling: 'Cancelling…',
  cancelled: 'Cancelled',
  finished: 'Finished',
  failed: 'Failed',
  interrupted: 'Interrupted'
};

/** "12.3/s", "0.4/s" or "" when unknown. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !isFinite(rate) || rate <= 0) {
    return '';
  }
  return rate >= 10 ? `${Math.round(rate)}/s` : `${rate.toFixed(1)}/s`;
}

/** "ETA 42s", "ETA 3m 05s", "ETA 1h 02m" or "" when unknown. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '';
  }
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) {
    return `ETA ${s}s`;
  }
  if (s < 3600) {
    return `ETA ${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  }
  const m = Math.floor(s / 60);
  return `ETA ${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** "1 actor", "2 CPUs". */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * One Ray node of a job: "127.0.0.1: 1 actor, 2 CPUs, 120 done, 14.2/s", and "(lost)" once
 * it has no actor left: the line `groundtrace status` prints after "node " (status.node_text).
 */
export function nodeText(node: NodeProgress): string {
  const parts = [
    plural(node.actors ?? 0, 'actor'),
    plural(node.cpus ?? 0, 'CPU'),
    `${node.done ?? 0} done`
  ];
  if (node.rate) {
    parts.push(`${node.rate}/s`);
  }
  return `${node.node}: ${parts.join(', ')}${node.alive === false ? ' (lost)' : ''}`;
}

/** "12 / 30", or "12" while the total is unknown. */
export function formatDone(done: number, total: number | null): string {
  return total === null || total === undefined
    ? `${done}`
    : `${done} / ${total}`;
}

/** Outcome names that mean something went wrong (shown in the error colour). */
const BAD_OUTCOMES =
  /error|timeout|memory|crash|too long|mismatch|malformed|fail|wrong|limit|exit|incomplete|skipped|unfinished|no answer|ungrounded|mentions|contains/;

export function isBadOutcome(name: string): boolean {
  return BAD_OUTCOMES.test(name) && !/verdict pass/.test(name);
}

/** Lists malformed input lines: "line 7: not json" and each detail as `withDetail` puts it. */
export function malformedList(
  lines: MalformedLine[],
  withDetail: (detail: string) => string
): HTMLUListElement {
  const list = element('ul', 'gt-malformed');
  for (const line of lines) {
    const reason = `line ${line.line_no}: ${line.reason.replace(/_/g, ' ')}`;
    list.append(
      element('li', '', line.detail ? reason + withDetail(line.detail) : reason)
    );
  }
  return list;
}
