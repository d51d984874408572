import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors.js';
import { resolveVersion } from './versioning.js';

const req = (
  version_type: 'Major' | 'Minor' | 'Patch' | 'Pre' | 'Build' | 'PreBuild',
  pre_tag: string | null = null,
  build_tag: string | null = null,
) => ({
  version: null,
  version_type,
  pre_tag,
  build_tag,
});
const v = (major: number, minor: number, patch: number) => ({ major, minor, patch });

describe('resolveVersion (Scouter §1.3.1)', () => {
  it('uses the config version when nothing matches, completing partials', () => {
    expect(resolveVersion('0.0.0', req('Minor'), []).version).toBe('0.0.0');
    expect(resolveVersion('1', req('Minor'), []).version).toBe('1.0.0');
    expect(resolveVersion('1.2', req('Minor'), [v(1, 3, 0)]).version).toBe('1.2.0');
    expect(resolveVersion('1.0.0', req('Minor', 'rc1'), [v(1, 0, 1)])).toMatchObject({
      version: '1.0.0',
      preTag: null,
    });
  });
  it('bumps the highest match by version_type', () => {
    expect(resolveVersion('1.0.0', req('Minor'), [v(1, 0, 0)]).version).toBe('1.1.0');
    expect(resolveVersion('1.0.0', req('Minor'), [v(1, 0, 0), v(1, 1, 0)]).version).toBe('1.1.0');
    expect(resolveVersion('1.0.0', req('Major'), [v(1, 0, 0)]).version).toBe('2.0.0');
    expect(resolveVersion('1.0.0', req('Patch'), [v(1, 0, 0)]).version).toBe('1.0.1');
    expect(resolveVersion('1', req('Minor'), [v(1, 0, 0), v(1, 4, 2), v(2, 0, 0)]).version).toBe('1.5.0');
    expect(resolveVersion('1.4', req('Patch'), [v(1, 4, 2), v(1, 4, 7), v(1, 5, 0)]).version).toBe('1.4.8');
    expect(resolveVersion('1.0.0', req('Pre', 'rc.1'), [v(1, 0, 0)])).toMatchObject({
      version: '1.0.0-rc.1',
      major: 1,
      minor: 0,
      patch: 0,
      preTag: 'rc.1',
    });
    expect(resolveVersion('1.0.0', req('Minor', 'alpha', 'b7'), [v(1, 0, 0)]).version).toBe('1.1.0-alpha+b7');
  });
  it('rejects what Scouter cannot parse with a 400', () => {
    for (const bad of ['1.0.0-rc1', '^1.0', 'x', '', '1.2.3.4']) {
      const err = (() => {
        try {
          resolveVersion(bad, req('Minor'), []);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).status).toBe(400);
    }
  });
});
