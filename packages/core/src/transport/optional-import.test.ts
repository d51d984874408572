import { describe, expect, it } from 'vitest';
import type * as Zod from 'zod';
import { MissingDependencyError, ScouterErrorCode } from '../errors.js';
import { importOptional } from './optional-import.js';

describe('importOptional', () => {
  it('returns the module when the package is installed', async () => {
    const zod = await importOptional<typeof Zod>('zod', 'A feature');
    expect(typeof zod.z.object).toBe('function');
  });

  it('names the missing package, the feature and the install command', async () => {
    const err = await importOptional('scouter-ts-no-such-package', 'RedisConfig (the Redis transport)').catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MissingDependencyError);
    expect(err).toMatchObject({
      code: ScouterErrorCode.MissingDependency,
      packageName: 'scouter-ts-no-such-package',
      retryable: false,
    });
    expect((err as Error).message).toBe(
      'RedisConfig (the Redis transport) needs the optional package "scouter-ts-no-such-package", which is not installed: run `npm install scouter-ts-no-such-package` (or `pnpm add scouter-ts-no-such-package`) in your app',
    );
  });

  it('rethrows any other failure of the import (a broken install is not a missing one)', async () => {
    const broken = Object.assign(new Error("Cannot find module 'inner-dep' imported from ioredis"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await expect(importOptional('ioredis', 'X', () => Promise.reject(broken))).rejects.toBe(broken);
    const other = new SyntaxError('Unexpected token');
    await expect(importOptional('ioredis', 'X', () => Promise.reject(other))).rejects.toBe(other);
  });
});
