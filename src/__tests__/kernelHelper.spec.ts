import {
  installCommand,
  loadHelper,
  tracedCode,
  unquotePythonString
} from '../common/kernelHelper';

describe('Trace Cell', () => {
  it('runs the cell source under the %%groundtrace magic', () => {
    expect(tracedCode('x = 1\nprint(x)')).toBe(
      '%%groundtrace\nx = 1\nprint(x)'
    );
  });

  it('does not add the magic twice', () => {
    const source = '%%groundtrace\nx = 1';
    expect(tracedCode(source)).toBe(source);
  });
});

describe('install command', () => {
  it("uses the kernel's own interpreter", () => {
    expect(installCommand('/opt/env/bin/python3')).toBe(
      '/opt/env/bin/python3 -m pip install groundtrace'
    );
  });

  it('quotes an interpreter path with spaces', () => {
    expect(installCommand('/home/a b/python')).toBe(
      "'/home/a b/python' -m pip install groundtrace"
    );
  });

  it('falls back to plain pip when the interpreter is unknown', () => {
    expect(installCommand(null)).toBe('pip install groundtrace');
  });

  it("reads the kernel's repr of sys.executable", () => {
    expect(unquotePythonString("'/usr/bin/python3'")).toBe('/usr/bin/python3');
    expect(unquotePythonString("'C:\\\\Python\\\\python.exe'")).toBe(
      'C:\\Python\\python.exe'
    );
  });
});

describe('loading the kernel helper', () => {
  /** A kernel whose execute replies are given in order. */
  function fakeKernel(...replies: object[]): any {
    const requests: any[] = [];
    return {
      requests,
      requestExecute: (content: any) => {
        requests.push(content);
        return { done: Promise.resolve({ content: replies.shift() }) };
      }
    };
  }

  it('loads silently, without history', async () => {
    const kernel = fakeKernel({ status: 'ok', user_expressions: {} });
    expect(await loadHelper(kernel)).toEqual({ ok: true });
    expect(kernel.requests[0]).toMatchObject({
      code: '%load_ext groundtrace',
      silent: true,
      store_history: false
    });
  });

  it("names the install command for the kernel's Python when groundtrace is missing", async () => {
    const kernel = fakeKernel(
      {
        status: 'error',
        ename: 'ModuleNotFoundError',
        evalue: "No module named 'groundtrace'",
        traceback: []
      },
      {
        status: 'ok',
        user_expressions: {
          executable: {
            status: 'ok',
            data: { 'text/plain': "'/srv/env/bin/python'" }
          }
        }
      }
    );
    expect(await loadHelper(kernel)).toEqual({
      ok: false,
      missing: true,
      error: "ModuleNotFoundError: No module named 'groundtrace'",
      installCommand: '/srv/env/bin/python -m pip install groundtrace'
    });
  });

  it('reports other failures without calling them a missing install', async () => {
    const kernel = fakeKernel(
      { status: 'error', ename: 'SyntaxError', evalue: 'invalid syntax' },
      { status: 'error', ename: 'SyntaxError', evalue: 'invalid syntax' }
    );
    const status = await loadHelper(kernel);
    expect(status).toMatchObject({ ok: false, missing: false });
  });
});
