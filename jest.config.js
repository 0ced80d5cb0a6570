const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

const baseConfig = jestJupyterLab(__dirname);

// @jupyterlab/* ship ES modules (the trace view uses ui-components' LabIcons).
const esModules = [
  '@codemirror',
  '@jupyter',
  '@jupyterlab',
  '@marijn',
  '@microsoft',
  'color',
  'exenv-es6',
  'lib0',
  'marked',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

module.exports = {
  ...baseConfig,
  automock: false,
  roots: ['<rootDir>/src'],
  reporters: ['default'],
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.d.ts'],
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`],
  testRegex: 'src/__tests__/.*\\.spec\\.ts$'
};
