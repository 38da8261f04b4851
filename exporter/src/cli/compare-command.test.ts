import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareCommand } from './compare-command.js';
import { UsageError } from '../util/usage-error.js';

describe('compare: bad input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kvcanary-compare-'));
    await writeFile(join(dir, 'garbage.json'), '{ not json');
    await writeFile(join(dir, 'wrong.json'), JSON.stringify({ version: 1, seed: 1, url: 'u', model: 'm', options: {}, documents: [], summary: {}, records: [] }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names a missing file', async () => {
    await expect(compareCommand([join(dir, 'missing.json'), join(dir, 'garbage.json')])).rejects.toThrow(/baseline '.*missing\.json': cannot read it \(no such file\)/);
  });

  it('names a file that is not JSON', async () => {
    await expect(compareCommand([join(dir, 'garbage.json'), join(dir, 'garbage.json')])).rejects.toThrow(/baseline '.*garbage\.json': not JSON/);
  });

  it('names the file and the first wrong field when it is not a bench result', async () => {
    await expect(compareCommand([join(dir, 'wrong.json'), join(dir, 'wrong.json')])).rejects.toThrow(/baseline '.*wrong\.json': not a kvcanary bench --json file: options\.conversations: /);
  });

  it('wants exactly two files', async () => {
    await expect(compareCommand([join(dir, 'wrong.json')])).rejects.toThrow(UsageError);
    await expect(compareCommand(['--bogus', 'a', 'b'])).rejects.toThrow(/unknown option '--bogus'/);
  });
});
