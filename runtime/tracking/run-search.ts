/**
 * Run search as MLflow does it for a FileStore: a filter in MLflow's search syntax (clauses
 * joined by AND), `order_by` clauses, and the default order start_time DESC, run_id ASC.
 * A tracking server gets the same strings unchanged.
 */
import { TrackingError } from './tracking-error.ts';
import type { Run, RunStatus } from './tracker.ts';

type Entity = 'attribute' | 'metric' | 'param' | 'tag';
type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

/** One `entity.key <comparator> value` clause. */
export interface FilterClause {
  entity: Entity;
  key: string;
  comparator: Comparator;
  value: string | number | string[];
}

export interface OrderClause {
  entity: Entity;
  key: string;
  ascending: boolean;
}

const ENTITY_NAMES: Record<string, Entity> = {
  attribute: 'attribute', attributes: 'attribute', attr: 'attribute', run: 'attribute',
  metric: 'metric', metrics: 'metric',
  param: 'param', params: 'param', parameter: 'param', parameters: 'param',
  tag: 'tag', tags: 'tag',
};
const STRING_ATTRIBUTES = new Set(['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage']);
const NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time', 'created']);
const NUMERIC_COMPARATORS = new Set<Comparator>(['=', '!=', '<', '<=', '>', '>=']);
const STRING_COMPARATORS = new Set<Comparator>(['=', '!=', 'LIKE', 'ILIKE']);

function invalid(message: string, hint?: string): TrackingError {
  return new TrackingError('INVALID_PARAMETER_VALUE', message, hint === undefined ? {} : { hint });
}

/** A tiny scanner over the filter text. */
class Scanner {
  pos = 0;
  constructor(readonly text: string) {}
  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }
  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  match(re: RegExp): string | undefined {
    this.skipSpace();
    const m = re.exec(this.text.slice(this.pos));
    if (!m || m.index !== 0) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
  quoted(quote: string): string {
    // SQL style: a doubled quote inside stands for the quote itself.
    let out = '';
    this.pos++;
    for (;;) {
      if (this.pos >= this.text.length) throw invalid(`Unterminated ${quote} in filter '${this.text}'`);
      const c = this.text[this.pos]!;
      if (c === quote) {
        if (this.text[this.pos + 1] === quote) { out += quote; this.pos += 2; continue; }
        this.pos++;
        return out;
      }
      out += c;
      this.pos++;
    }
  }
  fail(what: string): TrackingError {
    return invalid(`Invalid filter '${this.text}': expected ${what} at position ${this.pos}`, "Write clauses like tags.`ablate.specHash` = 'abc' AND attributes.status = 'FINISHED'.");
  }
}

function parseIdentifier(s: Scanner): { entity: Entity; key: string } {
  const head = s.match(/^[A-Za-z_][A-Za-z0-9_]*/);
  if (head === undefined) throw s.fail('an identifier such as metrics.loss');
  if (s.peek() !== '.') {
    if (STRING_ATTRIBUTES.has(head) || NUMERIC_ATTRIBUTES.has(head)) return { entity: 'attribute', key: head };
    throw s.fail(`'.' after '${head}' (or a run attribute)`);
  }
  const entity = ENTITY_NAMES[head.toLowerCase()];
  if (entity === undefined) {
    throw invalid(`Invalid entity type '${head}' in filter '${s.text}'`, 'Use metrics., params., tags. or attributes.');
  }
  s.pos++; // the dot
  const q = s.peek();
  let key: string;
  if (q === '`' || q === '"') key = s.quoted(q);
  else {
    const bare = /^[^\s=!<>(),'"]+/.exec(s.text.slice(s.pos));
    if (!bare) throw s.fail('a key after the dot');
    key = bare[0];
    s.pos += key.length;
  }
  if (entity === 'attribute' && !STRING_ATTRIBUTES.has(key) && !NUMERIC_ATTRIBUTES.has(key)) {
    throw invalid(`Invalid attribute key '${key}' in filter '${s.text}'`, `Run attributes: ${[...STRING_ATTRIBUTES, ...NUMERIC_ATTRIBUTES].join(', ')}.`);
  }
  return { entity, key };
}

function parseValue(s: Scanner): string | number | string[] {
  s.skipSpace();
  const c = s.peek();
  if (c === "'" || c === '"') return s.quoted(c);
  if (c === '(') {
    s.pos++;
    const items: string[] = [];
    for (;;) {
      s.skipSpace();
      const q = s.peek();
      if (q !== "'" && q !== '"') throw s.fail('a quoted string in the list');
      items.push(s.quoted(q));
      if (s.match(/^,/) !== undefined) continue;
      if (s.match(/^\)/) !== undefined) return items;
      throw s.fail("',' or ')'");
    }
  }
  const num = s.match(/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/);
  if (num !== undefined) return Number(num);
  throw s.fail('a quoted string or a number');
}

/** Parse a filter string into clauses; an empty or missing filter gives none. */
export function parseFilter(filter: string | undefined): FilterClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const s = new Scanner(filter);
  const clauses: FilterClause[] = [];
  for (;;) {
    const { entity, key } = parseIdentifier(s);
    const op = s.match(/^(!=|<>|<=|>=|=|<|>|ILIKE\b|LIKE\b|NOT\s+IN\b|IN\b)/i);
    if (op === undefined) throw s.fail('a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN)');
    const upper = op.toUpperCase().replace(/\s+/g, ' ');
    const comparator = (upper === '<>' ? '!=' : upper) as Comparator;
    const value = parseValue(s);
    clauses.push(checkClause({ entity, key, comparator, value }, filter));
    if (s.atEnd()) return clauses;
    if (s.match(/^AND\b/i) === undefined) throw s.fail("'AND' (OR is not supported by MLflow)");
  }
}

function checkClause(c: FilterClause, filter: string): FilterClause {
  const numeric = c.entity === 'metric' || (c.entity === 'attribute' && NUMERIC_ATTRIBUTES.has(c.key));
  const inList = c.comparator === 'IN' || c.comparator === 'NOT IN';
  if (inList) {
    if (!(c.entity === 'attribute' && c.key === 'run_id') || !Array.isArray(c.value)) {
      throw invalid(`Invalid filter '${filter}': ${c.comparator} is only supported for attributes.run_id with a list of strings`);
    }
    return c;
  }
  const allowed = numeric ? NUMERIC_COMPARATORS : STRING_COMPARATORS;
  if (!allowed.has(c.comparator)) {
    throw invalid(`Invalid comparator '${c.comparator}' for ${c.entity} '${c.key}' in filter '${filter}'`, `Allowed: ${[...allowed].join(', ')}.`);
  }
  if (numeric && typeof c.value !== 'number') {
    throw invalid(`Expected a number for ${c.entity} '${c.key}' in filter '${filter}', got '${String(c.value)}'`);
  }
  if (!numeric && typeof c.value !== 'string') {
    throw invalid(`Expected a quoted string for ${c.entity} '${c.key}' in filter '${filter}', got ${String(c.value)}`);
  }
  return c;
}

function attributeValue(run: Run, key: string): string | number | null {
  const i = run.info;
  switch (key) {
    case 'run_id': return i.runId;
    case 'run_name': return i.runName;
    case 'status': return i.status;
    case 'user_id': return i.userId;
    case 'artifact_uri': return i.artifactUri;
    case 'lifecycle_stage': return i.lifecycleStage;
    case 'start_time': case 'created': return i.startTime;
    case 'end_time': return i.endTime;
    default: return null;
  }
}

function entityValue(run: Run, entity: Entity, key: string): string | number | null {
  switch (entity) {
    case 'attribute': return attributeValue(run, key);
    case 'metric': return run.data.metrics.find((m) => m.key === key)?.value ?? null;
    case 'param': return run.data.params[key] ?? null;
    case 'tag': return run.data.tags[key] ?? null;
  }
}

function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const body = [...pattern].map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's');
}

function clauseMatches(run: Run, c: FilterClause): boolean {
  const actual = entityValue(run, c.entity, c.key);
  if (actual === null) return false;
  const v = c.value;
  switch (c.comparator) {
    case '=': return actual === v;
    case '!=': return actual !== v && !(typeof actual === 'number' && Number.isNaN(actual));
    case '<': return (actual as number) < (v as number);
    case '<=': return (actual as number) <= (v as number);
    case '>': return (actual as number) > (v as number);
    case '>=': return (actual as number) >= (v as number);
    case 'LIKE': return likeToRegExp(v as string, false).test(String(actual));
    case 'ILIKE': return likeToRegExp(v as string, true).test(String(actual));
    case 'IN': return (v as string[]).includes(String(actual));
    case 'NOT IN': return !(v as string[]).includes(String(actual));
  }
}

/** True when `run` satisfies every clause. */
export function runMatches(run: Run, clauses: readonly FilterClause[]): boolean {
  return clauses.every((c) => clauseMatches(run, c));
}

/** Parse `order_by` clauses such as `metrics.loss DESC` or `start_time`. */
export function parseOrderBy(orderBy: readonly string[] | undefined): OrderClause[] {
  return (orderBy ?? []).map((text) => {
    const s = new Scanner(text);
    const { entity, key } = parseIdentifier(s);
    const dir = s.match(/^(ASC|DESC)\b/i);
    if (!s.atEnd()) throw s.fail("'ASC', 'DESC' or the end of the order_by clause");
    return { entity, key, ascending: dir === undefined || dir.toUpperCase() === 'ASC' };
  });
}

/**
 * Sort like MLflow's SearchUtils.sort: first start_time DESC, run_id ASC, then each order_by
 * clause from last to first with a stable sort; missing and NaN values go last either way.
 */
export function sortRuns(runs: readonly Run[], order: readonly OrderClause[]): Run[] {
  let out = [...runs].sort((a, b) => b.info.startTime - a.info.startTime || (a.info.runId < b.info.runId ? -1 : a.info.runId > b.info.runId ? 1 : 0));
  for (const clause of [...order].reverse()) {
    out = [...out].sort((a, b) => {
      const va = entityValue(a, clause.entity, clause.key);
      const vb = entityValue(b, clause.entity, clause.key);
      const missA = va === null || (typeof va === 'number' && Number.isNaN(va));
      const missB = vb === null || (typeof vb === 'number' && Number.isNaN(vb));
      if (missA || missB) return missA === missB ? 0 : missA ? 1 : -1;
      const cmp = va! < vb! ? -1 : va! > vb! ? 1 : 0;
      return clause.ascending ? cmp : -cmp;
    });
  }
  return out;
}

function quoteValue(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  return `'${value.replace(/'/g, "''")}'`;
}

function quoteKey(key: string): string {
  if (key.includes('`')) throw invalid(`Cannot search on key '${key}': it contains a backtick`);
  return `\`${key}\``;
}

/**
 * Build a filter string from exact values, e.g.
 * `runFilter({ tags: { 'ablate.specHash': h }, status: 'FINISHED' })` gives
 * ``tags.`ablate.specHash` = 'h' AND attributes.status = 'FINISHED'``.
 */
export function runFilter(spec: {
  tags?: Record<string, string>;
  params?: Record<string, string>;
  status?: RunStatus;
  runName?: string;
}): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(spec.tags ?? {})) parts.push(`tags.${quoteKey(k)} = ${quoteValue(v)}`);
  for (const [k, v] of Object.entries(spec.params ?? {})) parts.push(`params.${quoteKey(k)} = ${quoteValue(v)}`);
  if (spec.status !== undefined) parts.push(`attributes.status = ${quoteValue(spec.status)}`);
  if (spec.runName !== undefined) parts.push(`attributes.run_name = ${quoteValue(spec.runName)}`);
  return parts.join(' AND ');
}
