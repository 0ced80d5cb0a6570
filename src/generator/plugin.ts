import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  SessionContext,
  showErrorMessage
} from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { CommandIDs } from '../tokens';
import { datasetIcon } from './icons';
import { GeneratorPanel, IGeneratorForm } from './panel';
import { OptionSchemas } from './form';
import { JOBS_SESSION_PATH, JobsConnection } from '../jobs/connection';
import { JobModel } from '../jobs/model';
import { Sample } from '../schema/jobs';
import { isTraceDocument } from '../schema/guards';

const PLUGIN_ID = 'groundtrace:generator';
const FORM_STATE_KEY = 'groundtrace:generator:form';

/**
 * The Dataset Generator: a left side panel (also in the palette and the launcher) that
 * starts, watches, cancels and resumes dataset jobs in its own kernel, and opens samples.
 */
export const generatorPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Generate a reasoning dataset from a JSONL file of problems.',
  autoStart: true,
  requires: [ISettingRegistry],
  optional: [ICommandPalette, ILauncher, IStateDB, ILayoutRestorer],
  activate: async (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    state: IStateDB | null,
    restorer: ILayoutRestorer | null
  ) => {
    // The form's defaults: schema/generator.json through the registry (user overrides too).
    const settings = await settingRegistry.load(PLUGIN_ID);
    const defaults = () =>
      settings.composite as unknown as Readonly<IGeneratorForm>;
    const { serviceManager } = app;
    const sessionContext = new SessionContext({
      sessionManager: serviceManager.sessions,
      specsManager: serviceManager.kernelspecs,
      kernelManager: serviceManager.kernels,
      path: JOBS_SESSION_PATH,
      name: 'Dataset Generator',
      type: 'groundtrace-generator',
      kernelPreference: {
        name: 'python3',
        shouldStart: true,
        canStart: true,
        autoStartDefault: true
      }
    });
    const connection = new JobsConnection(sessionContext);

    const panel = new GeneratorPanel({
      connection,
      model: new JobModel(connection),
      trial: new JobModel(connection),
      contents: serviceManager.contents,
      schema: (settings.schema.properties ?? {}) as OptionSchemas,
      form: defaults(),
      saveForm: form =>
        void state?.save(
          FORM_STATE_KEY,
          form as unknown as ReadonlyPartialJSONObject
        ),
      openSample: (output, id) =>
        void app.commands.execute(CommandIDs.openSample, { output, id })
    });
    panel.title.icon = datasetIcon;
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, panel.id);

    app.commands.addCommand(CommandIDs.openGenerator, {
      label: args =>
        args['isLauncher'] ? 'Dataset Generator' : 'Open Dataset Generator',
      caption: 'Generate a reasoning dataset from a JSONL file of problems',
      icon: datasetIcon,
      execute: () => {
        app.shell.activateById(panel.id);
      }
    });
    app.commands.addCommand(CommandIDs.openSample, {
      label: 'Open Dataset Sample',
      caption: 'Open one item of a dataset folder in the trace viewer',
      execute: async args => {
        const output = String(args['output'] ?? '');
        const id = String(args['id'] ?? '');
        try {
          const sample = await connection.request<Sample>({
            type: 'sample',
            output,
            id
          });
          const item = {
            title: id,
            document: isTraceDocument(sample.document) ? sample.document : null,
            record: sample.record,
            translation: sample.translation
          };
          return await app.commands.execute(CommandIDs.openViewer, {
            item,
            source: { kind: 'sample', output, id },
            step: Number(args['step'] ?? 0) || 0
          } as unknown as ReadonlyPartialJSONObject);
        } catch (reason) {
          const error = reason as Error & { hint?: string };
          if (args['restoring']) {
            // a tab of the last session whose folder has gone since: not reopened, no dialog
            console.warn(
              `groundtrace: not reopening sample ${id}: ${error.message}`
            );
            return undefined;
          }
          await showErrorMessage(
            'Open sample',
            `${error.message}${error.hint ? `\n${error.hint}` : ''}`
          );
        }
      }
    });
    palette?.addItem({
      command: CommandIDs.openGenerator,
      category: 'groundtrace'
    });
    launcher?.add({
      command: CommandIDs.openGenerator,
      category: 'Other',
      rank: 1
    });

    // After the app is restored (the state database waits for the workspace): the form
    // from the settings' defaults, then what the user last typed.
    void app.restored.then(async () => {
      let form: IGeneratorForm = { ...defaults() };
      const saved = state
        ? ((await state.fetch(FORM_STATE_KEY)) as unknown as
            IGeneratorForm | undefined)
        : undefined;
      if (saved && typeof saved === 'object') {
        form = { ...form, ...saved };
      }
      panel.setForm(form);

      // Start the panel's kernel when the panel is shown, or at once when its session
      // already exists (a job may be running: show it again after a reload).
      await serviceManager.sessions.ready;
      const existing =
        await serviceManager.sessions.findByPath(JOBS_SESSION_PATH);
      panel.allowConnect(!!existing);
    });
  }
};
