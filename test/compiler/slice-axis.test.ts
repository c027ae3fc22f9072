/** The 2D slice axis as a data key: checked like every key, in the Run IR and the spec hash. */
import { describe, expect, it } from 'vitest';
import { BASE, compileMarked, DATASET, where } from './fixtures.ts';

const withAxis = (value: string) => BASE.replace('crop: 64 x 64', `crop: 64 x 64\n    slice_axis: ${value}`);

describe('data.slice_axis', () => {
  it('defaults to axial, enters the IR and changes the spec hash', () => {
    const plain = compileMarked({ 'main.abl': DATASET + BASE }).result;
    const coronal = compileMarked({ 'main.abl': DATASET + withAxis('coronal') }).result;
    expect(coronal.diagnostics).toEqual([]);
    const a = plain.runs.find((r) => r.name === 'base')!;
    const c = coronal.runs.find((r) => r.name === 'base')!;
    expect(a.data.sliceAxis).toBe('axial');
    expect(c.data.sliceAxis).toBe('coronal');
    expect(c.specHash).not.toBe(a.specHash);
    const axial = compileMarked({ 'main.abl': DATASET + withAxis('axial') }).result.runs.find((r) => r.name === 'base')!;
    expect(axial.specHash).toBe(a.specHash);
  });

  it('an unknown axis gets a did-you-mean at its position', () => {
    const b = compileMarked({ 'main.abl': DATASET + withAxis('«cornal') });
    expect(b.result.diagnostics.map((d) => [d.code, where(d, b.dir), d.hint])).toEqual([[expect.stringMatching(/^E0\d\d$/), `main.abl:${b.mark!.line}:${b.mark!.column}`, expect.stringContaining('coronal')]]);
  });
});
