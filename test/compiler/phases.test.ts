/** The compiler stops after the first phase that reports an error, so follow-up errors never cascade. */
import { describe, expect, it } from 'vitest';
import { Phase } from '../../compiler/phases.ts';
import { BASE, compileMarked, DATASET } from './fixtures.ts';

const compile = (text: string) => compileMarked({ 'main.abl': text }).result;

describe('phases', () => {
  it('a clean file passes every phase', () => {
    expect(compile(DATASET + BASE).phase).toBe(Phase.Emitted);
  });

  it('syntax errors stop before resolution and checking', () => {
    const result = compile(DATASET + BASE.replace('epochs: 2,', 'epochs: 0,').replace('joint: v3', 'joint: : v3') + 'experiment other extends nope { }\n');
    expect(result.phase).toBe(0);
    expect(new Set(result.diagnostics.map((d) => d.code))).toEqual(new Set(['E002']));
  });

  it('resolution errors stop before expansion and type checking', () => {
    const result = compile(DATASET + BASE.replace('epochs: 2,', 'epochs: 0,') + 'experiment other extends nope { }\n');
    expect(result.phase).toBe(Phase.Parsed);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['E013']);
  });

  it('expansion errors stop before type checking', () => {
    const result = compile(DATASET + BASE.replace('epochs: 2,', 'epochs: 0,') + 'sweep s zip from base { train.seed in [1], loss.icr.tau in [1, 2] }\n');
    expect(result.phase).toBe(Phase.Resolved);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['E020']);
  });

  it('type errors of one run do not hide domain errors of another, and no IR is emitted', () => {
    const result = compile(DATASET + BASE + 'experiment a extends base { train.epochs: 0 }\nexperiment b extends base { loss.icr.tau: 0 }\n');
    expect(result.phase).toBe(Phase.Expanded);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['E033', 'E062']);
    expect(result.runs).toEqual([]);
  });
});
