/**
 * The discriminator as a sensor: the activations after D's fromrgb layer and after each of its
 * residual blocks ([N, C_r, r, r] from the image resolution down to 8), which the navigator fork
 * offers as an alternative to LPIPS backbones. D is frozen; gradients flow to the images only.
 */
import { add, type Tensor } from '@stylegpu/kernels';
import type { Discriminator } from '@stylegpu/stylegan';
import type { FeatureSensor } from './feature-sensor.js';

type ConvOptions = { act: 'lrelu' | 'linear'; down?: boolean; gain?: number; bias?: boolean; clamp?: boolean };
type DiscriminatorConv = (name: string, x: Tensor, opts: ConvOptions) => Tensor;

const SQRT_HALF = Math.SQRT1_2;

export interface DiscriminatorSensorOptions {
  /** Which maps: 0 = after fromrgb, i = after the i-th block (from the top resolution). Default: all. */
  layers?: readonly number[];
}

export function discriminatorSensor(D: Discriminator, opts: DiscriminatorSensorOptions = {}): FeatureSensor {
  const R = D.config.imgResolution;
  const count = D.blockResolutions.length + 1;
  const layers = opts.layers ?? [...Array(count).keys()];
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= count) throw new Error(`discriminatorSensor: layer ${l} is not one of D's ${count} feature maps (0 = fromrgb, 1..${count - 1} = blocks)`);
  }
  // D's own conv layer (equalised lr, resampling, clamp): reached by name, as the block loop in
  // Discriminator.forward uses it; the sensor repeats only that loop.
  const conv = (D as unknown as { conv: DiscriminatorConv }).conv.bind(D);
  return {
    name: `discriminator[${layers.join(',')}]`,
    features(img) {
      if (img.rank !== 4 || img.shape[1] !== D.config.imgChannels || img.shape[2] !== R || img.shape[3] !== R) {
        throw new Error(`discriminatorSensor: images must be [N, ${D.config.imgChannels}, ${R}, ${R}], got [${img.shape.join(', ')}]`);
      }
      const out: Tensor[] = [];
      let x = conv(`b${R}.fromrgb`, img, { act: 'lrelu' });
      if (layers.includes(0)) out.push(x);
      D.blockResolutions.forEach((res, i) => {
        const p = `b${res}`;
        const y = conv(`${p}.skip`, x, { act: 'linear', down: true, gain: SQRT_HALF, bias: false, clamp: false });
        x = conv(`${p}.conv0`, x, { act: 'lrelu' });
        x = conv(`${p}.conv1`, x, { act: 'lrelu', down: true, gain: SQRT_HALF });
        x = add(y, x);
        if (layers.includes(i + 1)) out.push(x);
      });
      return out;
    },
  };
}
