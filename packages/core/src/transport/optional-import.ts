import { MissingDependencyError } from '../errors.js';

const MODULE_NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/** True when `err` says that `pkg` itself (not one of its own imports) could not be resolved. */
function isMissing(err: unknown, pkg: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !MODULE_NOT_FOUND.has(code)) return false;
  return typeof message !== 'string' || message.includes(`'${pkg}'`) || message.includes(`"${pkg}"`);
}

/**
 * Imports an optional peer dependency on first use, so that an install that never uses the feature never loads (or
 * needs) the package. When `pkg` is not installed it rejects with a `MissingDependencyError` (`ERR_MISSING_DEPENDENCY`)
 * naming the package, the feature that needs it and the install command; any other import failure is rethrown.
 * `load` does the import: pass `() => import('pkg')` written literally in the calling package, so the package is
 * resolved from the caller (and bundlers see it); default `import(pkg)` from `@scouter-ts/core`.
 */
export async function importOptional<T>(
  pkg: string,
  feature: string,
  load: () => Promise<unknown> = () => import(pkg),
): Promise<T> {
  try {
    return (await load()) as T;
  } catch (err) {
    if (isMissing(err, pkg)) throw new MissingDependencyError(pkg, feature, { cause: err });
    throw err;
  }
}
