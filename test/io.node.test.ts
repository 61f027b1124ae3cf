// File-system paths exist only under Node and Deno.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as wg from '../src/index.ts';
import { io } from '../src/index.ts';

describe('safetensors files (node)', () => {
  it('save(path) writes the bytes saveSafetensors makes, and load(path) reads them back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'webgrad-io-'));
    try {
      const dict = { w: wg.tensor([[1, 2], [3, 4]]), b: wg.tensor([true, false]) };
      const path = join(dir, 'model.safetensors');
      await io.save(path, dict, { step: '10' });
      const onDisk = new Uint8Array(await readFile(path));
      expect(Array.from(onDisk)).toEqual(Array.from(await io.saveSafetensors(dict, { step: '10' })));
      const back = await io.load(path);
      expect(await back.w!.toArray()).toEqual([[1, 2], [3, 4]]);
      expect(await back.b!.toArray()).toEqual([true, false]);
      [...Object.values(dict), ...Object.values(back)].forEach((t) => t.dispose());
      await expect(io.load(join(dir, 'nope.safetensors'))).rejects.toThrow(/load: could not read .*nope.safetensors/);
      const one = wg.tensor([1]);
      await expect(io.save(join(dir, 'no', 'such', 'dir.safetensors'), { one })).rejects.toThrow(/save: could not write/);
      one.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
