import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { generatorPlugin } from './generatorPlugin';
import { traceCellPlugin } from './traceCellPlugin';
import { viewerPlugin } from './viewerPlugin';

/** The groundtrace plugins (the trace renderer is the MIME extension in mime.ts). */
const plugins: JupyterFrontEndPlugin<any>[] = [
  traceCellPlugin,
  generatorPlugin,
  viewerPlugin
];

export default plugins;
