/** Coalesces concurrent calls: while one run is in flight every caller gets that same promise. */
export class SingleFlight<T> {
  private current: Promise<T> | undefined;

  get inFlight(): boolean {
    return this.current !== undefined;
  }

  run(task: () => Promise<T>): Promise<T> {
    if (this.current) return this.current;
    const promise = (async () => {
      try {
        return await task();
      } finally {
        this.current = undefined;
      }
    })();
    this.current = promise;
    return promise;
  }
}
