/** Concurrent callers share one run: per key (`Flights`) or for a single job (`SingleFlight`). */

export class Flights<K, T> {
  private readonly running = new Map<K, Promise<T>>();

  /** The run in flight for `key`, or a new one from `task`; the key is free again once that run settles. */
  run(key: K, task: () => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (current) return current;
    // The task starts now; one that throws before its first await rejects like one that fails later.
    const started = new Promise<T>((resolve) => {
      resolve(task());
    });
    this.running.set(key, started);
    const clear = (): void => {
      if (this.running.get(key) === started) this.running.delete(key);
    };
    started.then(clear, clear);
    return started;
  }

  get size(): number {
    return this.running.size;
  }

  /** Forgets the runs whose key `which` selects (all without it): they go on, but the next caller starts anew. */
  forget(which?: (key: K) => boolean): void {
    for (const key of [...this.running.keys()]) if (!which || which(key)) this.running.delete(key);
  }
}

export class SingleFlight<T> {
  private readonly flights = new Flights<true, T>();

  get inFlight(): boolean {
    return this.flights.size > 0;
  }

  run(task: () => Promise<T>): Promise<T> {
    return this.flights.run(true, task);
  }
}
