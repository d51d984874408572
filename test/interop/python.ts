import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Repository root and the Python scripts, resolved from this file. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const scriptsDir = fileURLToPath(new URL('./py/', import.meta.url));
const setupScript = join(repoRoot, 'scripts/setup-python.sh');

/** One venv with one release of Scouter's Python client, and the wire dialect it speaks. */
export interface Venv {
  /** Shown in test names: the dialect, `v0.13` or `v0.25`. */
  readonly id: 'v0.13' | 'v0.25';
  /** The venv folder. */
  readonly dir: string;
  /** The scouter-ml release `scripts/setup-python.sh` installs there. */
  readonly scouterMl: string;
  /** The `protocol` our client uses with it. */
  readonly protocol: 'v0.13' | 'v0.25';
  /** `scripts/setup-python.sh` argument that makes only this venv. */
  readonly setupArg: string;
}

/**
 * The venvs every interop suite runs with: scouter-ml 0.12.0 (the v0.13.0 code) and 0.25.0 (the newest release).
 * SCOUTER_INTEROP_VENVS=v0.13 (or v0.25) runs only one of them.
 */
const allVenvs: readonly Venv[] = [
  {
    id: 'v0.13',
    dir: join(repoRoot, 'test/interop/.venv'),
    scouterMl: '0.12.0',
    protocol: 'v0.13',
    setupArg: 'v0.13',
  },
  {
    id: 'v0.25',
    dir: join(repoRoot, 'test/interop/.venv-0.25'),
    scouterMl: '0.25.0',
    protocol: 'v0.25',
    setupArg: 'latest',
  },
];
const only = process.env.SCOUTER_INTEROP_VENVS?.split(',').map((v) => v.trim());
export const VENVS: readonly Venv[] = only ? allVenvs.filter((v) => only.includes(v.id)) : allVenvs;

const pythonOf = (venv: Venv) => join(venv.dir, 'bin/python');
// Outside the work tree, so a crashed run leaves nothing for git to see; one lock per checkout.
const lockDir = join(
  tmpdir(),
  `scouter-interop-setup-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 12)}.lock`,
);

/** Where Scouter's Python client can run, or why it cannot. */
export type PythonEnv =
  { ok: true; python: string; scouterMl: string; venv: Venv } | { ok: false; reason: string; venv: Venv };

/** True when the caller (CI) requires the interop tests to run instead of being skipped. */
export const interopRequired = process.env.SCOUTER_REQUIRE_INTEROP === '1';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe(venv: Venv): Promise<string | null> {
  if (!existsSync(pythonOf(venv))) return null;
  try {
    const { stdout } = await run(
      pythonOf(venv),
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

const cached = new Map<string, Promise<PythonEnv>>();

/**
 * Makes sure the venv holds its scouter-ml, creating it with `scripts/setup-python.sh` when missing (slow the first
 * time: pip download of the wheel). Resolves `{ ok: false }` when Python cannot be set up here.
 */
export function ensurePython(venv: Venv): Promise<PythonEnv> {
  let env = cached.get(venv.id);
  if (env === undefined) {
    env = (async (): Promise<PythonEnv> => {
      const found =
        (await probe(venv)) ?? (await withSetupLock(async () => (await probe(venv)) ?? (await setup(venv))));
      if (typeof found === 'string') return { ok: true, python: pythonOf(venv), scouterMl: found, venv };
      return found;
    })();
    cached.set(venv.id, env);
  }
  return env;
}

async function setup(venv: Venv): Promise<string | PythonEnv> {
  try {
    await run('bash', [setupScript, venv.setupArg], {
      cwd: repoRoot,
      timeout: 280_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return {
      ok: false,
      venv,
      reason: `scripts/setup-python.sh ${venv.setupArg} failed (python3 -m venv + pip install scouter-ml==${venv.scouterMl}): ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ')}`,
    };
  }
  return (
    (await probe(venv)) ?? {
      ok: false,
      venv,
      reason: `scouter-ml did not import after scripts/setup-python.sh ${venv.setupArg}`,
    }
  );
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
export async function requirePython(venv: Venv): Promise<PythonEnv> {
  const env = await ensurePython(venv);
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
  venv: Venv,
  script: string,
  args: unknown,
  options: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<T> {
  let stdout: string;
  try {
    ({ stdout } = await run(pythonOf(venv), [join(scriptsDir, `${script}.py`), JSON.stringify(args)], {
      cwd: options.cwd ?? scriptsDir,
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', NO_COLOR: '1', ...options.env },
    }));
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `python ${script}.py (${venv.id}) failed: ${e.message}\n${e.stderr ?? ''}\n${e.stdout ?? ''}`,
    );
  }
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (line === undefined) throw new Error(`python ${script}.py printed no result:\n${stdout}`);
  return JSON.parse(line.slice(RESULT_MARKER.length)) as T;
}
