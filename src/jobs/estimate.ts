import { Stage, Stats } from '../schema/jobs';
import { IStageProgress } from './model';

/** How fast a job's two slow stages went, measured on a job that ran them. */
export interface IRates {
  /** Trace items (input/output pairs) traced per second. */
  traceItemsPerS: number | null;
  /** Seconds the translator took per translated item. */
  translateSPerItem: number | null;
  /** Trace items per input problem (filter's way in → trace's way in). */
  itemsPerProblem: number | null;
  /** Selected (translated) items per input problem. */
  selectedPerProblem: number | null;
}

/** The rates a finished (or stopped) job's stats.json shows. */
export function measuredRates(stats: Stats | null | undefined): IRates {
  const stages = stats?.stages ?? {};
  const timings = stats?.timings_s ?? {};
  const problems = stages.filter?.in ?? null;
  const traced = stages.trace?.in ?? null;
  const selected = stages.select?.out ?? null;
  const translated = stages.translate?.total ?? stages.translate?.in ?? null;
  return {
    traceItemsPerS: ratio(traced, timings.trace),
    translateSPerItem: ratio(timings.translate, translated),
    itemsPerProblem: ratio(traced, problems),
    selectedPerProblem: ratio(selected, problems)
  };
}

/** A running job's own rates override the measured ones as soon as it has them. */
export function withLiveRates(rates: IRates, stages: IStageProgress[]): IRates {
  const live = { ...rates };
  for (const stage of stages) {
    if (stage.status !== 'running' || !stage.rate || stage.rate <= 0) {
      continue;
    }
    if (stage.stage === 'trace') {
      live.traceItemsPerS = stage.rate;
    } else if (stage.stage === 'translate') {
      live.translateSPerItem = 1 / stage.rate;
    }
  }
  return live;
}

/** What is estimated: the chosen stages over this many problems. */
export interface IJobSize {
  problems: number;
  stages: Stage[];
  /** The form's upper bounds, used while no job measured the real ratios. */
  pairsPerProblem: number;
  tracesPerProblem: number;
}

export interface IEstimate {
  traceItems: number;
  traceS: number | null;
  translateItems: number;
  translateS: number | null;
  /** The whole job, or null while a chosen slow stage has no measured rate. */
  totalS: number | null;
}

/**
 * The whole job's time from measured rates: trace items ÷ items/s, translated items ×
 * s/item (filter, select and build take seconds and are left out).
 */
export function estimateJob(size: IJobSize, rates: IRates): IEstimate {
  const traceItems = Math.round(
    size.problems * (rates.itemsPerProblem ?? size.pairsPerProblem)
  );
  const translateItems = Math.round(
    size.problems * (rates.selectedPerProblem ?? size.tracesPerProblem)
  );
  const traceS = size.stages.includes('trace')
    ? rates.traceItemsPerS
      ? traceItems / rates.traceItemsPerS
      : null
    : 0;
  const translateS = size.stages.includes('translate')
    ? rates.translateSPerItem !== null
      ? translateItems * rates.translateSPerItem
      : null
    : 0;
  return {
    traceItems,
    traceS,
    translateItems,
    translateS,
    totalS: traceS === null || translateS === null ? null : traceS + translateS
  };
}

/** "45 s", "12 min", "3 h 20 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) {
    return `${s} s`;
  }
  const minutes = Math.round(s / 60);
  if (minutes < 90) {
    return `${minutes} min`;
  }
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** The estimate in one sentence, with the rates it comes from. */
export function describeEstimate(
  size: IJobSize,
  rates: IRates,
  estimate: IEstimate
): string {
  const parts: string[] = [];
  if (size.stages.includes('trace')) {
    parts.push(
      estimate.traceS === null
        ? `trace ${estimate.traceItems} items (rate not measured yet)`
        : `trace ${formatDuration(estimate.traceS)} (${estimate.traceItems} items at ${rates.traceItemsPerS!.toFixed(1)} items/s)`
    );
  }
  if (size.stages.includes('translate')) {
    parts.push(
      estimate.translateS === null
        ? `translate ${estimate.translateItems} items (rate not measured yet)`
        : `translate ${formatDuration(estimate.translateS)} (${estimate.translateItems} items at ${rates.translateSPerItem!.toFixed(1)} s/item)`
    );
  }
  const whole =
    estimate.totalS === null
      ? 'Whole job: not estimated yet'
      : `Whole job: about ${formatDuration(estimate.totalS)}`;
  return `${whole} for ${size.problems} problem${size.problems === 1 ? '' : 's'}${parts.length ? ` — ${parts.join(', ')}` : ''}.`;
}

function ratio(
  a: number | null | undefined,
  b: number | null | undefined
): number | null {
  return a !== null && a !== undefined && b && b > 0 ? a / b : null;
}
