/**
 * Runs `work` whenever kicked, never twice at once: kicks that arrive while it runs fold into one
 * more run after it. So any number of ref events cost at most one run in flight and one queued.
 */
export class ApplyLoop {
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(private readonly work: () => Promise<void>, private readonly onError: (error: Error) => void) {}

  kick(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.work();
        } catch (error) {
          this.onError(error as Error);
        }
      } while (this.#again && !this.#closed);
      this.#running = undefined;
    })();
    return this.#running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#running;
  }
}
