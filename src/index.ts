import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { traceCellPlugin } from './traceCellPlugin';

/** The groundtrace plugins (the trace renderer is the MIME extension in mime.ts). */
const plugins: JupyterFrontEndPlugin<any>[] = [traceCellPlugin];

export default plugins;
