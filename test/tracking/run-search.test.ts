import { describe, expect, it } from 'vitest';
import { parseFilter, parseOrderBy, runFilter, runMatches, sortRuns } from '../../runtime/tracking/run-search.ts';
import { TrackingError } from '../../runtime/tracking/tracking-error.ts';
import type { Run } from '../../runtime/tracking/tracker.ts';

function run(id: string, start: number, extra: Partial<Run['data']> = {}, status: Run['info']['status'] = 'FINISHED'): Run {
  return {
    info: { runId: id, runName: `n-${id}`, experimentId: '1', userId: 'u', status, startTime: start, endTime: null, artifactUri: '', lifecycleStage: 'active' },
    data: { params: {}, tags: {}, metrics: [], ...extra },
  };
}

describe('parseFilter', () => {
  it('parses clauses joined by AND with plain, backticked and double-quoted keys', () => {
    expect(parseFilter("tags.ablate.specHash = 'h1' and tags.`mlflow.user` != \"bob\" AND params.\"my lr\" LIKE '0.0%' AND metrics.loss <= 1e-3 AND status = 'FINISHED'")).toEqual([
      { entity: 'tag', key: 'ablate.specHash', comparator: '=', value: 'h1' },
      { entity: 'tag', key: 'mlflow.user', comparator: '!=', value: 'bob' },
      { entity: 'param', key: 'my lr', comparator: 'LIKE', value: '0.0%' },
      { entity: 'metric', key: 'loss', comparator: '<=', value: 0.001 },
      { entity: 'attribute', key: 'status', comparator: '=', value: 'FINISHED' },
    ]);
    expect(parseFilter("attributes.run_id IN ('a', 'b')")).toEqual([{ entity: 'attribute', key: 'run_id', comparator: 'IN', value: ['a', 'b'] }]);
    expect(parseFilter('  ')).toEqual([]);
  });

  it.each([
    ["params.lr > '1'", /Invalid comparator '>' for param 'lr'/],
    ["metrics.loss = 'x'", /Expected a number for metric 'loss'/],
    ["tags.a = 'x' OR tags.b = 'y'", /'AND' \(OR is not supported/],
    ["foo.a = 'x'", /Invalid entity type 'foo'/],
    ["tags.a = 'x", /Unterminated '/],
    ["attributes.colour = 'red'", /Invalid attribute key 'colour'/],
  ])('rejects %j', (filter, message) => {
    expect(() => parseFilter(filter)).toThrow(TrackingError);
    expect(() => parseFilter(filter)).toThrow(message);
  });
});

describe('runMatches and sortRuns', () => {
  const a = run('a', 300, { params: { lr: '0.01' }, tags: { 'ablate.specHash': 'h1', note: "it's" }, metrics: [{ key: 'loss', value: 0.5, timestamp: 1, step: 0 }] });
  const b = run('b', 200, { params: { lr: '0.1' }, tags: { 'ablate.specHash': 'h2' }, metrics: [{ key: 'loss', value: NaN, timestamp: 1, step: 0 }] }, 'KILLED');
  const c = run('c', 200, { params: { lr: '0.01' }, metrics: [{ key: 'loss', value: 0.9, timestamp: 1, step: 0 }] });
  const d = run('d', 100, { params: {} });
  const all = [d, c, b, a];
  const select = (f: string): string[] => all.filter((r) => runMatches(r, parseFilter(f))).map((r) => r.info.runId);

  it('matches like MLflow: a missing key matches nothing, NaN compares false', () => {
    expect(select("params.lr = '0.01'")).toEqual(['c', 'a']);
    expect(select("params.lr != '0.01'")).toEqual(['b']);
    expect(select('metrics.loss < 1')).toEqual(['c', 'a']);
    expect(select('metrics.loss != 0.5')).toEqual(['c']);
    expect(select("params.lr ILIKE '0.0_'")).toEqual(['c', 'a']);
    expect(select("attributes.status = 'KILLED'")).toEqual(['b']);
    expect(select('attributes.start_time >= 200')).toEqual(['c', 'b', 'a']);
    expect(select(runFilter({ tags: { 'ablate.specHash': 'h1', note: "it's" }, status: 'FINISHED' }))).toEqual(['a']);
  });

  it('orders by start_time DESC then run_id by default; order_by puts missing and NaN last', () => {
    expect(sortRuns(all, []).map((r) => r.info.runId)).toEqual(['a', 'b', 'c', 'd']);
    expect(sortRuns(all, parseOrderBy(['metrics.loss DESC'])).map((r) => r.info.runId)).toEqual(['c', 'a', 'b', 'd']);
    expect(sortRuns(all, parseOrderBy(['metrics.loss'])).map((r) => r.info.runId)).toEqual(['a', 'c', 'b', 'd']);
    expect(sortRuns(all, parseOrderBy(['params.lr ASC', 'start_time ASC'])).map((r) => r.info.runId)).toEqual(['c', 'a', 'b', 'd']);
  });
});
