import { describe, expect, it } from 'vitest';
import { clipScoreGap, hueSummary, spreadAlong, strongestFactors } from './measures.mjs';

describe('clipScoreGap', () => {
  it('is the mean of cos(image, target) − cos(image, source), whatever the feature norms', () => {
    // Image 0 lies on the target (cos 1) and is orthogonal to the source (cos 0): +1.
    // Image 1 is the x axis: cos to the target 3/5, to the source 4/5: −0.2.
    const target = [3, 4];
    const source = [4, -3];
    const images = [6, 8, 1, 0];
    expect(clipScoreGap(images, target, source, 2)).toBeCloseTo((1 + (0.6 - 0.8)) / 2, 12);
    expect(clipScoreGap(images.map((x) => 10 * x), target.map((x) => 0.1 * x), source, 2)).toBeCloseTo(0.4, 12);
    expect(clipScoreGap(images, source, target, 2)).toBeCloseTo(-0.4, 12);
  });

  it('refuses rows of the wrong width and zero features', () => {
    expect(() => clipScoreGap([1, 2, 3], [1, 0], [0, 1], 2)).toThrow(/3 values are not rows of 2/);
    expect(() => clipScoreGap([0, 0], [1, 0], [0, 1], 2)).toThrow(/row 0 has norm 0/);
  });
});

describe('hueSummary', () => {
  it('takes the circular mean (0.98 and 0.02 average to red, not cyan) and counts colour names', () => {
    const a = hueSummary([0.98, 0.02], ['red', 'blue']);
    expect(Math.min(a.meanHue, 1 - a.meanHue)).toBeLessThan(1e-12);
    expect(a.share).toEqual({ red: 1, blue: 0 });
    const b = hueSummary([0.6, 0.7, 0.62, 0.05], ['blue', 'purple', 'red']);
    // 216°, 252°, 223.2° and 18°: blue, purple, blue, orange.
    expect(b.share).toEqual({ blue: 0.5, purple: 0.25, red: 0 });
    const angle = Math.atan2(
      [0.6, 0.7, 0.62, 0.05].reduce((s, h) => s + Math.sin(2 * Math.PI * h), 0),
      [0.6, 0.7, 0.62, 0.05].reduce((s, h) => s + Math.cos(2 * Math.PI * h), 0),
    );
    expect(b.meanHue).toBeCloseTo(angle / (2 * Math.PI) + 1, 12);
    expect(b.meanHue).toBeGreaterThan(0.5);
  });

  it('refuses an empty list', () => {
    expect(() => hueSummary([], ['red'])).toThrow(/no hues/);
  });
});

describe('spreadAlong', () => {
  it('is the sample standard deviation of the projections of w on each direction', () => {
    const w = [1, 0, 3, 0, 5, 0];
    expect(spreadAlong(w, [1, 0, 0, 1, 0.6, 0.8], 2).map((x) => +x.toFixed(12))).toEqual([2, 0, 1.2]);
  });

  it('refuses fewer than two samples', () => {
    expect(() => spreadAlong([1, 2], [1, 0], 2)).toThrow(/at least 2 w rows/);
  });
});

describe('strongestFactors', () => {
  it('names the largest effect of each direction and the runner-up', () => {
    const r = strongestFactors([0.1, 0.5, 0.3, 0.9, 0.2, 0], 2, 3, ['hue', 'x', 'size']);
    expect(r).toEqual([
      { top: { factor: 'x', effect: 0.5 }, next: { factor: 'size', effect: 0.3 } },
      { top: { factor: 'hue', effect: 0.9 }, next: { factor: 'x', effect: 0.2 } },
    ]);
    expect(strongestFactors([0.4], 1, 1, ['hue'])).toEqual([{ top: { factor: 'hue', effect: 0.4 }, next: null }]);
    expect(() => strongestFactors([1, 2, 3], 2, 2, ['a', 'b'])).toThrow(/3 effects and 2 names for 2×2/);
  });
});
