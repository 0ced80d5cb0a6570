import exception from './fixtures/exception.json';
import factorial from './fixtures/factorial.json';
import truncated from './fixtures/truncated.json';
import twoCells from './fixtures/two_cells.json';
import { TraceDocument } from '../schema/trace';

/**
 * Traces made by the real Python tracer (scripts/make-fixtures.py):
 * a recursive factorial and a list comprehension, a call that raises,
 * a function defined in an earlier cell, and a trace cut at 25 events.
 */
export const fixtures = {
  factorial: factorial as unknown as TraceDocument,
  exception: exception as unknown as TraceDocument,
  twoCells: twoCells as unknown as TraceDocument,
  truncated: truncated as unknown as TraceDocument
};

/** The index of the first event matching a predicate (throws if none). */
export function eventIndex(
  doc: TraceDocument,
  matches: (event: TraceDocument['events'][number]) => boolean
): number {
  const index = doc.events.findIndex(matches);
  if (index < 0) {
    throw new Error('no such event in the fixture');
  }
  return index;
}
