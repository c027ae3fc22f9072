/** `ablate graph --ir <file>`: text tree with totals, JSON, and --inference. */
import { Command } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerGraphCommand } from '../../cli/commands/graph.ts';

const dir = mkdtempSync(join(tmpdir(), 'ablate-graph-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = {
  name: 'tiny_v2',
  data: { modalities: ['ct', 'mri'], crop: [16, 16] },
  model: {
    backbone: { kind: 'swin_unet', dims: 2, patch: [2, 2], embed: 8, depths: [1, 2], decoderDepths: [2, 2], heads: [2, 2], window: [2, 2], mlpRatio: 2, qkvBias: true, dropPath: 0 },
    joint: 'v2', inChannels: 3, numClasses: 4, eam: { stages: [1], heads: 2 }, classEmbedding: true, keepQueryAtInference: false,
  },
};
const irFile = join(dir, 'run.json');
writeFileSync(irFile, JSON.stringify({ runs: [run] }));

async function graph(...args: string[]): Promise<string> {
  const program = new Command('ablate').exitOverride();
  registerGraphCommand(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'ablate', 'graph', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('ablate graph', () => {
  it('prints the tree with training-only marks and totals', async () => {
    const text = await graph('--ir', irFile, '--depth', '0');
    expect(text).toContain('run tiny_v2');
    expect(text).toMatch(/ct\/eam1 \(ExternalAttentionModule\).*\[training only\]/);
    expect(text).toMatch(/^training: {2}[\d,]+ parameters/m);
    expect(text).toMatch(/^inference: [\d,]+ parameters/m);
  });

  it('--inference leaves out EAMs, aux heads and class embeddings', async () => {
    const text = await graph('--ir', irFile, '--inference', '--depth', '0');
    expect(text).not.toMatch(/eam1|aux1|class_embedding/);
    expect(text).toContain('shared/encoder (SwinUnetEncoder)');
  });

  it('--json gives the graph as data', async () => {
    const doc = JSON.parse(await graph('--ir', irFile, '--json')) as { run: string; training: { params: number }; inference: { params: number }; modules: { path: string }[] };
    expect(doc.run).toBe('tiny_v2');
    expect(doc.training.params).toBeGreaterThan(doc.inference.params);
    expect(doc.modules.map((m) => m.path)).toContain('mri/aux1');
  });

  it('--json honours --inference and --depth, as the text view does', async () => {
    type Doc = { view: { inference: boolean; depth: number | null }; inference: { params: number }; modules: { path: string; phase: string; params: number; children: unknown[] }[] };
    const full = JSON.parse(await graph('--ir', irFile, '--json')) as Doc;
    const doc = JSON.parse(await graph('--ir', irFile, '--json', '--inference', '--depth', '0')) as Doc;
    expect(doc.view).toEqual({ inference: true, depth: 0 });
    expect(doc.modules.map((m) => m.path)).not.toContain('mri/aux1');
    expect(doc.modules.every((m) => m.phase !== 'training' && m.children.length === 0)).toBe(true);
    expect(full.modules.some((m) => m.children.length > 0)).toBe(true);
    // What is left is exactly the inference model: its top-level parameters add up to the inference total.
    expect(doc.modules.reduce((sum, m) => sum + m.params, 0)).toBe(doc.inference.params);
  });

  it('refuses a --depth that is not a whole number', async () => {
    await expect(graph('--ir', irFile, '--depth', 'two')).rejects.toThrow(/--depth takes a whole number/);
  });

  it('says what is wrong with a file that is not a Run IR', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    await expect(graph('--ir', bad)).rejects.toThrow(/not a Run IR/);
  });
});
