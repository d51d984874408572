/** Signals `handleSignals: true` listens to. */
export const DEFAULT_SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Runs `shutdown` when one of `signals` arrives, then lets the process end as it would have without us: our
 * listener is removed and, when no other listener remains, the signal is raised again so Node's default action
 * (termination by that signal) applies. A second signal during the shutdown re-raises at once (double Ctrl+C).
 * `shutdown` must not reject; its own deadline bounds the wait. Returns a function that removes the listeners.
 */
export function handleShutdownSignals(
  shutdown: (signal: NodeJS.Signals) => Promise<unknown>,
  signals: readonly NodeJS.Signals[] = DEFAULT_SHUTDOWN_SIGNALS,
): () => void {
  let shuttingDown = false;
  const uninstall = (): void => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  const reraise = (signal: NodeJS.Signals): void => {
    uninstall();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (shuttingDown) return reraise(signal);
    shuttingDown = true;
    void shutdown(signal).then(
      () => reraise(signal),
      () => reraise(signal),
    );
  }
  for (const signal of signals) process.on(signal, onSignal);
  return uninstall;
}
