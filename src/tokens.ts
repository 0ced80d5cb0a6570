import { IWidgetTracker } from '@jupyterlab/apputils';
import { Token } from '@lumino/coreutils';

import { TraceDocument } from './schema/trace';
import { TraceView } from './trace/view';

/** Every groundtrace command id that is not a step action (those are in trace/actions.ts). */
export namespace CommandIDs {
  export const traceCell = 'groundtrace:trace-cell';
  export const openGenerator = 'groundtrace:open-generator';
  export const openSample = 'groundtrace:open-sample';
  export const openViewer = 'groundtrace:open-viewer';
  export const openTraceFile = 'groundtrace:open-trace-file';
}

/** Opens a trace full-size in the main-area viewer, at a given step. */
export interface ITraceViewerOpener {
  open(document: TraceDocument, step: number): void;
}

export const ITraceViewerOpener = new Token<ITraceViewerOpener>(
  'groundtrace:ITraceViewerOpener',
  'Opens a trace document in the main-area Trace Viewer at a step.'
);

/** Every trace view on screen (inline and in the viewer); the current one is the focused one. */
export type ITraceViewTracker = IWidgetTracker<TraceView>;

export const ITraceViewTracker = new Token<ITraceViewTracker>(
  'groundtrace:ITraceViewTracker',
  'The trace views (inline outputs and viewers); the step commands act on the focused one.'
);
