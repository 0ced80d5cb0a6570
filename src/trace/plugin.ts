import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, WidgetTracker } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { TRACE_MIME_TYPE } from '../schema/mime';
import { ITraceViewerOpener, ITraceViewTracker } from '../tokens';
import { STEP_ACTIONS } from './actions';
import { addStepCommands } from './commands';
import { TraceRenderer } from './renderer';
import { TraceView } from './view';

/**
 * The trace views' tracker and step commands (schema/trace-view.json binds their keys;
 * the commands act on the focused view).
 */
export const traceViewPlugin: JupyterFrontEndPlugin<ITraceViewTracker> = {
  id: 'groundtrace:trace-view',
  description:
    'Step commands (palette, rebindable keys) for the focused trace view.',
  autoStart: true,
  provides: ITraceViewTracker,
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null) => {
    const tracker = new WidgetTracker<TraceView>({
      namespace: 'groundtrace-trace-views'
    });
    addStepCommands(app.commands, tracker);
    for (const action of STEP_ACTIONS) {
      palette?.addItem({ command: action.id, category: 'groundtrace trace' });
    }
    return tracker;
  }
};

/**
 * Outputs of type TRACE_MIME_TYPE render as the interactive trace view, in live and in
 * saved notebooks alike; "Open in viewer" goes through ITraceViewerOpener.
 */
export const traceRendererPlugin: JupyterFrontEndPlugin<void> = {
  id: 'groundtrace:trace-renderer',
  description:
    'Renders groundtrace traces as an interactive step-by-step view.',
  autoStart: true,
  requires: [IRenderMimeRegistry, ITraceViewTracker],
  optional: [ITraceViewerOpener],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    tracker: ITraceViewTracker,
    opener: ITraceViewerOpener | null
  ) => {
    rendermime.addFactory(
      {
        safe: true,
        mimeTypes: [TRACE_MIME_TYPE],
        createRenderer: options =>
          new TraceRenderer(options, {
            commands: app.commands,
            track: view => void (tracker as WidgetTracker<TraceView>).add(view),
            opener
          })
      },
      // Below text/plain's rank, so the view is preferred over the snoop-text fallback.
      0
    );
  }
};
