import { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { TRACE_MIME_TYPE } from './schema/mime';
import { TraceRenderer } from './trace/renderer';

/**
 * The MIME renderer extension: outputs of type TRACE_MIME_TYPE render as the
 * interactive trace view, in live and in saved notebooks alike.
 */
const extension: IRenderMime.IExtension = {
  id: 'groundtrace:viewer',
  description:
    'Renders groundtrace traces as an interactive step-by-step view.',
  rendererFactory: {
    safe: true,
    mimeTypes: [TRACE_MIME_TYPE],
    createRenderer: options => new TraceRenderer(options)
  },
  // Below text/plain's rank, so the view is preferred over the snoop-text fallback.
  rank: 0,
  dataType: 'json'
};

export default extension;
