/**
 * The domain controls: a morph slider from the loaded generator (α = 0) towards a domain generator
 * (α = 1: a picked NADA model, or the page's own text adaptation), and one power slider per
 * StyleDomain direction file (StyleSpace offsets; several stack, which is how they mix).
 */
export class DomainPanel {
  private powers: number[] = [];

  constructor(
    private readonly morph: HTMLInputElement,
    private readonly morphValue: HTMLOutputElement,
    private readonly domainInfo: HTMLElement,
    private readonly directionList: HTMLElement,
    private readonly save: HTMLButtonElement,
    private readonly onChange: () => void,
  ) {
    morph.addEventListener('input', () => {
      morphValue.textContent = Number(morph.value).toFixed(2);
      onChange();
    });
  }

  /** A domain generator is there: the slider works, set to `alpha`. */
  setDomain(label: string, alpha: number): void {
    this.domainInfo.textContent = `Morph target: ${label}`;
    this.morph.disabled = false;
    this.save.disabled = false;
    this.setMorph(alpha);
  }

  setDirections(labels: string[]): void {
    const kept = this.powers;
    // A newly added direction starts applied at power 1.
    this.powers = labels.map((_, i) => kept[i] ?? 1);
    this.directionList.replaceChildren(
      ...labels.map((label, i) => {
        const row = document.createElement('label');
        row.className = 'slider';
        const name = document.createElement('span');
        name.textContent = label;
        name.title = label;
        const input = document.createElement('input');
        Object.assign(input, { type: 'range', min: '-2', max: '2', step: '0.05', value: String(this.powers[i]) });
        input.dataset.index = String(i);
        const value = document.createElement('output');
        value.textContent = this.powers[i].toFixed(2);
        input.addEventListener('input', () => {
          this.powers[i] = Number(input.value);
          value.textContent = this.powers[i].toFixed(2);
          this.onChange();
        });
        row.append(name, input, value);
        return row;
      }),
    );
  }

  current(): { morph: number; styleDirections: number[] } {
    return { morph: this.morph.disabled ? 0 : Number(this.morph.value), styleDirections: [...this.powers] };
  }

  /** Every slider back to no edit: α = 0, direction powers 0 (the directions stay loaded). */
  reset(): void {
    this.setMorph(0);
    this.powers = this.powers.map(() => 0);
    for (const input of this.directionList.querySelectorAll<HTMLInputElement>('input[type=range]')) {
      input.value = '0';
      input.nextElementSibling!.textContent = '0.00';
    }
  }

  /** A new generator: no domain, no directions. */
  clear(): void {
    this.domainInfo.textContent = 'No morph target: adapt above, or open a NADA model of this generator.';
    this.morph.disabled = true;
    this.save.disabled = true;
    this.setMorph(0);
    this.powers = [];
    this.directionList.replaceChildren();
  }

  private setMorph(alpha: number): void {
    this.morph.value = String(alpha);
    this.morphValue.textContent = alpha.toFixed(2);
  }
}
