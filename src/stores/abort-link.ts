/**
 * One 'abort' listener per caller signal, however many requests are in flight under it.
 *
 * A migration passes one AbortSignal to every store call; adding a listener per request (to abort that
 * request's own controller) put dozens of listeners on it at once, and Node warns
 * (MaxListenersExceededWarning) past 10. Here each signal gets a single listener that runs the
 * callbacks registered at that moment; registering and unregistering is a Set operation.
 */

const links = new WeakMap<AbortSignal, Set<() => void>>();

/** Runs `onAbort` once when `signal` aborts; returns the function that unregisters it (call it in finally). */
export function onAbortOf(signal: AbortSignal | undefined, onAbort: () => void): () => void {
  if (signal === undefined) return () => undefined;
  let callbacks = links.get(signal);
  if (callbacks === undefined) {
    const set = new Set<() => void>();
    callbacks = set;
    links.set(signal, set);
    signal.addEventListener('abort', () => {
      links.delete(signal);
      for (const cb of [...set]) cb();
      set.clear();
    }, { once: true });
  }
  const set = callbacks;
  set.add(onAbort);
  return () => {
    set.delete(onAbort);
  };
}
