import { TraceDocument } from '../schema/trace';

/**
 * How an inline trace output opens the main-area viewer. The MIME renderer has no
 * access to the application's commands; the viewer plugin sets `open` when it starts.
 */
export const viewerHook: {
  open: ((document: TraceDocument) => void) | null;
} = { open: null };
