/**
 * Where the cursor is, read from the tokens before it rather than from the AST: while a
 * key is being typed the file rarely parses, but the lexer still sees which blocks are
 * open. The scan keeps a stack of open blocks (declaration, then dotted key paths, each
 * with the head that picked its kind: `backbone swin_unet {`, `optimizer: sgd {`) and
 * the tokens of the entry being written, and classifies the cursor as
 * - `top`: between declarations (keywords), or in a declaration's header (`extends |`);
 * - `key`: at the start of an entry, possibly after `a.b.` (keys valid there);
 * - `head`: after a key and a space (`data |`, `backbone |`: a dataset or a kind);
 * - `value`: after `key:` or `key in` (enum values, names, units after a number); on a
 *   table row, `contract` says where in `run differs [paths] from "Row"` the cursor is.
 */
import type { Decl } from '../../dsl/ast.ts';
import { tokenMatcher, type IToken } from '../../dsl/chevrotain.ts';
import {
  ablLexer, At, BinaryOperator, BlockComment, Colon, Comma, Dataset, Differs, Dot, Experiment, Extends, Figure, From, HashComment, In, LBracket, LCurly, LineComment, LParen,
  NumberLiteral, RBracket, RCurly, Repeat, RParen, StringLiteral, Sweep, SweepMode, Table, UnterminatedBlockComment, Word, X,
} from '../../dsl/tokens.ts';

export interface Frame {
  /** Dotted key path of the block from its declaration's root ([] for the body itself). */
  path: string[];
  /** The head written before `{` (`swin_unet`, `sgd`, `mmwhs`), if a name. */
  head?: string;
}

export type CursorContext =
  | { kind: 'top'; after?: 'extends' | 'from' }
  | { kind: 'key'; declKind: Decl['kind']; declName?: string; path: string[]; frames: Frame[] }
  | { kind: 'head'; declKind: Decl['kind']; declName?: string; path: string[]; frames: Frame[] }
  | { kind: 'value'; declKind: Decl['kind']; declName?: string; path: string[]; frames: Frame[]; afterNumber: boolean; contract?: ContractPart };

/** Where the cursor is in a row's `run differs [paths] from "Row"`: after the run, in the list, after `from`. */
export type ContractPart = 'keyword' | 'paths' | 'from';

/** The part of a contract the cursor is in, from the tokens after the entry's `:`. */
function contractPart(value: IToken[]): ContractPart | undefined {
  const differs = value.findIndex((t) => tokenMatcher(t, Differs));
  if (differs < 0) return value.length > 0 ? 'keyword' : undefined;
  const last = value[value.length - 1]!;
  if (tokenMatcher(last, From)) return 'from';
  return value.slice(differs).some((t) => tokenMatcher(t, RBracket)) ? undefined : 'paths';
}

const declKeywords = new Map([
  [Experiment, 'Experiment'],
  [Dataset, 'Dataset'],
  [Sweep, 'Sweep'],
  [Repeat, 'Repeat'],
  [Table, 'Table'],
  [Figure, 'Figure'],
] as const);

const isComment = (t: IToken) => [LineComment, BlockComment, UnterminatedBlockComment, HashComment].some((type) => tokenMatcher(t, type));
const isWord = (t: IToken) => tokenMatcher(t, Word);
const keyName = (t: IToken) => (tokenMatcher(t, StringLiteral) ? t.image.slice(1, -1) : t.image);

/** The dotted key at the start of an entry's tokens, and how many tokens it used. */
function leadingPath(tokens: IToken[]): { path: string[]; used: number } {
  const path: string[] = [];
  let i = 0;
  while (i < tokens.length && (isWord(tokens[i]!) || tokenMatcher(tokens[i]!, StringLiteral))) {
    path.push(keyName(tokens[i]!));
    i++;
    if (i < tokens.length && tokenMatcher(tokens[i]!, Dot)) i++;
    else break;
  }
  return { path, used: i };
}

/** A token that continues an entry onto the next line (`key:` then a value below it, an operator). */
const continues = (t: IToken) => [Colon, In, At, X, BinaryOperator].some((type) => tokenMatcher(t, type));

/** The context of the cursor at `offset` in `text`. */
export function cursorContext(text: string, offset: number): CursorContext {
  // The word being typed is not part of the context.
  const typed = /[A-Za-z_][A-Za-z0-9_]*$/.exec(text.slice(0, offset))?.[0] ?? '';
  const before = text.slice(0, offset - typed.length);
  const tokens = ablLexer.tokenize(before).tokens.filter((t) => !isComment(t));
  let decl: { kind: Decl['kind']; name?: string } | undefined;
  const frames: Frame[] = [];
  let entry: IToken[] = [];
  let nesting = 0; // open ( and [ inside the current entry
  let previous: IToken | undefined;
  // A line that starts with `key:` or `a.b` starts an entry even after a dangling `key:` above it.
  const startsEntry = (i: number) => isWord(tokens[i]!) && tokens[i + 1] !== undefined && (tokenMatcher(tokens[i + 1]!, Colon) || tokenMatcher(tokens[i + 1]!, Dot));
  for (const [i, token] of tokens.entries()) {
    const newLine = previous !== undefined && token.startLine! > previous.endLine! && nesting === 0 && (!continues(previous) || startsEntry(i));
    if (newLine && frames.length > 0) entry = [];
    previous = token;
    if (tokenMatcher(token, LParen) || tokenMatcher(token, LBracket)) nesting++;
    else if (tokenMatcher(token, RParen) || tokenMatcher(token, RBracket)) nesting = Math.max(0, nesting - 1);
    if (tokenMatcher(token, LCurly)) {
      if (frames.length === 0) {
        const kind = entry.map((t) => [...declKeywords].find(([type]) => tokenMatcher(t, type))?.[1]).find(Boolean);
        // The name follows the declaration keyword (an `import "…"` line may come before it).
        const keywordAt = entry.findIndex((t) => [...declKeywords].some(([type]) => tokenMatcher(t, type)));
        const nameToken = entry.find((t, i) => i > keywordAt && i > 0 && isWord(t) && !tokenMatcher(t, Sweep) && !tokenMatcher(t, SweepMode));
        decl = { kind: kind ?? 'Experiment', ...(nameToken ? { name: nameToken.image } : {}) };
        frames.push({ path: [] });
      } else {
        const { path, used } = leadingPath(entry);
        const rest = entry.slice(used).filter((t) => !tokenMatcher(t, Colon));
        const head = rest[0] && isWord(rest[0]) && !tokenMatcher(rest[0], At) ? rest[0].image : undefined;
        frames.push({ path: [...frames[frames.length - 1]!.path, ...path], ...(head ? { head } : {}) });
      }
      entry = [];
      nesting = 0;
    } else if (tokenMatcher(token, RCurly)) {
      frames.pop();
      if (frames.length === 0) decl = undefined;
      entry = [];
      nesting = 0;
    } else if (tokenMatcher(token, Comma) && nesting === 0 && frames.length > 0) {
      entry = [];
    } else {
      entry.push(token);
    }
  }
  if (frames.length === 0 || !decl) {
    const last = entry[entry.length - 1];
    if (last && tokenMatcher(last, Extends)) return { kind: 'top', after: 'extends' };
    if (last && tokenMatcher(last, From)) return { kind: 'top', after: 'from' };
    return { kind: 'top' };
  }
  const base = { declKind: decl.kind, ...(decl.name ? { declName: decl.name } : {}), frames: [...frames] };
  const prefix = frames[frames.length - 1]!.path;
  const { path, used } = leadingPath(entry);
  if (used === entry.length) {
    // Only a dotted key so far: `a.b.` (a key to complete) or `data ` (a head to complete).
    const endsWithDot = used > 0 && tokenMatcher(entry[used - 1]!, Dot);
    if (used === 0 || endsWithDot) return { kind: 'key', ...base, path: [...prefix, ...path] };
    return { kind: 'head', ...base, path: [...prefix, ...path] };
  }
  const afterKey = entry[used]!;
  if (tokenMatcher(afterKey, Colon) || tokenMatcher(afterKey, In)) {
    const last = entry[entry.length - 1]!;
    const contract = decl.kind === 'Table' && tokenMatcher(afterKey, Colon) ? contractPart(entry.slice(used + 1)) : undefined;
    return { kind: 'value', ...base, path: [...prefix, ...path], afterNumber: tokenMatcher(last, NumberLiteral), ...(contract ? { contract } : {}) };
  }
  return { kind: 'value', ...base, path: [...prefix, ...path], afterNumber: false };
}
