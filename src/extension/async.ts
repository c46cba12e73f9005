/** Small helpers for promises that may never settle. */

/** Rejects with `message` when `promise` has not settled within `ms` milliseconds. */
export function withTimeout<T>(promise: Thenable<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}
