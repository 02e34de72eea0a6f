/**
 * What a benchmark case is. Suites are plain modules shared by both runtimes: the Node runner
 * and the page bundle import the same files, so a case measures the same work everywhere.
 */
import type * as Kernels from '@stylegpu/kernels';

export type RuntimeName = 'node' | 'browser';

export interface CaseContext {
  rt: Kernels.Runtime;
  runtime: RuntimeName;
}

export interface CheckResult {
  ok: boolean;
  /** Largest |gpu − reference| over the sampled outputs. */
  maxAbsErr: number;
  /** The bound it was held to (absolute). */
  tolerance: number;
  samples: number;
}

/** A case set up on a runtime: inputs allocated and kept, ready to run again and again. */
export interface CaseInstance {
  /** Records the work once (no readback, no sync: the harness syncs). */
  run(): void;
  /** Compares a sample of the last run's outputs with a float64 CPU reference. */
  check(): Promise<CheckResult>;
  /** Instead of `run()`, for work that must await between passes (a NADA training step); the harness awaits it. */
  runAsync?(): Promise<void>;
  /** Figures besides time, read after the timed repeats (e.g. peak pool bytes); copied into the result's `metrics`. */
  metrics?(): Record<string, number>;
  dispose(): void;
}

export interface BenchCase {
  suite: string;
  /** Cases in one group do the same work; peers (tfjs, ORT, torch) report against the group. */
  group: string;
  /** Unique within the suite, e.g. "matmul 1024 regblock". */
  name: string;
  /** Kernel variant forced through `rt.variants`, if any. */
  variant?: string;
  params: Record<string, number | string>;
  /** Floating-point operations of one run (0 when throughput in FLOP/s means nothing). */
  flops: number;
  /** Bytes one run must move at least (reads + writes of inputs and outputs). */
  bytes: number;
  /** Skip the per-pass GPU timestamps (cases that are not compute passes, e.g. a buffer copy). */
  wallOnly?: boolean;
  /** At most this many timed repeats (model cases of tens of seconds per run). */
  maxRepeats?: number;
  /** Exactly this many timed repeats, whatever a run costs (a training window: a median of more than the slow-run cap of 2). */
  repeats?: number;
  setup(ctx: CaseContext): CaseInstance;
}

/** Work a peer library (tfjs, onnxruntime, PyTorch) can do for a group; the peers map these. */
export type PeerWork =
  | { group: string; kind: 'matmul'; M: number; N: number; K: number }
  | {
      group: string;
      kind: 'conv2d';
      N: number;
      C: number;
      H: number;
      W: number;
      O: number;
      k: number;
      pad: number;
    };

/**
 * A model suite's case for the PyTorch CPU anchor (scripts/torch_models.py): the same group, FLOPs
 * and model parameters as the stylegpu case, run on the project's PyTorch references.
 */
export interface ModelAnchorWork {
  suite: string;
  group: string;
  kind: 'stylegan' | 'clip' | 'nada' | 'train';
  flops: number;
  bytes: number;
  batch: number;
  [param: string]: number | string | Record<string, number>;
}

export interface Suite {
  name: string;
  description: string;
  /** The cases for a runtime; `quick` keeps the run to about a minute. Ops not present yet are noted in `skipped`. */
  cases(runtime: RuntimeName, quick: boolean): { cases: BenchCase[]; skipped: string[] };
  /** Work for the peer libraries (Node only). */
  peerWork?(quick: boolean): PeerWork[];
  /** Model cases for the PyTorch CPU anchors (run with the torch peer). */
  torchAnchors?(quick: boolean): ModelAnchorWork[];
}
