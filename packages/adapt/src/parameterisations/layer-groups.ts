/**
 * StyleDomain's coarse / medium / fine split (`BaseParametrization(no_coarse, no_medium, no_fine)`):
 * over the modulated-conv heads conv_0 … conv_{N−1} (conv_0 = b4.conv1, conv_{i+1} = rosinality
 * convs[i]) the groups are heads 0–5, 6–10 and 11 onwards. At 1024 px (17 heads) that is 6 / 5 / 6;
 * a 256-px generator (13 heads) has 6 / 5 / 2, a 16-px one only coarse heads.
 *
 * For generator weights a ToRGB layer goes with its block's last conv, the const with conv_0.
 */
import { parseParamName } from '../phases.js';

export const LAYER_GROUPS = ['coarse', 'medium', 'fine'] as const;
export type LayerGroup = (typeof LAYER_GROUPS)[number];

export function headGroup(head: number): LayerGroup {
  return head <= 5 ? 'coarse' : head <= 10 ? 'medium' : 'fine';
}

/** The head index of a synthesis layer name `b{res}.{conv0|conv1|torgb}`. */
export function headOfLayer(layer: string): number {
  const m = /^b(\d+)\.(conv0|conv1|torgb)$/.exec(layer);
  if (!m) throw new Error(`layer groups: '${layer}' is not a synthesis layer name b{res}.{conv0|conv1|torgb}`);
  const res = Number(m[1]);
  if (res === 4) return 0;
  const base = 2 * (Math.log2(res) - 3) + 1;
  return m[2] === 'conv0' ? base : base + 1;
}

export function checkGroups(groups: readonly string[], op: string): LayerGroup[] {
  if (!groups.length) throw new Error(`${op}: the layer groups are empty; give some of ${LAYER_GROUPS.join(', ')}`);
  for (const g of groups) {
    if (!(LAYER_GROUPS as readonly string[]).includes(g)) throw new Error(`${op}: unknown layer group '${g}'; expected ${LAYER_GROUPS.join(', ')}`);
  }
  return groups as LayerGroup[];
}

/** Whether a generator parameter (NVIDIA name) belongs to one of `groups`; mapping parameters belong to none. */
export function paramInGroups(name: string, groups: readonly LayerGroup[]): boolean {
  const n = parseParamName(name);
  if (n.part === 'const') return groups.includes('coarse');
  if (n.part !== 'layer') return false;
  const layer = `b${n.res}.${n.kind}`;
  const head = n.kind === 'torgb' ? headOfLayer(n.res === 4 ? 'b4.conv1' : `b${n.res}.conv1`) : headOfLayer(layer);
  return groups.includes(headGroup(head));
}
