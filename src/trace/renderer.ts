import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { CommandRegistry } from '@lumino/commands';
import { PanelLayout, Widget } from '@lumino/widgets';

import { isTraceDocument } from '../schema/guards';
import { ITraceViewerOpener } from '../tokens';
import { TraceModel } from './model';
import { TraceView } from './view';

/** What an inline trace view needs from the application. */
export interface ITraceRendererContext {
  commands: CommandRegistry;
  /** Adds the view to the tracker the step commands act on. */
  track: (view: TraceView) => void;
  opener: ITraceViewerOpener | null;
}

/** Renders one output's trace document as a TraceView. */
export class TraceRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(
    options: IRenderMime.IRendererOptions,
    context: ITraceRendererContext
  ) {
    super();
    this._mimeType = options.mimeType;
    this._context = context;
    this.layout = new PanelLayout();
    this.addClass('gt-TraceRenderer');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const layout = this.layout as PanelLayout;
    layout.widgets.forEach(widget => widget.dispose());
    const doc = model.data[this._mimeType] as unknown;
    if (!isTraceDocument(doc)) {
      const message = new Widget();
      message.addClass('gt-error');
      message.node.textContent =
        'This output holds a groundtrace trace of an unsupported version.';
      layout.addWidget(message);
      return;
    }
    const { opener, commands, track } = this._context;
    const view = new TraceView(new TraceModel(doc), {
      commands,
      onOpen: opener ? step => opener.open(doc, step) : undefined
    });
    layout.addWidget(view);
    track(view);
  }

  private _mimeType: string;
  private _context: ITraceRendererContext;
}
