/** One slider per discovered direction, in σ units of w along it; a set per method. */
import type { DirectionMethod, DirectionsInfo } from '../protocol.js';

export const SLIDER_RANGE = 5;

export class DirectionSliders {
  private readonly values = new Map<DirectionMethod, number[]>();

  constructor(
    private readonly container: HTMLElement,
    private readonly onChange: () => void,
  ) {}

  /** Adds (or replaces) the sliders of one method's directions, all at 0. */
  show(info: DirectionsInfo): void {
    this.values.set(info.method, info.names.map(() => 0));
    this.container.querySelector(`[data-method="${info.method}"]`)?.remove();
    const group = document.createElement('div');
    group.dataset.method = info.method;
    const title = document.createElement('h3');
    title.textContent = info.method === 'sefa' ? 'SeFa (eigenvalue)' : 'GANSpace (explained variance)';
    group.append(title);
    info.names.forEach((name, k) => {
      const row = document.createElement('label');
      row.className = 'slider';
      const input = document.createElement('input');
      Object.assign(input, { type: 'range', min: String(-SLIDER_RANGE), max: String(SLIDER_RANGE), step: '0.1', value: '0' });
      input.dataset.index = String(k);
      const score = info.scores[k];
      const text = document.createElement('span');
      text.textContent = score === undefined ? name : `${name} (${score < 1 ? score.toFixed(3) : score.toFixed(1)})`;
      const value = document.createElement('output');
      value.textContent = '0';
      input.addEventListener('input', () => {
        this.values.get(info.method)![k] = Number(input.value);
        value.textContent = Number(input.value).toFixed(1);
        this.onChange();
      });
      row.append(text, input, value);
      group.append(row);
    });
    this.container.append(group);
  }

  current(): Partial<Record<DirectionMethod, number[]>> {
    return Object.fromEntries([...this.values].map(([m, v]) => [m, [...v]]));
  }

  reset(): void {
    for (const v of this.values.values()) v.fill(0);
    for (const input of this.container.querySelectorAll<HTMLInputElement>('input[type=range]')) {
      input.value = '0';
      input.nextElementSibling!.textContent = '0';
    }
  }

  clear(): void {
    this.values.clear();
    this.container.replaceChildren();
  }
}
