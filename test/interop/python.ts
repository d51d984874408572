import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Repository root, `test/interop/.venv` and the Python scripts, resolved from this file. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const venvDir = join(repoRoot, 'test/interop/.venv');
export const venvPython = join(venvDir, 'bin/python');
const scriptsDir = fileURLToPath(new URL('./py/', import.meta.url));
const setupScript = join(repoRoot, 'scripts/setup-python.sh');
// Outside the work tree, so a crashed run leaves nothing for git to see; one lock per checkout.
const lockDir = join(
  tmpdir(),
  `scouter-interop-setup-${createHash('sha256').update(venvDir).digest('hex').slice(0, 12)}.lock`,
);

/** Where Scouter's Python client can run, or why it cannot. */
export type PythonEnv = { ok: true; python: string; scouterMl: string } | { ok: false; reason: string };

/** True when the caller (CI) requires the interop tests to run instead of being skipped. */
export const interopRequired = process.env.SCOUTER_REQUIRE_INTEROP === '1';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe(): Promise<string | null> {
  if (!existsSync(venvPython)) return null;
  try {
    const { stdout } = await run(
      venvPython,
      ['-c', "import scouter, importlib.metadata as m; print(m.version('scouter-ml'))"],
      { timeout: 60_000 },
    );
    return stdout.trim();
  } catch {
    return null;
  }
}

/** Serialises setup across test files (vitest runs them in parallel workers); a stale lock (>10 min) is taken over. */
async function withSetupLock<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    try {
      mkdirSync(lockDir);
      try {
        return await fn();
      } finally {
        rmSync(lockDir, { recursive: true, force: true });
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const lock = statSync(lockDir, { throwIfNoEntry: false });
      if (lock !== undefined && Date.now() - lock.mtimeMs > 600_000) {
        rmSync(lockDir, { recursive: true, force: true });
      } else {
        await sleep(500);
      }
    }
  }
  throw new Error(`timed out waiting for ${lockDir}`);
}

let cached: Promise<PythonEnv> | undefined;

/**
 * Makes sure `test/interop/.venv` holds scouter-ml, creating it with `scripts/setup-python.sh` when missing
 * (slow the first time: pip download of the wheel). Resolves `{ ok: false }` when Python cannot be set up here.
 */
export function ensurePython(): Promise<PythonEnv> {
  cached ??= (async (): Promise<PythonEnv> => {
    const found = (await probe()) ?? (await withSetupLock(async () => (await probe()) ?? (await setup())));
    if (typeof found === 'string') return { ok: true, python: venvPython, scouterMl: found };
    return found;
  })();
  return cached;
}

async function setup(): Promise<string | PythonEnv> {
  try {
    await run('bash', [setupScript], { cwd: repoRoot, timeout: 280_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return {
      ok: false,
      reason: `scripts/setup-python.sh failed (python3 -m venv + pip install scouter-ml): ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ')}`,
    };
  }
  return (await probe()) ?? { ok: false, reason: 'scouter-ml did not import after scripts/setup-python.sh' };
}

/** Message shown on every skipped interop test. */
export function skipMessage(env: PythonEnv): string {
  return env.ok
    ? ''
    : `Scouter Python interop skipped: ${env.reason} (set SCOUTER_REQUIRE_INTEROP=1 to fail instead)`;
}

/**
 * Fails (when required) or returns the reason to skip: call first in `beforeAll`.
 * CI sets SCOUTER_REQUIRE_INTEROP=1, so a missing Python there fails the run instead of skipping silently.
 */
export async function requirePython(): Promise<PythonEnv> {
  const env = await ensurePython();
  if (!env.ok) {
    if (interopRequired) throw new Error(`SCOUTER_REQUIRE_INTEROP=1 but ${env.reason}`);
    console.warn(skipMessage(env));
  }
  return env;
}

const RESULT_MARKER = '@@SCOUTER_INTEROP_RESULT@@';

/**
 * Runs `test/interop/py/<script>.py` with one JSON argument and returns the JSON it prints.
 * The Python side blocks (from_path sleeps 1 s per profile), so this is always async.
 */
export async function runPython<T = unknown>(
  script: string,
  args: unknown,
  options: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<T> {
  let stdout: string;
  try {
    ({ stdout } = await run(venvPython, [join(scriptsDir, `${script}.py`), JSON.stringify(args)], {
      cwd: options.cwd ?? scriptsDir,
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', NO_COLOR: '1', ...options.env },
    }));
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`python ${script}.py failed: ${e.message}\n${e.stderr ?? ''}\n${e.stdout ?? ''}`);
  }
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (line === undefined) throw new Error(`python ${script}.py printed no result:\n${stdout}`);
  return JSON.parse(line.slice(RESULT_MARKER.length)) as T;
}
