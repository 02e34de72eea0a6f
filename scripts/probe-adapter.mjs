// Exit 0 if Dawn (the `webgpu` package) finds an adapter, 1 if not. Used by setup-webgpu.sh.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'webgpu';

process.env.XDG_RUNTIME_DIR ||= mkdtempSync(join(tmpdir(), 'stylegpu-xdg-'));
const adapter = await create([]).requestAdapter();
process.exit(adapter ? 0 : 1);
