/**
 * ReadBudget: how many bytes one checkpoint read may allocate for the values it builds.
 *
 * An honest file builds about as much as it holds: each storage is decoded once, tensors view their storages, a
 * numpy array copies its bytes once. A hostile one makes a few bytes describe gigabytes: a stride-0 view of 2^31
 * elements over a 4-element storage, one memoised megabyte of bytes turned into numpy arrays 100 000 times, one
 * nested torch.save blob loaded again and again. So every handler that builds something large charges its size
 * here first, before allocating anything, and a read may build at most 4 × the file's size (inflated entries count
 * at their inflated size) plus a fixed slack. Honest checkpoints charge about 2 × their size (each storage, then
 * its views; views are charged even when they share the storage's memory) and NVIDIA pickles about 3 × (each
 * storage also arrives as a nested blob).
 */

/** The slack above 4 × the file's size (64 MiB). */
export const DEFAULT_EXTRA_ALLOCATION_BYTES = 2 ** 26;
/** The limit for handlers used on their own (`torchGlobals()` without a budget): 1 GiB. */
export const STANDALONE_ALLOCATION_LIMIT = 2 ** 30;

export class ReadBudget {
  private used = 0;

  private constructor(
    private limit: number,
    private readonly rule: string,
  ) {}

  /** 4 × `fileBytes` + `extra`. */
  static forFile(fileBytes: number, extra = DEFAULT_EXTRA_ALLOCATION_BYTES): ReadBudget {
    return new ReadBudget(4 * fileBytes + extra, `4 × the file's ${fileBytes} bytes + ${extra}`);
  }

  static fixed(limit: number): ReadBudget {
    return new ReadBudget(limit, 'a fixed limit');
  }

  /** Data that enters the read from outside the file bytes counted so far (an inflated zip entry). */
  grow(bytes: number): void {
    this.limit += 4 * bytes;
  }

  /** Refuses, naming `what`, when `bytes` more would pass the limit. */
  charge(bytes: number, what: () => string): void {
    if (this.used + bytes > this.limit) {
      throw new Error(
        `torch: ${what()} needs ${bytes} bytes, which takes this read past its allocation budget of ${this.limit} bytes ` +
          `(${this.rule}); an honest checkpoint needs 2 to 3 times its size, so the file is damaged or hostile ` +
          '(raise the extraAllocationBytes option only if the file is trusted)',
      );
    }
    this.used += bytes;
  }
}
