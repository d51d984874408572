import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

/** Debian puts broker binaries in sbin dirs that a non-root PATH may lack. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/lib/rabbitmq/bin'];

/** Absolute path of an executable named `name` on PATH (or the usual sbin dirs), or null. */
export function findBinary(name: string, dirs: readonly string[] = []): string | null {
  const path = (process.env.PATH ?? '').split(':').filter((d) => d !== '');
  for (const dir of [...dirs, ...path, ...EXTRA_DIRS]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return null;
}
