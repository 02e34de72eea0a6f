import { describe, expect, it } from 'vitest';
import type { GeneratorConfig } from '@stylegpu/stylegan';
import { type ParamFilter, nadaTrainingFilter, parseParamName, styleDomainTrainingFilter } from '../src/index.js';
import { generatorConfig, parameterNames } from './layout.js';

const SMALL = generatorConfig(16, 2, 1 / 64);
const CONFIG_F_1024 = generatorConfig(1024);
const names = (c: GeneratorConfig) => parameterNames(c);
const chosen = (c: GeneratorConfig, f: ParamFilter) => names(c).filter(f).sort();

const CONV = ['weight', 'bias', 'affine.weight', 'affine.bias', 'noise_strength'];
const RGB = ['weight', 'bias', 'affine.weight', 'affine.bias'];
const conv = (prefix: string) => CONV.map((f) => `synthesis.${prefix}.${f}`);
const rgb = (prefix: string) => RGB.map((f) => `synthesis.${prefix}.${f}`);
const sorted = (xs: string[]) => [...xs].sort();

describe('NADA phases on a 16-px layout', () => {
  const base = ['synthesis.b4.const', ...conv('b4.conv1')];
  const mapping = ['mapping.fc0.weight', 'mapping.fc0.bias', 'mapping.fc1.weight', 'mapping.fc1.bias'];
  it('the names come from the generator layout', () => {
    expect(names(SMALL)).toContain('synthesis.b16.conv1.noise_const');
    expect(names(SMALL)).toContain('mapping.w_avg');
    expect(names(SMALL)).toContain('synthesis.b8.conv0.resample_filter');
  });
  it('default (paper layers): const, conv1 and every conv with its affine and noise strength; no mapping, no ToRGB, no buffers', () => {
    expect(chosen(SMALL, nadaTrainingFilter())).toEqual(sorted([...base, ...conv('b8.conv0'), ...conv('b8.conv1'), ...conv('b16.conv0'), ...conv('b16.conv1')]));
    expect(chosen(SMALL, nadaTrainingFilter(null))).toEqual(chosen(SMALL, nadaTrainingFilter('default')));
  });
  it('texture = convs[2:10], shape = convs[0:2], shape_expanded = convs[0:3], no_fine = convs[:10], each with const and conv1', () => {
    expect(chosen(SMALL, nadaTrainingFilter('texture'))).toEqual(sorted([...base, ...conv('b16.conv0'), ...conv('b16.conv1')]));
    expect(chosen(SMALL, nadaTrainingFilter('shape'))).toEqual(sorted([...base, ...conv('b8.conv0'), ...conv('b8.conv1')]));
    expect(chosen(SMALL, nadaTrainingFilter('shape_expanded'))).toEqual(sorted([...base, ...conv('b8.conv0'), ...conv('b8.conv1'), ...conv('b16.conv0')]));
    expect(chosen(SMALL, nadaTrainingFilter('no_fine'))).toEqual(chosen(SMALL, nadaTrainingFilter('default')));
  });
  it('all: every parameter incl. mapping and ToRGB, but not w_avg or noise_const buffers', () => {
    const all = [...mapping, ...base, ...rgb('b4.torgb'), ...['b8', 'b16'].flatMap((b) => [...conv(`${b}.conv0`), ...conv(`${b}.conv1`), ...rgb(`${b}.torgb`)])];
    expect(chosen(SMALL, nadaTrainingFilter('all'))).toEqual(sorted(all));
  });
  it('rejects an unknown phase', () => {
    expect(() => nadaTrainingFilter('fine' as never)).toThrow(/nadaTrainingFilter: unknown phase 'fine'; expected one of default, texture/);
  });
});

describe('NADA phases on a 1024-px layout', () => {
  const c = CONFIG_F_1024;
  const base = ['synthesis.b4.const', ...conv('b4.conv1')];
  const convsOf = (...res: number[]) => res.flatMap((r) => [...conv(`b${r}.conv0`), ...conv(`b${r}.conv1`)]);
  it('default: const + conv1 + 16 convs; texture: b16…b128; shape: b8; shape_expanded: b8 + b16.conv0; no_fine: b8…b128', () => {
    expect(chosen(c, nadaTrainingFilter())).toEqual(sorted([...base, ...convsOf(8, 16, 32, 64, 128, 256, 512, 1024)]));
    expect(chosen(c, nadaTrainingFilter()).length).toBe(1 + 5 * 17);
    expect(chosen(c, nadaTrainingFilter('texture'))).toEqual(sorted([...base, ...convsOf(16, 32, 64, 128)]));
    expect(chosen(c, nadaTrainingFilter('shape'))).toEqual(sorted([...base, ...convsOf(8)]));
    expect(chosen(c, nadaTrainingFilter('shape_expanded'))).toEqual(sorted([...base, ...convsOf(8), ...conv('b16.conv0')]));
    expect(chosen(c, nadaTrainingFilter('no_fine'))).toEqual(sorted([...base, ...convsOf(8, 16, 32, 64, 128)]));
  });
  it('all: 16 mapping tensors + const + 17 convs × 5 + 9 ToRGB × 4', () => {
    expect(chosen(c, nadaTrainingFilter('all')).length).toBe(16 + 1 + 17 * 5 + 9 * 4);
    expect(chosen(c, nadaTrainingFilter('all')).some((n) => n.endsWith('noise_const') || n === 'mapping.w_avg')).toBe(false);
  });
  it('maps rosinality conv indices as methods.md §D.1', () => {
    expect(parseParamName('synthesis.b8.conv0.weight').convIndex).toBe(0);
    expect(parseParamName('synthesis.b16.conv1.affine.bias').convIndex).toBe(3);
    expect(parseParamName('synthesis.b1024.conv1.bias').convIndex).toBe(15);
    expect(parseParamName('synthesis.b4.conv1.weight').convIndex).toBe(-1);
    expect(parseParamName('synthesis.b8.resample_filter').trainable).toBe(false);
    expect(parseParamName('synthesis.b4.conv0.weight').trainable).toBe(false);
  });
});

describe('StyleDomain name-based parameterisations', () => {
  const c = SMALL;
  const layers = ['b4.conv1', 'b8.conv0', 'b8.conv1', 'b16.conv0', 'b16.conv1'];
  const torgbs = ['b4.torgb', 'b8.torgb', 'b16.torgb'];
  const aff = (p: string) => [`synthesis.${p}.affine.weight`, `synthesis.${p}.affine.bias`];
  it('affine: conv affines only; affine_all: plus ToRGB affines; affine_to_rgb: conv affines + whole ToRGBs; conv_kernel: conv weights', () => {
    expect(chosen(c, styleDomainTrainingFilter('affine'))).toEqual(sorted(layers.flatMap(aff)));
    expect(chosen(c, styleDomainTrainingFilter('affine_all'))).toEqual(sorted([...layers, ...torgbs].flatMap(aff)));
    expect(chosen(c, styleDomainTrainingFilter('affine_to_rgb'))).toEqual(sorted([...layers.flatMap(aff), ...torgbs.flatMap(rgb)]));
    expect(chosen(c, styleDomainTrainingFilter('conv_kernel'))).toEqual(sorted(layers.map((l) => `synthesis.${l}.weight`)));
  });
  it('all, synthesis and mapping', () => {
    expect(chosen(c, styleDomainTrainingFilter('all'))).toEqual(chosen(c, nadaTrainingFilter('all')));
    expect(chosen(c, styleDomainTrainingFilter('mapping'))).toEqual(sorted(['mapping.fc0.weight', 'mapping.fc0.bias', 'mapping.fc1.weight', 'mapping.fc1.bias']));
    expect(chosen(c, styleDomainTrainingFilter('synthesis'))).toEqual(chosen(c, nadaTrainingFilter('all')).filter((n) => n.startsWith('synthesis.')));
    expect(chosen(c, styleDomainTrainingFilter('synthesis')).length).toBe(1 + 5 * 5 + 3 * 4);
  });
  it('rejects an unknown phase', () => {
    expect(() => styleDomainTrainingFilter('s_delta' as never)).toThrow(/styleDomainTrainingFilter: unknown phase 's_delta'/);
  });
});
