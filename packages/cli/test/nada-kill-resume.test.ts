/**
 * A real `stylegpu adapt nada` run killed with SIGKILL after it wrote a checkpoint, then resumed with
 * `--resume`, ends with bitwise the same weights and Adam state as an uninterrupted run of the same
 * seed. The run uses everything a resume must carry: Adam's moments and per-parameter step counts,
 * z's and style mixing drawn from (seed, step), adaptive layer selection (k = 2 every step), and
 * sample grids written along the way.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePng, readSafetensors } from '@stylegpu/io';
import { FIXTURES, NO_GPU_ENV, listTree, startStylegpu, stderrLines, stylegpu } from './run-cli.js';

const ITER = 12;
const SAVE_EVERY = 3;
const args = (out: string) => [
  'adapt', 'nada',
  '--frozen-gen-ckpt', FIXTURES.generator, '--source-class', 'photo', '--target-class', 'sketch',
  '--clip-models', FIXTURES.clip, '--clip-vocab', FIXTURES.vocab,
  '--iter', String(ITER), '--batch', '2', '--lr', '0.02', '--seed', '7', '--mixing', '0.5',
  '--auto-layer-k', '2', '--auto-layer-iters', '1', '--auto-layer-batch', '2',
  '--save-interval', String(SAVE_EVERY), '--output-interval', '4', '--output-dir', out,
];

const stateFile = (out: string) => join(out, 'checkpoint', 'state.safetensors');
const stateStep = (out: string) => Number(readSafetensors(readFileSync(stateFile(out))).metadata?.step);

/** Each tensor's raw bytes, for bitwise comparison. */
function tensorBytes(file: string): Map<string, Buffer> {
  const { tensors } = readSafetensors(readFileSync(file));
  const out = new Map<string, Buffer>();
  for (const [k, t] of tensors) {
    const d = t.data as ArrayBufferView;
    out.set(k, Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return out;
}

function expectBitwiseEqual(a: string, b: string): void {
  const x = tensorBytes(a);
  const y = tensorBytes(b);
  expect([...y.keys()].sort()).toEqual([...x.keys()].sort());
  const differing = [...x].filter(([k, bytes]) => !bytes.equals(y.get(k)!)).map(([k]) => k);
  expect(differing, `tensors of ${b} that differ from ${a}`).toEqual([]);
}

let straight = '';

describe('stylegpu adapt nada, killed and resumed', () => {
  it('SIGKILL after a checkpoint, then --resume: the final weights and Adam state equal an uninterrupted run bit for bit', async () => {
    straight = mkdtempSync(join(tmpdir(), 'nada-straight-'));
    const done = stylegpu(args(straight));
    expect(done.status, done.stderr).toBe(0);

    const killed = mkdtempSync(join(tmpdir(), 'nada-killed-'));
    const child = startStylegpu(args(killed));
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += String(c)));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    let running = true;
    void exited.then(() => (running = false));
    // Poll the output folder: kill as soon as the first resume state is on disk.
    while (running && !existsSync(stateFile(killed))) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    const end = await exited;
    expect(end.signal, `the run ended on its own before it was killed:\n${stderr}`).toBe('SIGKILL');
    const savedAt = stateStep(killed);
    expect(savedAt).toBeGreaterThanOrEqual(SAVE_EVERY);
    expect(savedAt).toBeLessThan(ITER);
    expect(existsSync(join(killed, 'checkpoint', `${String(ITER).padStart(6, '0')}.safetensors`))).toBe(false);

    // What a kill in the middle of an atomic write leaves: a temp file of the dead writer. The resume clears it.
    const stale = join(killed, 'checkpoint', `.${String(savedAt + SAVE_EVERY).padStart(6, '0')}.safetensors.${child.pid}.0123456789ab.tmp`);
    writeFileSync(stale, 'half a checkpoint');

    const resumed = stylegpu([...args(killed), '--resume']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`adapt nada: ${ITER} steps`));
    // The resumed process took only the remaining steps (its progress counts on from the saved step).
    expect(resumed.stderr).toMatch(new RegExp(`^nada: ${savedAt + 1}/${ITER}$`, 'm'));
    expect(resumed.stderr).not.toMatch(new RegExp(`^nada: ${savedAt}/${ITER}$`, 'm'));

    expect(existsSync(stale)).toBe(false);

    const last = `${String(ITER).padStart(6, '0')}.safetensors`;
    expectBitwiseEqual(join(straight, 'checkpoint', last), join(killed, 'checkpoint', last));
    expectBitwiseEqual(stateFile(straight), stateFile(killed));
    const meta = (dir: string) => readSafetensors(readFileSync(stateFile(dir))).metadata!;
    expect(meta(killed).adamSteps).toBe(meta(straight).adamSteps);
    expect(meta(killed).step).toBe(String(ITER));
  });

  it('refuses to resume a run with other settings (another --seed), before opening the GPU, touching nothing', (ctx) => {
    if (!straight) ctx.skip();
    const before = listTree(straight);
    const bytes = readFileSync(stateFile(straight));
    const other = args(straight).map((a) => (a === '7' ? '8' : a));
    const r = stylegpu([...other, '--iter', String(ITER + 2), '--resume'], { env: NO_GPU_ENV });
    expect(r.status).toBe(1);
    expect(stderrLines(r)).toEqual([
      `stylegpu: adapt nada --resume ${stateFile(straight)}: saved by a run with --seed 7, this one has 8; resume with the same settings, or use another --output-dir`,
    ]);
    expect(listTree(straight)).toEqual(before);
    expect(readFileSync(stateFile(straight)).equals(bytes)).toBe(true);
  });

  it('an image-guided run resumed after 2 of 4 steps ends bitwise equal too (the image direction comes from the initial weights)', () => {
    const root = mkdtempSync(join(tmpdir(), 'nada-img-resume-'));
    const style = join(root, 'style');
    mkdirSync(style);
    for (let i = 0; i < 2; i++) {
      const data = Uint8Array.from({ length: 24 * 24 * 3 }, (_, k) => (k * (5 + i) + 17 * i) % 256);
      writeFileSync(join(style, `s${i}.png`), encodePng({ width: 24, height: 24, channels: 3, data }));
    }
    const imageArgs = (out: string, iter: number) => [
      'adapt', 'nada', '--frozen-gen-ckpt', FIXTURES.generator, '--source-class', 'photo', '--style-img-dir', style,
      '--clip-models', FIXTURES.clip, '--clip-vocab', FIXTURES.vocab, '--iter', String(iter), '--batch', '2', '--lr', '0.05',
      '--seed', '11', '--output-interval', '0', '--output-dir', out,
    ];
    const a = join(root, 'straight');
    const b = join(root, 'resumed');
    for (const [out, iter, more] of [[a, 4, []], [b, 2, []], [b, 4, ['--resume']]] as const) {
      const r = stylegpu([...imageArgs(out, iter), ...more]);
      expect(r.status, r.stderr).toBe(0);
    }
    expectBitwiseEqual(join(a, 'checkpoint', '000004.safetensors'), join(b, 'checkpoint', '000004.safetensors'));
  });
});
