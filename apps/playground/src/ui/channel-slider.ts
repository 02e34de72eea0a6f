/** The StyleSpace channel control: a layer, a channel of it, and a Δ in that channel's σ. */
import type { ChannelEdit, LayerInfo } from '../protocol.js';

export class ChannelSlider {
  private layers: LayerInfo[] = [];

  constructor(
    private readonly layer: HTMLSelectElement,
    private readonly index: HTMLInputElement,
    private readonly delta: HTMLInputElement,
    private readonly value: HTMLOutputElement,
    onChange: () => void,
  ) {
    delta.addEventListener('input', () => {
      value.textContent = Number(delta.value).toFixed(1);
      onChange();
    });
    layer.addEventListener('change', () => {
      this.clampIndex();
      if (Number(delta.value) !== 0) onChange();
    });
    index.addEventListener('change', () => {
      this.clampIndex();
      if (Number(delta.value) !== 0) onChange();
    });
  }

  setLayers(layers: LayerInfo[]): void {
    this.layers = layers;
    this.layer.replaceChildren(
      ...layers.map((l) => {
        const option = document.createElement('option');
        option.value = l.name;
        option.textContent = `${l.name} (${l.channels} channels)`;
        return option;
      }),
    );
    this.reset();
  }

  current(): ChannelEdit | null {
    const delta = Number(this.delta.value);
    if (delta === 0 || !this.layer.value) return null;
    return { layer: this.layer.value, channel: Number(this.index.value), delta };
  }

  reset(): void {
    this.delta.value = '0';
    this.value.textContent = '0';
    this.clampIndex();
  }

  private clampIndex(): void {
    const l = this.layers.find((x) => x.name === this.layer.value);
    if (!l) return;
    this.index.max = String(l.channels - 1);
    const i = Math.round(Number(this.index.value));
    this.index.value = String(Number.isFinite(i) ? Math.min(Math.max(i, 0), l.channels - 1) : 0);
  }
}
