/**
 * Test helper of the fuzzing suites (core's and the server's): `value` with one part, chosen by `picks`, replaced by
 * `replacement` or deleted (every `deleteEvery`-th pick on an object), so most of a valid input still looks right.
 * Not exported from the package.
 */
export function mutate(value: unknown, picks: number[], replacement: unknown, deleteEvery = 7): unknown {
  if (picks.length === 0 || typeof value !== 'object' || value === null) return replacement;
  const [pick = 0, ...rest] = picks;
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[pick % keys.length] as string;
  const copy: Record<string, unknown> = Array.isArray(value)
    ? ([...(value as unknown[])] as unknown as Record<string, unknown>)
    : { ...value };
  if (pick % deleteEvery === 0 && !Array.isArray(value)) delete copy[key];
  else copy[key] = mutate((value as Record<string, unknown>)[key], rest, replacement, deleteEvery);
  return copy;
}
