import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  MainAreaWidget,
  showErrorMessage,
  WidgetTracker
} from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { CommandIDs, ITraceViewerOpener, ITraceViewTracker } from '../tokens';
import { traceIcon } from '../common/icons';
import { isTraceDocument } from '../schema/guards';
import { TraceDocument } from '../schema/trace';
import { TraceLayout, TraceView } from '../trace/view';
import { ISampling } from '../narration/translatorClient';
import { IViewerItem, TraceViewer } from './widget';
import {
  itemFromRecord,
  pickRecord,
  readRecords,
  RECORD_FILES
} from './sources';

const PLUGIN_ID = 'groundtrace:trace-viewer';
const SAVE_DELAY_MS = 300;

/** Where a viewer's trace comes from: what the layout restorer reopens it with. */
type ViewerSource =
  | { kind: 'document'; document: TraceDocument }
  | { kind: 'file'; path: string; id: string }
  | { kind: 'sample'; output: string; id: string };

/** schema/trace-viewer.json's properties (the registry's composite: defaults included). */
interface IViewerSettings {
  translatorModel: string;
  sampling: ISampling;
  paneLayout: TraceLayout;
  narrationPosition: 'right' | 'bottom';
}

// Documents above this size are not written to the layout's state (the workspace file).
const MAX_SAVED_DOCUMENT_CHARS = 2_000_000;

type ViewerWidget = MainAreaWidget<TraceViewer> & {
  gtSource?: ViewerSource;
};

/**
 * The main-area trace viewer: opened from an inline trace ("Open in viewer"), from a
 * dataset sample (groundtrace:open-sample) or from a traces.jsonl / translated.jsonl
 * file; reopened by the layout restorer at the step it was left at.
 */
export const viewerPlugin: JupyterFrontEndPlugin<ITraceViewerOpener> = {
  id: PLUGIN_ID,
  description:
    'Open a trace full-size: source, steps, calls, snoop text and narration.',
  autoStart: true,
  requires: [ISettingRegistry, ITraceViewTracker],
  provides: ITraceViewerOpener,
  optional: [
    ILayoutRestorer,
    IRenderMimeRegistry,
    IDefaultFileBrowser,
    ICommandPalette
  ],
  activate: async (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry,
    views: ITraceViewTracker,
    restorer: ILayoutRestorer | null,
    rendermime: IRenderMimeRegistry | null,
    fileBrowser: IDefaultFileBrowser | null,
    palette: ICommandPalette | null
  ): Promise<ITraceViewerOpener> => {
    const { commands, serviceManager } = app;
    const loaded = await settingRegistry.load(PLUGIN_ID);
    const settings = () =>
      loaded.composite as unknown as Readonly<IViewerSettings>;

    const tracker = new WidgetTracker<ViewerWidget>({
      namespace: 'groundtrace-viewer'
    });
    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.openViewer,
        args: widget => restoreArgs(widget),
        name: widget => widget.id
      });
    }

    const open = (
      item: IViewerItem,
      source: ViewerSource,
      step: number
    ): ViewerWidget => {
      const id = `groundtrace-viewer-${sourceKey(source)}`;
      const existing = tracker.find(widget => widget.id === id);
      if (existing) {
        existing.content.model?.goTo(step);
        app.shell.activateById(id);
        return existing;
      }
      const content = new TraceViewer({
        item,
        step,
        layout: settings().paneLayout,
        narrationAt: settings().narrationPosition,
        translator: () => ({
          model: settings().translatorModel || undefined,
          sampling: settings().sampling
        }),
        markdown: rendermime,
        commands
      });
      if (content.view) {
        void (views as WidgetTracker<TraceView>).add(content.view);
      }
      const widget: ViewerWidget = new MainAreaWidget({ content });
      widget.gtSource = source;
      widget.id = id;
      widget.addClass('gt-TraceViewerWidget');
      widget.title.label = `Trace ${item.title}`;
      widget.title.caption =
        source.kind === 'file'
          ? `${source.id} in ${source.path}`
          : source.kind === 'sample'
            ? `${source.id} in ${source.output}`
            : item.title;
      widget.title.icon = traceIcon;
      widget.title.closable = true;
      let timer = 0;
      content.stepChanged.connect(() => {
        window.clearTimeout(timer);
        timer = window.setTimeout(
          () => void tracker.save(widget),
          SAVE_DELAY_MS
        );
      });
      void tracker.add(widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(id);
      content.view?.node.focus({ preventScroll: true });
      return widget;
    };

    commands.addCommand(CommandIDs.openViewer, {
      label: 'Open in Trace Viewer',
      caption: 'Open a trace full-size in the main area',
      icon: traceIcon,
      execute: async args => {
        const step = Number(args['step'] ?? 0) || 0;
        try {
          if (args['item'] && args['source']) {
            return open(
              args['item'] as unknown as IViewerItem,
              args['source'] as unknown as ViewerSource,
              step
            );
          }
          if (isTraceDocument(args['document'])) {
            const document = args['document'];
            return open(
              { title: document.title ?? 'trace', document },
              { kind: 'document', document },
              step
            );
          }
          if (args['path']) {
            const path = String(args['path']);
            return await openFromFile(path, args['id'], step);
          }
          if (args['output'] !== undefined && args['id'] !== undefined) {
            // A sample comes through the Dataset Generator's kernel: once the app is
            // restored, so restoring the layout never waits for that kernel to start.
            // Only the layout restorer opens a sample here (even a layout saved without
            // `restoring`): one whose folder has gone is left closed without a dialog.
            const sample = {
              output: String(args['output']),
              id: String(args['id']),
              step,
              restoring: true
            };
            void app.restored.then(() =>
              commands.execute(CommandIDs.openSample, sample)
            );
            return undefined;
          }
        } catch (reason) {
          if (args['restoring']) {
            // a tab of the last session whose file has gone since: not reopened, no dialog
            console.warn(
              `groundtrace: not reopening a trace viewer: ${(reason as Error).message}`
            );
            return undefined;
          }
          await showErrorMessage('Trace Viewer', (reason as Error).message);
        }
        return undefined;
      }
    });

    const openFromFile = async (
      path: string,
      pick: unknown,
      step: number
    ): Promise<ViewerWidget | undefined> => {
      const records = await readRecords(serviceManager.contents, path);
      if (records.length === 0) {
        throw new Error(`${path} holds no records.`);
      }
      let choice = pick === undefined || pick === null ? '' : String(pick);
      if (!choice) {
        const ids = records.slice(0, 5000).map(r => String(r['id']));
        const result = await InputDialog.getItem({
          title: `Open a record of ${PathExt.basename(path)}`,
          label: `Record id, or #index (0–${records.length - 1}):`,
          items: ids,
          current: 0,
          editable: true,
          placeholder: 'id or #index'
        });
        if (!result.button.accept || !result.value) {
          return undefined;
        }
        choice = result.value;
      }
      const record = pickRecord(records, choice);
      if (!record) {
        throw new Error(`${path} has no record with id or index ${choice}.`);
      }
      const item = await itemFromRecord(serviceManager.contents, path, record);
      return open(item, { kind: 'file', path, id: String(record['id']) }, step);
    };

    commands.addCommand(CommandIDs.openTraceFile, {
      label: 'Open in Trace Viewer…',
      caption:
        'Pick a record of this traces.jsonl or translated.jsonl by id or index',
      icon: traceIcon,
      isVisible: () => {
        const item = fileBrowser?.selectedItems().next();
        const name = item && !item.done ? item.value.name : '';
        return RECORD_FILES.includes(name);
      },
      execute: async args => {
        let path = args['path'] ? String(args['path']) : '';
        if (!path) {
          const item = fileBrowser?.selectedItems().next();
          path = item && !item.done ? item.value.path : '';
        }
        if (!path) {
          return;
        }
        try {
          return await openFromFile(path, args['id'], 0);
        } catch (reason) {
          await showErrorMessage('Trace Viewer', (reason as Error).message);
        }
      }
    });
    palette?.addItem({
      command: CommandIDs.openTraceFile,
      category: 'groundtrace'
    });

    return {
      open: (document, step) =>
        void commands.execute(CommandIDs.openViewer, {
          document: document as unknown as ReadonlyPartialJSONObject,
          step
        })
    };
  }
};

/** What the layout restorer saves for a viewer: its source and step. */
function restoreArgs(widget: ViewerWidget): ReadonlyPartialJSONObject {
  const source = widget.gtSource;
  const step = widget.content.step;
  if (!source) {
    return {};
  }
  switch (source.kind) {
    case 'file':
      return { path: source.path, id: source.id, step, restoring: true };
    case 'sample':
      return { output: source.output, id: source.id, step };
    default:
      return approximateSize(source.document) <= MAX_SAVED_DOCUMENT_CHARS
        ? {
            document: source.document as unknown as ReadonlyPartialJSONObject,
            step
          }
        : {};
  }
}

/** About the JSON size of a document, without serializing it on every save. */
function approximateSize(document: TraceDocument): number {
  const sources = Object.values(document.sources).reduce(
    (sum, text) => sum + text.length,
    0
  );
  return document.text.length + sources + document.events.length * 160;
}

/** A stable id part for a source (the same trace opens one viewer). */
function sourceKey(source: ViewerSource): string {
  switch (source.kind) {
    case 'file':
      return `file-${hash(`${source.path}#${source.id}`)}`;
    case 'sample':
      return `sample-${hash(`${source.output}#${source.id}`)}`;
    default:
      return `doc-${hash(`${source.document.title ?? ''}\n${source.document.text}`)}`;
  }
}

function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  }
  return (h >>> 0).toString(36);
}
