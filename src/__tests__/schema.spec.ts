import Ajv2020 from 'ajv/dist/2020';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { fixtures } from './fixtures';

const ROOT = path.resolve(__dirname, '..', '..');
const SCHEMA = path.join(ROOT, 'python/groundtrace/schema/trace.schema.json');

describe('trace schema', () => {
  it('generates src/schema.ts, which is committed up to date', () => {
    // A child process: the generator's formatter needs native ES modules.
    expect(() =>
      execFileSync('node', ['scripts/generate-schema-types.js', '--check'], {
        cwd: ROOT,
        stdio: 'pipe'
      })
    ).not.toThrow();
  });

  it.each(Object.entries(fixtures))(
    'validates the %s fixture made by the Python tracer',
    (_, doc) => {
      const schema = JSON.parse(fs.readFileSync(SCHEMA, 'utf8'));
      const validate = new Ajv2020({ strict: false }).compile(schema);
      expect(validate(doc) ? [] : validate.errors).toEqual([]);
    }
  );
});
