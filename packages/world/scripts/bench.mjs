// Rendering throughput on the CPU (single thread): `npm run build && npm run bench`. Not a test: timings vary.
import { loadWorld } from '../dist/index.js';

const batchSize = 64;
for (const name of ['world:shapes', 'world:faces']) {
  for (const resolution of [32, 64, 128]) {
    const world = loadWorld(name, { resolution });
    const stream = world.batches({ batchSize, seed: 1 });
    for (let i = 0; i < 3; i++) stream.next(); // warm up the JIT
    let images = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 1500) {
      stream.next();
      images += batchSize;
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`${name} ${resolution}px: ${(images / seconds).toFixed(0)} images/s (batches of ${batchSize}, with factors and captions)`);
  }
}
