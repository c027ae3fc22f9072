/**
 * `ablate lsp` memory stays flat over 1,000 edits: a server started with --expose-gc answers
 * `ablate/heapUsedAfterGc` (a test-only request), and the heap after a full GC at edit 1,000
 * may exceed the one at edit 200 by a generous bound only. A leak of one analysis, parse or
 * diagnostics set per edit (tens to hundreds of KiB each) breaks the bound many times over;
 * the edits also ask for hover, inlay hints and references, so their caches are exercised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LspClient, repoRoot, uriOf } from './lsp-client.ts';

// An unsaved document (never written to disk) importing the paper's common.abl.
const uri = uriOf(`${repoRoot}/experiments/paper/lsp-memory-probe-unsaved.abl`);
const text = `import "common.abl"

experiment probe extends abdominal_v3 {
  loss.icr: 0.1 { tau: 4 }
}

sweep probe_tau from probe {
  loss.icr.tau in [1, 2, 3]
}
`;
const tauLine = 3;
const tauColumn = text.split('\n')[tauLine]!.indexOf('4');
const MiB = 1024 * 1024;

let client: LspClient;
let version = 1;

beforeAll(async () => {
  client = new LspClient(['--expose-gc']);
  await client.initialize();
  const opened = client.diagnostics(uri, 1);
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ablate', version, text } });
  expect((await opened).diagnostics).toEqual([]);
});

afterAll(async () => {
  await client.close();
});

async function edit(): Promise<void> {
  version += 1;
  const published = client.diagnostics(uri, version);
  const value = version % 2 === 0 ? '5' : '4';
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version },
    contentChanges: [{ range: { start: { line: tauLine, character: tauColumn }, end: { line: tauLine, character: tauColumn + 1 } }, text: value }],
  });
  expect((await published).diagnostics).toEqual([]);
  if (version % 20 === 0) {
    await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: tauLine, character: 13 } });
    await client.connection.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 10, character: 0 } } });
    await client.connection.sendRequest('textDocument/references', { textDocument: { uri }, position: { line: 2, character: 30 }, context: { includeDeclaration: false } });
  }
}

/** The smallest of three heap readings after a full GC (a reading can catch a transient allocation). */
async function heap(): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) readings.push((await client.connection.sendRequest('ablate/heapUsedAfterGc')) as number);
  return Math.min(...readings);
}

describe('ablate lsp memory', () => {
  it('the heap after GC grows by less than 8 MiB from edit 200 to edit 1,000', async () => {
    for (let i = 0; i < 200; i++) await edit();
    const at200 = await heap();
    for (let i = 200; i < 1000; i++) await edit();
    const at1000 = await heap();
    console.log(`lsp heap after GC: ${(at200 / MiB).toFixed(1)} MiB at edit 200, ${(at1000 / MiB).toFixed(1)} MiB at edit 1,000`);
    expect(at200).toBeGreaterThan(1 * MiB); // the request really measured something
    expect(at1000 - at200).toBeLessThan(8 * MiB);
  });
});
