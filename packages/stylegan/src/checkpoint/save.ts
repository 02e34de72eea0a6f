/**
 * Writers: stylegpu's own format, and rosinality's `.pt` for tools that expect it (NADA, StyleDomain, JoJoGAN…).
 *
 * stylegpu format: safetensors; generator tensors as `G_ema.<internal name>`, discriminator tensors as
 * `D.<internal name>`, and `__metadata__` = { format: 'stylegpu-stylegan2', config: <StyleGanConfig JSON> }.
 * rosinality export: a zip-format `torch.save({'g_ema': OrderedDict, 'latent_avg': [w_dim], 'd': OrderedDict})`
 * with rosinality's names and shapes (rosinality.ts), which `torch.load` + rosinality's
 * `Generator.load_state_dict(ckpt['g_ema'])` read (checked with torch 1.13, fixtures/check_rosinality_export.py).
 */

import {
  PyOrderedDict,
  hostTensor,
  writeSafetensors,
  writeTorchCheckpoint,
  type HostTensor,
  type TorchSaveValue,
} from '@stylegpu/io';
import { discriminatorShapes, generatorShapes, sameShape, shapeText } from './config.js';
import { STYLEGPU_FORMAT, type StyleGanCheckpoint } from './load.js';
import { discriminatorNameMapping, generatorNameMapping } from './rosinality.js';

export function saveStyleGanCheckpoint(ckpt: StyleGanCheckpoint): Uint8Array {
  const { config } = ckpt;
  check('saveStyleGanCheckpoint', 'generator', generatorShapes(config.generator, { withWAvg: ckpt.generator.has('mapping.w_avg') }), ckpt.generator);
  const tensors = new Map<string, HostTensor>();
  for (const [k, t] of ckpt.generator) tensors.set(`G_ema.${k}`, t);
  if (ckpt.discriminator) {
    if (!config.discriminator) throw new Error('saveStyleGanCheckpoint: discriminator tensors given without a discriminator config');
    check('saveStyleGanCheckpoint', 'discriminator', discriminatorShapes(config.discriminator), ckpt.discriminator);
    for (const [k, t] of ckpt.discriminator) tensors.set(`D.${k}`, t);
  }
  const stored = ckpt.discriminator ? config : { ...config, discriminator: undefined };
  return writeSafetensors(tensors, { format: STYLEGPU_FORMAT, config: JSON.stringify(stored) });
}

export function exportRosinality(ckpt: StyleGanCheckpoint): Uint8Array {
  const g = ckpt.config.generator;
  const who = 'exportRosinality';
  // A conv clamp is dropped silently: rosinality has none (outputs agree while activations stay below it).
  const gShapes = generatorShapes(g, { withWAvg: ckpt.generator.has('mapping.w_avg') });
  check(who, 'generator', gShapes, ckpt.generator);
  const root = new Map<string, TorchSaveValue>();
  root.set('g_ema', toRosinality(generatorNameMapping(g, gShapes).pairs, ckpt.generator));
  const wAvg = ckpt.generator.get('mapping.w_avg');
  if (wAvg) root.set('latent_avg', wAvg);
  if (ckpt.discriminator && ckpt.config.discriminator) {
    const dShapes = discriminatorShapes(ckpt.config.discriminator);
    check(who, 'discriminator', dShapes, ckpt.discriminator);
    root.set('d', toRosinality(discriminatorNameMapping(ckpt.config.discriminator, dShapes).pairs, ckpt.discriminator));
  }
  return writeTorchCheckpoint(root);
}

function toRosinality(
  pairs: ReturnType<typeof generatorNameMapping>['pairs'],
  tensors: Map<string, HostTensor>,
): PyOrderedDict {
  const out = new PyOrderedDict();
  for (const p of pairs) {
    const src = tensors.get(p.internal)!;
    const data = Float32Array.from(src.data as Float32Array, (v) => v * p.scale);
    out.set(p.rosinality, hostTensor('f32', [...p.rosinalityShape], data));
  }
  return out;
}

function check(who: string, what: string, expected: Map<string, number[]>, tensors: Map<string, HostTensor>): void {
  for (const name of expected.keys()) if (!tensors.has(name)) throw new Error(`${who}: ${what} is missing key '${name}'`);
  for (const [name, t] of tensors) {
    const shape = expected.get(name);
    if (!shape) throw new Error(`${who}: ${what} has an unexpected key '${name}'`);
    if (!sameShape(shape, t.shape)) throw new Error(`${who}: ${what} key '${name}' has shape ${shapeText(t.shape)}, expected ${shapeText(shape)}`);
    if (t.dtype !== 'f32') throw new Error(`${who}: ${what} key '${name}' is ${t.dtype}; expected f32 (as the loader returns)`);
  }
}
