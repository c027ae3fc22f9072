/**
 * Inputs a fuzzer or a new user tries: a crashing file among others, JavaScript's special
 * property names, numbers beyond any sensible run, expansions too large to allocate.
 * Each is a coded diagnostic at its place; nothing throws.
 */
import { describe, expect, it } from 'vitest';
import { renderDiagnostics } from '../../cli/render-diagnostic.ts';
import { canonicalJson } from '../../compiler/canonical-json.ts';
import { checkFiles, SourceCache } from '../../compiler/compile.ts';
import { DiagnosticBag } from '../../compiler/diagnostics.ts';
import { checkRangeLength, checkRepeatRuns, checkSweepPoints, MAX_RANGE_VALUES, MAX_REPEAT_TIMES, MAX_SWEEP_POINTS } from '../../compiler/expansion-limits.ts';
import type { LoadedSource } from '../../compiler/load-source.ts';
import { BASE, compileMarked, DATASET, where, writeFiles } from './fixtures.ts';

const base = (from: string, to: string) => DATASET + BASE.replace(from, to);

/** 1-based `line:col` of the first `needle` in `text`. */
function pos(text: string, needle: string): string {
  const lines = text.slice(0, text.indexOf(needle)).split('\n');
  return `${lines.length}:${lines[lines.length - 1]!.length + 1}`;
}

/** The diagnostics of a marked fixture as `code file:line:col`. */
function located(text: string, options: Parameters<typeof compileMarked>[1] = {}) {
  const { result, mark, dir } = compileMarked({ 'main.abl': text }, options);
  return { found: result.diagnostics.map((d) => `${d.code} ${where(d, dir)}`), mark: mark ? `${mark.file}:${mark.line}:${mark.column}` : undefined, result };
}

describe('check DIR: one file failing inside the compiler', () => {
  /** A cache whose front end fails on one file, as a compiler bug would. */
  class FailingCache extends SourceCache {
    constructor(private readonly failing: string) {
      super();
    }
    override read(file: string): LoadedSource | undefined {
      if (file.endsWith(this.failing)) throw new RangeError('Invalid array length');
      return super.read(file);
    }
  }

  it("is that file's own E131, and the other files' diagnostics are all still reported", () => {
    const a = base('epochs: 2,', 'epoch: 2,');
    const c = base('joint: v3', 'joint: v4');
    const dir = writeFiles({ 'a.abl': a, 'b.abl': DATASET.replace('phantom', 'other'), 'c.abl': c });
    const result = checkFiles([dir], { cache: new FailingCache('b.abl') });
    expect(result.diagnostics.map((d) => `${d.code} ${where(d, dir)}`)).toEqual([
      `E034 a.abl:${pos(a, 'train {')}`,
      `E030 a.abl:${pos(a, 'epoch:')}`,
      'E131 b.abl:1:1',
      `E035 c.abl:${pos(c, 'v4')}`,
    ]);
    const internal = result.diagnostics.find((d) => d.code === 'E131')!;
    expect(internal.message).toBe(`internal error while checking ${dir}/b.abl: RangeError: Invalid array length`);
    expect(internal.hint).toMatch(/bug in ablate.*report it/);
    // --format github: one annotation per diagnostic, the internal one included.
    const github = renderDiagnostics(result.diagnostics, 'github', result.sources).trim().split('\n');
    expect(github).toHaveLength(4);
    expect(github[2]).toMatch(new RegExp(`^::error file=${dir}/b\\.abl,line=1,col=1.*title=E131`));
  });
});

describe('JavaScript property names', () => {
  it('an inherited member name (`toString`, `constructor`) is an unknown key, not a schema', () => {
    const text = base('epochs: 2,', 'epochs: 2, toString: 1, constructor: 2,');
    expect(located(text).found).toEqual([`E030 main.abl:${pos(text, 'toString')}`, `E030 main.abl:${pos(text, 'constructor')}`]);
  });

  it('`__proto__` as a key of a user-named map is E130 and does not replace a prototype', () => {
    const { found, result, mark } = located(base('test: 20% }', 'test: 20%, annotated { «__proto__: 2 } }'));
    expect(found).toEqual([`E130 ${mark}`]);
    expect(result.diagnostics[0]!.message).toBe('`__proto__` cannot be used as a key of `data.split.annotated`');
    expect(({} as Record<string, unknown>).cases).toBeUndefined();
  });

  it('`__proto__` as a dataset name is E130', () => {
    const { found, mark } = located(`${DATASET.replace('dataset phantom', 'dataset «__proto__')}${BASE}`);
    expect(found).toContain(`E130 ${mark}`);
  });

  it('canonical JSON keeps a `__proto__` key (a table row label) as data', () => {
    const value = JSON.parse('{"b": 1, "__proto__": {"x": 2}}') as object;
    expect(canonicalJson(value)).toBe('{"__proto__":{"x":2},"b":1}');
  });
});

describe('numbers', () => {
  it('an -s value that overflows is E043 on the command line', () => {
    const { found, result } = located(DATASET + BASE, { overrides: ['train.optimizer.lr=1e400'] });
    expect(found).toEqual(['E043 <command line>:1:23']);
    expect(result.runs).toEqual([]);
  });

  it('a seed is limited to 2^32 − 1, a count to 1000000, a stage range to counts', () => {
    for (const text of [
      base('train { epochs: 2,', 'train { seed: «4294967296, epochs: 2,'),
      base('train { epochs: 2,', 'train { seed: «-4294967296, epochs: 2,'),
      base('batch: 2,', 'batch: «1000001,'),
      base('decoder[1..3]', 'decoder[1..«2147483648]'),
    ]) {
      const { found, mark } = located(text);
      expect(found).toEqual([`E044 ${mark}`]);
    }
    expect(located(base('train { epochs: 2,', 'train { seed: 4294967295, epochs: 2,')).found).toEqual([]);
  });

  it('Infinity in YAML is E043 too', () => {
    const yaml = 'import: [d.abl]\nexperiments:\n  e:\n    train: { epochs: 2, batch: 2, optimizer: "adamw { lr: 1e999 }" }\n';
    const dir = writeFiles({ 'd.abl': DATASET, 'main.yaml': yaml });
    const result = checkFiles([`${dir}/main.yaml`]);
    expect(result.diagnostics.map((d) => `${d.code} ${where(d, dir)}`)).toContain(`E043 main.yaml:${pos(yaml, '1e999')}`);
  });
});

describe('expansion limits', () => {
  it('a grid whose product would overflow is E024, not a RangeError', () => {
    const axes = Array.from({ length: 12 }, (_, i) => `  train.seed${i} in 1..10000`).join('\n');
    const { found } = located(`${DATASET}${BASE}sweep «s from base {\n${axes}\n}\n`);
    expect(found).toContain('E024 main.abl:20:7');
  });

  it('the limits themselves are allowed', () => {
    const bag = new DiagnosticBag();
    const at = { name: 's', span: { file: 'f', start: { offset: 0, line: 0, column: 0 }, end: { offset: 1, line: 0, column: 1 } } };
    const node = { kind: 'Number' as const, value: 1, text: '1', span: at.span };
    expect(checkRangeLength(1, MAX_RANGE_VALUES, node, bag)).toBe(true);
    expect(checkRangeLength(0, MAX_RANGE_VALUES, node, bag)).toBe(false);
    expect(checkSweepPoints(at, 'grid', [{ path: 'a', length: 100 }, { path: 'b', length: MAX_SWEEP_POINTS / 100 }], bag)).toBe(true);
    expect(checkSweepPoints(at, 'zip', [{ path: 'a', length: MAX_SWEEP_POINTS }, { path: 'b', length: MAX_SWEEP_POINTS }], bag)).toBe(true);
    expect(checkRepeatRuns('r', MAX_REPEAT_TIMES, 1, { node: at }, bag)).toBe(true);
    expect(checkRepeatRuns('r', 100, 101, { node: at }, bag)).toBe(false);
    expect(bag.items.map((d) => d.code)).toEqual(['E023', 'E025']);
    expect(bag.items[1]!.message).toBe('repeat `r` asks for 100 draws of 101 sweep points (10100 runs); at most 10000 are allowed');
  });
});
