const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  roots: ['<rootDir>/src'],
  reporters: ['default'],
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.d.ts'],
  testRegex: 'src/__tests__/.*\\.spec\\.ts$'
};
