import { CommandRegistry } from '@lumino/commands';

import settings from '../../schema/trace-view.json';
import { addStepCommands } from '../trace/commands';
import { TraceView } from '../trace/view';

const KEY_CODES: Record<string, number> = {
  ArrowLeft: 37,
  ArrowRight: 39,
  Home: 36,
  End: 35,
  n: 78,
  p: 80,
  j: 74,
  ArrowDown: 40,
  ArrowUp: 38,
  Enter: 13
};

/**
 * The step commands on `view` with the key bindings of schema/trace-view.json, and
 * keydown handled as JupyterLab handles it (the registry, in the capture phase).
 */
export function stepKeys(view: TraceView): {
  commands: CommandRegistry;
  press: (key: string, shiftKey?: boolean) => void;
  dispose: () => void;
} {
  const commands = new CommandRegistry();
  addStepCommands(commands, { currentWidget: view });
  for (const shortcut of settings['jupyter.lab.shortcuts']) {
    commands.addKeyBinding(shortcut);
  }
  const listener = (event: KeyboardEvent) =>
    commands.processKeydownEvent(event);
  document.addEventListener('keydown', listener, true);
  return {
    commands,
    press: (key, shiftKey = false) => {
      (document.activeElement ?? view.node).dispatchEvent(
        new KeyboardEvent('keydown', {
          key,
          keyCode: KEY_CODES[key],
          shiftKey,
          bubbles: true,
          cancelable: true
        })
      );
    },
    dispose: () => document.removeEventListener('keydown', listener, true)
  };
}
