import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import * as core from '../index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const cwd = process.cwd();
let dir = '';

afterEach(() => {
  process.chdir(cwd);
  vi.restoreAllMocks();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

it('the README profile example runs and prints what its comment says', () => {
  const section = readme.slice(readme.indexOf('## Profiles'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  const js = (code as string).replace(
    /import \{([\s\S]*?)\} from '@scouter-ts\/core';/,
    (_m, names: string) => `const {${names}} = core;`,
  );
  expect(js).not.toContain('import ');
  dir = mkdtempSync(join(tmpdir(), 'scouter-readme-'));
  process.chdir(dir);
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('core', js)(core);
  expect(log).toHaveBeenCalledWith('scouter/model/v1.0.0/custom', { mae: 1, accuracy: 0.85 });
  expect(core.CustomDriftProfile.load(join(dir, 'profiles/model.json')).config.alertConfig.dispatchType).toBe(
    'Slack',
  );
});
