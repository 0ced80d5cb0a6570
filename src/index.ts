import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { generatorPlugin } from './generator/plugin';
import { traceCellPlugin } from './traceCell/plugin';
import { viewerPlugin } from './viewer/plugin';

/** The groundtrace plugins (the trace renderer is the MIME extension in mime.ts). */
const plugins: JupyterFrontEndPlugin<any>[] = [
  traceCellPlugin,
  generatorPlugin,
  viewerPlugin
];

export default plugins;
