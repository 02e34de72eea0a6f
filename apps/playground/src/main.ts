/**
 * The playground page: controls on the left, the grid on the right, every GPU step in the engine
 * worker. Query parameters preset the fields: `?model=embedded:shapes32|<url>&seeds=0-7&psi=0.7`.
 */
import { EngineClient } from './engine-client.js';
import { RenderScheduler } from './render-scheduler.js';
import { parseSeedList, parseTruncation } from './seed-list.js';
import { webGpuProblem } from './webgpu-support.js';
import { drawGrid, drawImage } from './ui/grid-view.js';
import { DirectionSliders } from './ui/direction-sliders.js';
import { ChannelSlider } from './ui/channel-slider.js';
import { DomainPanel } from './ui/domain-panel.js';
import { SHAPE_NAMES } from '@stylegpu/world';
import { pickClipFiles } from './clip-files.js';
import type { DirectionMethod, ModelInfo, RenderedImages } from './protocol.js';
import type { AdaptResult } from './text-adaptation.js';
import type { InvertResult } from './image-inversion.js';
import { DEFAULT_CLIP, DEFAULT_MODEL } from './embedded-names.js';

/** The embedded CLIP learnt "a <colour> <shape>" captions: NADA's ImageNet templates use words it never saw. */
export const DEFAULT_TEMPLATES = SHAPE_NAMES.map((shape) => `a {} ${shape}`).join('; ');

/** What tests (and the curious, from the console) can read of the page. */
export interface PlaygroundHandle {
  renders: number;
  /** Captions of the grid's images. */
  labels: string[];
  last: RenderedImages | null;
  model: ModelInfo | null;
  adapt: AdaptResult | null;
  invert: InvertResult | null;
}

declare global {
  interface Window {
    stylegpuPlayground?: PlaygroundHandle;
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const handle: PlaygroundHandle = { renders: 0, labels: [], last: null, model: null, adapt: null, invert: null };
window.stylegpuPlayground = handle;

function setState(state: 'starting' | 'busy' | 'ready' | 'error' | 'no-webgpu'): void {
  document.body.dataset.state = state;
}

function showMessage(text: string | null): void {
  const el = $('message');
  el.textContent = text ?? '';
  el.hidden = text === null;
}

function status(text: string): void {
  $('status').textContent = text;
}

const modelButtons = ['generate', 'discover-sefa', 'discover-ganspace', 'adapt-run'].map((id) => $<HTMLButtonElement>(id));
const otherButtons = ['load-embedded', 'load-clip'].map((id) => $<HTMLButtonElement>(id));
const allButtons = [...modelButtons, ...otherButtons];
let adapter = '';

async function start(): Promise<void> {
  const missing = await webGpuProblem(navigator.gpu);
  if (missing) {
    setState('no-webgpu');
    status('WebGPU unavailable');
    showMessage(missing);
    return;
  }
  const engine = new EngineClient(new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' }));
  const live = () => scheduler.request().catch(shownAlready);
  const domains = new DomainPanel($('morph'), $('morph-value'), $('domain-info'), $('style-directions'), $('save-domain'), live);
  const sliders = new DirectionSliders($('sliders'), live);
  const channel = new ChannelSlider($('channel-layer'), $('channel-index'), $('channel-delta'), $('channel-value'), live);
  const scheduler = new RenderScheduler(
    () => engine.request({ kind: 'render', edits: { ...domains.current(), directions: sliders.current(), channel: channel.current() } }),
    (images) => {
      drawGrid($('grid'), handle.labels, images);
      handle.last = images;
      handle.renders++;
      $('render-info').textContent = `${images.count} image${images.count === 1 ? '' : 's'} of ${images.resolution} px in ${images.ms.toFixed(0)} ms (${adapter})`;
    },
    (e) => showMessage(e.message),
  );

  /** Runs one user action with the buttons disabled; its error becomes the page's message. */
  const action = async (what: () => Promise<void>) => {
    for (const b of allButtons) b.disabled = true;
    setState('busy');
    showMessage(null);
    try {
      await what();
      setState('ready');
    } catch (e) {
      showMessage((e as Error).message);
      setState('error');
    } finally {
      for (const b of otherButtons) b.disabled = false;
      for (const b of modelButtons) b.disabled = handle.model === null;
    }
  };

  const generate = async () => {
    const seeds = parseSeedList($<HTMLInputElement>('seeds').value);
    const psi = parseTruncation($<HTMLInputElement>('psi').value);
    await engine.request({ kind: 'latents', seeds, psi });
    handle.labels = seeds.map((s) => `seed ${s}`);
    await scheduler.request();
  };

  const load = async (source: string | ArrayBuffer, label: string) => {
    status(`Loading ${label}…`);
    try {
      const info = await engine.request({ kind: 'load', source, label }, undefined, typeof source === 'string' ? [] : [source]);
      handle.model = info;
      domains.clear();
      sliders.clear();
      $<HTMLButtonElement>('invert-edit').disabled = true;
      channel.setLayers(info.layers);
      $('model-info').textContent =
        `${info.label}: ${info.resolution} px, z ${info.zDim}, w ${info.wDim}, ${info.numWs} ws, ${(info.parameters / 1e6).toFixed(2)} M parameters`;
      status(`${info.label} on ${adapter}`);
    } catch (e) {
      status(handle.model ? `${handle.model.label} on ${adapter}` : `No generator loaded (${adapter})`);
      throw e;
    }
    await generate();
  };

  const discover = (method: DirectionMethod) =>
    action(async () => {
      const components = Number($<HTMLInputElement>('components').value);
      if (!Number.isInteger(components) || components < 1 || components > 20) throw new Error(`Directions: '${$<HTMLInputElement>('components').value}' is not an integer in 1–20`);
      sliders.show(await engine.request({ kind: 'discover', method, components }));
    });

  const loadClip = (choice: string | File[]) =>
    action(async () => {
      const source = typeof choice === 'string' ? choice : await pickClipFiles(choice);
      const name = typeof source === 'string' ? source : source.weightsName;
      $('clip-info').textContent = `Loading ${name}…`;
      try {
        const info = await engine.request({ kind: 'clip', source }, undefined, typeof source === 'string' ? [] : [source.weights, source.vocabulary]);
        $('clip-info').textContent = `${info.label}: ${info.words} words, ${info.imageSize} px images, ${info.embedDim}-d embeddings`;
      } catch (e) {
        $('clip-info').textContent = 'No CLIP loaded.';
        throw e;
      }
    });

  const adapt = () =>
    action(async () => {
      const number = (id: string) => Number($<HTMLInputElement>(id).value);
      const options = {
        source: $<HTMLInputElement>('adapt-source').value,
        target: $<HTMLInputElement>('adapt-target').value,
        templates: $<HTMLInputElement>('adapt-templates').value.split(';').map((t) => t.trim()).filter((t) => t !== ''),
        steps: number('adapt-steps'),
        batch: number('adapt-batch'),
        lr: number('adapt-lr'),
      };
      const bar = $<HTMLProgressElement>('adapt-progress');
      bar.max = Math.max(1, options.steps);
      bar.value = 0;
      $('adapt-step').textContent = 'preparing…';
      const r = await engine.request({ kind: 'adapt', options }, (done, total, note) => {
        bar.value = done;
        $('adapt-step').textContent = `step ${done}/${total}, ${note}`;
      });
      $('adapt-info').textContent =
        `"${options.source.trim()}" → "${options.target.trim()}": ${r.steps} steps in ${(r.ms / 1000).toFixed(1)} s, directional loss ${r.firstLoss.toFixed(4)} → ${r.lastLoss.toFixed(4)}; ` +
        `CLIP score cos(img, target) − cos(img, source) on the shown seeds ${signed(r.scoreBefore)} → ${signed(r.scoreAfter)}`;
      handle.adapt = r;
      domains.setDomain(`adapted in the page: "${options.source.trim()}" → "${options.target.trim()}"`, 1);
      await scheduler.request();
    });

  $('generate').addEventListener('click', () => void action(generate));
  $('adapt-run').addEventListener('click', () => void adapt());
  $('load-clip').addEventListener('click', () => void loadClip(DEFAULT_CLIP));
  $<HTMLInputElement>('clip-files').addEventListener('change', (event) => {
    const files = picked(event);
    if (files.length) void loadClip(files);
  });
  $<HTMLInputElement>('domain-file').addEventListener('change', (event) => {
    const [file] = picked(event);
    if (!file) return;
    void action(async () => {
      const buffer = await file.arrayBuffer();
      const info = await engine.request({ kind: 'domain', source: buffer, label: file.name }, undefined, [buffer]);
      domains.setDomain(info.label, 1);
      await scheduler.request();
    });
  });
  $<HTMLInputElement>('direction-files').addEventListener('change', (event) => {
    const files = picked(event);
    if (!files.length) return;
    void action(async () => {
      for (const file of files) {
        const buffer = await file.arrayBuffer();
        domains.setDirections((await engine.request({ kind: 'style-direction', source: buffer, label: file.name }, undefined, [buffer])).labels);
      }
      await scheduler.request();
    });
  });
  const invert = (file: File) =>
    action(async () => {
      const steps = Number($<HTMLInputElement>('invert-steps').value);
      const bar = $<HTMLProgressElement>('invert-progress');
      bar.max = Math.max(1, steps);
      bar.value = 0;
      $('invert-step').textContent = 'preparing…';
      const buffer = await file.arrayBuffer();
      const r = await engine.request({ kind: 'invert', source: buffer, label: file.name, steps }, (done, total, note) => {
        bar.value = done;
        $('invert-step').textContent = `step ${done}/${total}, ${note}`;
      }, [buffer]);
      drawImage($<HTMLCanvasElement>('invert-target'), r.target, r.channels, r.resolution);
      drawImage($<HTMLCanvasElement>('invert-result'), r.image, r.channels, r.resolution);
      $('invert-info').textContent =
        `${file.name}: ${r.steps} steps in ${(r.ms / 1000).toFixed(1)} s, MSE ${r.firstLoss.toFixed(4)} → ${r.lastLoss.toFixed(4)}, PSNR ${r.psnr.toFixed(2)} dB`;
      handle.invert = r;
      $<HTMLButtonElement>('invert-edit').disabled = false;
      $<HTMLButtonElement>('invert-edit').dataset.label = `projection of ${file.name}`;
    });
  $('invert-edit').addEventListener('click', () =>
    void action(async () => {
      await engine.request({ kind: 'use-projection' });
      handle.labels = [$<HTMLButtonElement>('invert-edit').dataset.label!];
      await scheduler.request();
    }));
  $<HTMLInputElement>('invert-file').addEventListener('change', (event) => {
    const [file] = picked(event);
    if (file) void invert(file);
  });
  const drop = $('invert-drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('dragging');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('dragging');
    const file = event.dataTransfer?.files[0];
    if (file) void invert(file);
  });
  $('save-domain').addEventListener('click', () =>
    void action(async () => {
      const { bytes } = await engine.request({ kind: 'export-domain' });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      link.download = 'stylegpu-nada.pt';
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    }));
  $('clear-directions').addEventListener('click', () =>
    void action(async () => {
      domains.setDirections((await engine.request({ kind: 'clear-style-directions' })).labels);
      if (handle.model) await scheduler.request();
    }));
  $('discover-sefa').addEventListener('click', () => void discover('sefa'));
  $('discover-ganspace').addEventListener('click', () => void discover('ganspace'));
  $('reset-sliders').addEventListener('click', () => {
    sliders.reset();
    channel.reset();
    domains.reset();
    if (handle.model) void live();
  });
  $('load-embedded').addEventListener('click', () => void action(() => load(DEFAULT_MODEL, DEFAULT_MODEL)));
  $<HTMLInputElement>('model-file').addEventListener('change', (event) => {
    const [file] = picked(event);
    if (file) void action(async () => load(await file.arrayBuffer(), file.name));
  });

  const params = new URLSearchParams(location.search);
  if (params.has('seeds')) $<HTMLInputElement>('seeds').value = params.get('seeds')!;
  if (params.has('psi')) $<HTMLInputElement>('psi').value = params.get('psi')!;
  $<HTMLInputElement>('adapt-templates').value = DEFAULT_TEMPLATES;
  await action(async () => {
    status('Opening WebGPU…');
    try {
      adapter = (await engine.request({ kind: 'open' })).adapter;
    } catch (e) {
      setState('no-webgpu');
      status('WebGPU unavailable');
      throw e;
    }
    const model = params.get('model') ?? DEFAULT_MODEL;
    if (model.startsWith('embedded:')) await load(model, model);
    else await load(await fetchModel(model), decodeURIComponent(model.split('/').pop() || model));
  });
  if (adapter === '') setState('no-webgpu');
}

/** The files of a file input's change, after which the input is cleared (so picking the same file again is a change). */
function picked(event: Event): File[] {
  const input = event.target as HTMLInputElement;
  const files = [...(input.files ?? [])];
  input.value = '';
  return files;
}

/** For live renders: their errors already went to the message line through the scheduler's onError. */
function shownAlready(): void {}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
}

async function fetchModel(url: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: fetching the generator failed with HTTP ${response.status}`);
  return response.arrayBuffer();
}

void start();
