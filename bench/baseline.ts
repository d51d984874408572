/**
 * `--against <git ref>` of the server benchmarks: the ref's tree is checked out with `git worktree add` into
 * `bench/.baseline/<commit>` (ignored by git), installed offline from its own lockfile, and its server runs in child
 * processes next to this tree's, interleaved in the same run, so each figure is printed with its ratio to the ref's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of this working tree. */
export const TREE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The ref after `--against` (or `--against=<ref>`), or null when the option is absent. */
export function againstRef(argv: string[]): string | null {
  const i = argv.indexOf('--against');
  if (i >= 0) {
    const ref = argv[i + 1];
    if (!ref || ref.startsWith('--')) throw new Error('--against needs a git ref, e.g. --against HEAD~3');
    return ref;
  }
  return argv.find((a) => a.startsWith('--against='))?.slice('--against='.length) ?? null;
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: TREE_ROOT, encoding: 'utf8' }).trim();
}

/** Checks out and installs `ref` (once; later runs reuse it) and returns the root of its tree. */
export function prepareBaseline(ref: string): string {
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new Error(`--against ${ref}: not a commit of this repository (try a hash from git log)`);
  }
  const dir = join(TREE_ROOT, 'bench', '.baseline', commit.slice(0, 12));
  if (!existsSync(join(dir, '.git'))) {
    git(['worktree', 'prune']);
    git(['worktree', 'add', '--detach', dir, commit]);
  }
  if (!existsSync(join(dir, 'packages', 'server', 'src', 'index.ts'))) {
    throw new Error(`--against ${ref}: ${relative(TREE_ROOT, dir)} has no packages/server/src/index.ts`);
  }
  try {
    execFileSync('pnpm', ['install', '--frozen-lockfile', '--offline'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch {
    throw new Error(
      `--against ${ref}: pnpm install --frozen-lockfile --offline failed in ${relative(TREE_ROOT, dir)}; ` +
        'run `pnpm install --frozen-lockfile` there once with network access, then again',
    );
  }
  console.log(`baseline: ${ref} = ${commit.slice(0, 12)}, tree in ${relative(TREE_ROOT, dir)}`);
  return dir;
}
