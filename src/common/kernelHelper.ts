import { Kernel, KernelMessage } from '@jupyterlab/services';

/** The result of loading the kernel helper (`%load_ext groundtrace`). */
export type HelperStatus =
  | { ok: true }
  | {
      ok: false;
      /** True when the kernel's Python cannot import groundtrace (or a dependency). */
      missing: boolean;
      /** The kernel's error, e.g. "ModuleNotFoundError: No module named 'groundtrace'". */
      error: string;
      /** The exact command that installs groundtrace into the kernel's Python. */
      installCommand: string;
    };

export const LOAD_HELPER_CODE = '%load_ext groundtrace';

export const TRACE_MAGIC = '%%groundtrace';

/** The code sent to the kernel: the cell's own source under the cell magic. */
export function tracedCode(source: string): string {
  return source.trimStart().startsWith(TRACE_MAGIC)
    ? source
    : `${TRACE_MAGIC}\n${source}`;
}

/** The Python expression that names the kernel's interpreter. */
const EXECUTABLE_EXPRESSION = "__import__('sys').executable";

/**
 * Loads the kernel helper silently (no output, no history, no execution count).
 * Loading twice is harmless: IPython only says it is already loaded.
 */
export async function loadHelper(
  kernel: Kernel.IKernelConnection
): Promise<HelperStatus> {
  const reply = await executeSilently(kernel, LOAD_HELPER_CODE);
  const content = reply.content;
  if (content.status === 'ok') {
    return { ok: true };
  }
  const ename = content.status === 'error' ? content.ename : content.status;
  const evalue = content.status === 'error' ? content.evalue : '';
  const executable = await kernelExecutable(kernel);
  return {
    ok: false,
    missing: ename === 'ModuleNotFoundError' || ename === 'ImportError',
    error: evalue ? `${ename}: ${evalue}` : ename,
    installCommand: installCommand(executable)
  };
}

/** The pip command for a given interpreter (or plain pip when it is unknown). */
export function installCommand(executable: string | null): string {
  if (!executable) {
    return 'pip install groundtrace';
  }
  return `${shellQuote(executable)} -m pip install groundtrace`;
}

/** The kernel's `sys.executable`, or null when the kernel cannot say. */
export async function kernelExecutable(
  kernel: Kernel.IKernelConnection
): Promise<string | null> {
  try {
    const reply = await executeSilently(kernel, '', {
      executable: EXECUTABLE_EXPRESSION
    });
    const content = reply.content;
    if (content.status !== 'ok') {
      return null;
    }
    const result = content.user_expressions['executable'] as {
      status?: string;
      data?: { 'text/plain'?: string };
    };
    const repr = result?.status === 'ok' ? result.data?.['text/plain'] : null;
    return repr ? unquotePythonString(repr) : null;
  } catch {
    return null;
  }
}

/** Turns the repr of a simple Python string ('...' or "...") back into text. */
export function unquotePythonString(repr: string): string {
  const quote = repr.charAt(0);
  if ((quote === "'" || quote === '"') && repr.endsWith(quote)) {
    return repr.slice(1, -1).replace(/\\\\/g, '\\');
  }
  return repr;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text)
    ? text
    : `'${text.replace(/'/g, "'\\''")}'`;
}

async function executeSilently(
  kernel: Kernel.IKernelConnection,
  code: string,
  userExpressions: Record<string, string> = {}
): Promise<KernelMessage.IExecuteReplyMsg> {
  const future = kernel.requestExecute({
    code,
    silent: true,
    store_history: false,
    user_expressions: userExpressions,
    allow_stdin: false,
    stop_on_error: false
  });
  return (await future.done) as KernelMessage.IExecuteReplyMsg;
}
