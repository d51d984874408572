/** The value of environment variable `name`, or undefined when it is unset or empty (Scouter treats both alike). */
export function fromEnv(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** The first of `names` that is set (and not empty) in `env`, e.g. `SCOUTER_KAFKA_TOPIC` before `KAFKA_TOPIC`. */
export function firstFromEnv(names: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  for (const name of names) {
    const value = fromEnv(name, env);
    if (value !== undefined) return value;
  }
  return undefined;
}
