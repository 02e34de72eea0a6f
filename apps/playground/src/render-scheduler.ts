/**
 * Live slider updates: at most one render in flight; slider moves during it are folded into one
 * more render with the latest values when it returns, so the image follows the slider at whatever
 * rate the GPU manages without a queue building up.
 */
export class RenderScheduler<T> {
  private inFlight = false;
  private dirty = false;
  /** Callers waiting for a render that starts after their request. */
  private waiting: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(
    private readonly render: () => Promise<T>,
    private readonly onDone: (result: T) => void,
    private readonly onError: (error: Error) => void,
  ) {}

  /**
   * Asks for a render with the current values; settles when one that started after this call has
   * ended: resolved once drawn, rejected with its error (which `onError` has also been given).
   */
  request(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (this.inFlight) this.dirty = true;
      else void this.run();
    });
  }

  private async run(): Promise<void> {
    this.inFlight = true;
    do {
      this.dirty = false;
      const served = this.waiting.splice(0);
      try {
        this.onDone(await this.render());
        for (const w of served) w.resolve();
      } catch (e) {
        this.onError(e as Error);
        for (const w of served) w.reject(e as Error);
      }
    } while (this.dirty);
    this.inFlight = false;
  }
}
