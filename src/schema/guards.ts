import { TraceDocument } from './trace';

/** Enough of a check that the view can render the document safely. */
export function isTraceDocument(value: unknown): value is TraceDocument {
  const doc = value as TraceDocument | null;
  return (
    !!doc &&
    typeof doc === 'object' &&
    doc.version === 1 &&
    Array.isArray(doc.events) &&
    typeof doc.text === 'string' &&
    !!doc.sources &&
    typeof doc.sources === 'object'
  );
}
