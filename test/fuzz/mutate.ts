/**
 * Seeded mutations of a source text, the kinds a fuzzer and a careless edit produce:
 * token-level (delete, duplicate, swap, replace a number by a huge or odd one, a name by
 * a JavaScript property name), structural (deep nesting, huge ranges and counts) and
 * byte-level (random unicode, a flipped character, truncation). Token positions come
 * from the `.abl` lexer; YAML files are cut at the same boundaries, which is fine for a fuzzer.
 */
import seedrandom from 'seedrandom';
import { ablLexer } from '../../dsl/tokens.ts';

export interface Mutant {
  /** Which mutation made it (for reports). */
  kind: string;
  text: string;
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

const hugeNumbers = ['1e999', '-1e999', '1e20', '2147483648', '9007199254740993', '65536', '1e-400', '0', '-0', '4294967296', '1e308', '0.0000001', '1e6'];
const oddNames = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const oddText = [
  '1..2147483648', '1..100000', '0..65536', 'times: 65536', 'times: 1e9', '±', '+-', '..', '%', 'mm', 'x', '"', '/*', '*/', '//', '\\',
  '{', '}', '[', ']', '(', ')', ',', ':', '.', '-', 'experiment', 'sweep', 'repeat', 'table', 'import "missing.abl"', 'extends', 'from', 'at', 'in',
];
const unicode = ['\u0000', '\u200b', '\u202e', '\ufeff', '\ud800', '\udfff', '😀', 'é', '\u00a0', '\r', '\t', '\u2028', 'ß', '𝔸', 'τ', '×', '−'];

interface TokenSpan {
  start: number;
  end: number;
  image: string;
  number: boolean;
  name: boolean;
}

function tokensOf(text: string): TokenSpan[] {
  return ablLexer.tokenize(text).tokens.map((t) => ({
    start: t.startOffset,
    end: t.endOffset! + 1,
    image: t.image,
    number: /^[0-9]/.test(t.image),
    name: /^[A-Za-z_]/.test(t.image),
  }));
}

const splice = (text: string, start: number, end: number, insert: string) => text.slice(0, start) + insert + text.slice(end);

/** One mutation of `text`, chosen by `rng`. */
function mutateOnce(text: string, tokens: TokenSpan[], rng: Rng): Mutant {
  const token = tokens.length ? pick(rng, tokens) : { start: 0, end: 0, image: '', number: false, name: false };
  const at = int(rng, 0, text.length);
  const kind = pick(rng, ['delete', 'duplicate', 'swap', 'nest', 'number', 'name', 'insert', 'unicode', 'flip', 'truncate', 'nest-closed', 'range'] as const);
  switch (kind) {
    case 'delete':
      return { kind, text: splice(text, token.start, token.end, '') };
    case 'duplicate':
      return { kind, text: splice(text, token.end, token.end, ` ${token.image}`.repeat(int(rng, 1, 3))) };
    case 'swap': {
      const i = tokens.indexOf(token as TokenSpan);
      const next = tokens[i + 1];
      if (i < 0 || !next) return { kind, text };
      return { kind, text: text.slice(0, token.start) + next.image + text.slice(token.end, next.start) + token.image + text.slice(next.end) };
    }
    case 'nest': {
      const open = pick(rng, ['(', '{', '[', '{ a ', 'a { ']);
      return { kind, text: splice(text, token.start, token.start, open.repeat(int(rng, 10, 3000))) };
    }
    case 'nest-closed': {
      const [open, close] = pick(rng, [['(', ')'], ['[', ']'], ['{ a: ', ' }'], ['a { ', ' }']] as const);
      const n = int(rng, 10, 3000);
      return { kind, text: splice(text, token.start, token.end, `${open.repeat(n)}${token.image}${close.repeat(n)}`) };
    }
    case 'number': {
      const numbers = tokens.filter((t) => t.number);
      const target = numbers.length ? pick(rng, numbers) : token;
      return { kind, text: splice(text, target.start, target.end, pick(rng, hugeNumbers)) };
    }
    case 'name': {
      const names = tokens.filter((t) => t.name);
      const target = names.length ? pick(rng, names) : token;
      return { kind, text: splice(text, target.start, target.end, pick(rng, oddNames)) };
    }
    case 'range':
      return { kind, text: splice(text, token.start, token.end, pick(rng, ['1..2147483648', '1..100000', '-5..5', '1.5..3', '1..1e20'])) };
    case 'insert':
      return { kind, text: splice(text, token.start, token.start, ` ${pick(rng, oddText)} `) };
    case 'unicode':
      return { kind, text: splice(text, at, at, Array.from({ length: int(rng, 1, 4) }, () => pick(rng, unicode)).join('')) };
    case 'flip':
      return { kind, text: splice(text, at, at + 1, String.fromCharCode(int(rng, 0, 0x7f))) };
    case 'truncate':
      return { kind, text: text.slice(0, at) };
  }
}

/** Mutant `index` of `text` under `seed`: one to three mutations in a row. */
export function mutant(text: string, seed: string, index: number): Mutant {
  const rng = seedrandom(`${seed}:${index}`);
  let current = text;
  const kinds: string[] = [];
  const rounds = int(rng, 1, 3);
  for (let r = 0; r < rounds; r++) {
    const m = mutateOnce(current, tokensOf(current), rng);
    current = m.text;
    kinds.push(m.kind);
  }
  return { kind: kinds.join('+'), text: current };
}
