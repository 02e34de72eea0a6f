/** A progress bar on stderr for long loops (hidden when stderr is not a terminal, e.g. in CI logs). */
import cliProgress from 'cli-progress';

export interface Progress {
  tick(info?: Record<string, string | number>): void;
  stop(): void;
}

/** `start`: steps already done (a resumed run). */
export function progress(label: string, total: number, start = 0): Progress {
  if (!process.stderr.isTTY) {
    let done = start;
    return {
      tick: () => {
        done++;
        if (done === total || done % Math.max(1, Math.floor(total / 10)) === 0) process.stderr.write(`${label}: ${done}/${total}\n`);
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} {eta_formatted} left {info}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, start, { info: '' });
  return {
    tick: (info) =>
      bar.increment(1, {
        info: info ? Object.entries(info).map(([k, v]) => `${k} ${v}`).join(' ') : '',
      }),
    stop: () => bar.stop(),
  };
}
