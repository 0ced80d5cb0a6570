import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { generatorPlugin } from './generator/plugin';
import { traceRendererPlugin, traceViewPlugin } from './trace/plugin';
import { traceCellPlugin } from './traceCell/plugin';
import { viewerPlugin } from './viewer/plugin';

/** The groundtrace plugins. */
const plugins: JupyterFrontEndPlugin<any>[] = [
  traceViewPlugin,
  traceRendererPlugin,
  traceCellPlugin,
  generatorPlugin,
  viewerPlugin
];

export default plugins;
