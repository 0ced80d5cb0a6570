import {
  installCommand,
  tracedCode,
  unquotePythonString
} from '../kernelHelper';

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
