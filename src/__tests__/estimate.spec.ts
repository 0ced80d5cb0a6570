import {
  describeEstimate,
  estimateJob,
  formatDuration,
  measuredRates,
  withLiveRates
} from '../jobs/estimate';
import { planStages } from '../jobs/model';

// The stats.json of a 5-problem trial: 40 items traced in 4 s, 5 translated in 60 s.
const TRIAL = {
  stages: {
    filter: { in: 5, out: 5 },
    trace: { in: 40, out: 38 },
    select: { in: 38, out: 5 },
    translate: { in: 5, total: 5 }
  },
  timings_s: { filter: 0.1, trace: 4, select: 0.01, translate: 60 }
};

describe('the job estimate', () => {
  it('measures items/s, s/item and the per-problem ratios from stats.json', () => {
    expect(measuredRates(TRIAL)).toEqual({
      traceItemsPerS: 10,
      translateSPerItem: 12,
      itemsPerProblem: 8,
      selectedPerProblem: 1
    });
    expect(measuredRates(null).traceItemsPerS).toBeNull();
  });

  it('scales the measured rates to the whole job', () => {
    const size = {
      problems: 1000,
      stages: [
        'filter',
        'trace',
        'select',
        'translate',
        'build'
      ] as const as any,
      pairsPerProblem: 10,
      tracesPerProblem: 1
    };
    const rates = measuredRates(TRIAL);
    const estimate = estimateJob(size, rates);
    expect(estimate).toEqual({
      traceItems: 8000,
      traceS: 800,
      translateItems: 1000,
      translateS: 12000,
      totalS: 12800
    });
    expect(describeEstimate(size, rates, estimate)).toBe(
      'Whole job: about 3 h 33 min for 1000 problems — trace 13 min (8000 items at 10.0 items/s), translate 3 h 20 min (1000 items at 12.0 s/item).'
    );
    // without translate, the trace alone
    expect(
      estimateJob({ ...size, stages: ['filter', 'trace'] }, rates).totalS
    ).toBe(800);
  });

  it('says when a chosen stage has no measured rate, and uses a running stage own rate', () => {
    const rates = measuredRates({
      stages: { filter: { in: 5 }, trace: { in: 50 } },
      timings_s: { trace: 5 }
    });
    const size = {
      problems: 10,
      stages: ['trace', 'translate'] as any,
      pairsPerProblem: 10,
      tracesPerProblem: 2
    };
    expect(estimateJob(size, rates).totalS).toBeNull();
    const stages = planStages(['trace', 'translate']).map(stage =>
      stage.stage === 'translate'
        ? { ...stage, status: 'running' as const, rate: 0.5 }
        : stage
    );
    const live = withLiveRates(rates, stages);
    expect(live.translateSPerItem).toBe(2);
    expect(estimateJob(size, live)).toMatchObject({
      traceS: 10,
      translateItems: 20,
      translateS: 40,
      totalS: 50
    });
  });

  it('reads durations as people do', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(720)).toBe('12 min');
    expect(formatDuration(7200 + 1200)).toBe('2 h 20 min');
  });
});
