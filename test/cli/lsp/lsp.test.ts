/**
 * `ablate lsp` over real JSON-RPC on stdio: a spawned server, a protocol client, and
 * experiments/paper/table7.abl opened, edited and queried.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeAction, CompletionItem, Hover, InlayHint, Location, TextEdit, DocumentSymbol } from 'vscode-languageserver-protocol';
import { compileFile } from '../../../compiler/compile.ts';
import { LspClient, repoRoot, uriOf } from './lsp-client.ts';

const table7 = `${repoRoot}/experiments/paper/table7.abl`;
const common = `${repoRoot}/experiments/paper/common.abl`;
const uri = uriOf(table7);
const original = readFileSync(table7, 'utf8');
const lines = original.split('\n');
const end = { line: lines.length - 1, character: lines[lines.length - 1]!.length };
// Appended to table7.abl in the tests: a sweep over a base declared in the imported common.abl.
const probe = `
sweep probe from abdominal_v3_icr {
  model.joint in [v1, v2]
  loss.icr.tau in [2, 8]
  train.checkpoint_every: 2
}
`;
const probeLine = lines.length; // line of `sweep probe …`
// Lines in common.abl (0-based), found rather than fixed: other changes move them.
const commonLines = readFileSync(common, 'utf8').split('\n');
const lineOf = (start: string) => commonLines.findIndex((l) => l.startsWith(start));
const icrLine = lineOf('experiment abdominal_v3_icr ') + 1; // `loss.icr: 0.1 { tau: 4 }`
const jointLine = lineOf('experiment abdominal_v3 ') + 1; // `model.joint: v3`
const repeatLine = lineOf('repeat abdominal_v3_x5 ');

let client: LspClient;
let version = 1;

async function change(text: string, range = { start: { line: 0, character: 0 }, end: { line: lines.length + 20, character: 0 } }) {
  version += 1;
  const published = client.diagnostics(uri, version);
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text }] });
  return published;
}
const hoverText = async (line: number, character: number) => ((await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } })) as Hover | null)?.contents as { value: string } | undefined;

beforeAll(async () => {
  client = new LspClient();
  await client.initialize();
  const published = client.diagnostics(uri, 1);
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ablate', version: 1, text: original } });
  expect((await published).diagnostics).toEqual([]);
});

afterAll(async () => {
  await client.close();
});

describe('ablate lsp', () => {
  it('reports a misspelt key as E030 at its range and fixes it with a code action', async () => {
    const published = await change('colums', { start: { line: 13, character: 2 }, end: { line: 13, character: 9 } });
    expect(published.diagnostics.map((d) => [d.code, d.range, d.message])).toEqual([
      ['E030', { start: { line: 13, character: 2 }, end: { line: 13, character: 8 } }, 'unknown key `colums`\nhint: did you mean `columns`?'],
    ]);
    const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: published.diagnostics[0]!.range, context: { diagnostics: published.diagnostics } })) as CodeAction[];
    expect(actions.map((a) => [a.title, a.edit?.changes?.[uri]])).toEqual([["Change 'colums' to 'columns'", [{ range: { start: { line: 13, character: 2 }, end: { line: 13, character: 8 } }, newText: 'columns' }]]]);
    const fixed = await change('columns', { start: { line: 13, character: 2 }, end: { line: 13, character: 8 } });
    expect(fixed.diagnostics).toEqual([]);
  });

  it('reports a row naming an unknown run, and a half-edited file without crashing', async () => {
    const bad = await change('abdominal_v3_x6', { start: { line: 8, character: 16 }, end: { line: 8, character: 31 } });
    expect(bad.diagnostics.map((d) => [d.code, d.range.start, d.range.end])).toEqual([['E065', { line: 8, character: 16 }, { line: 8, character: 31 }]]);
    const broken = await change('experiment half { model.backb', { start: end, end });
    expect(broken.diagnostics.map((d) => d.code)).toContain('E002');
    expect(client.alive).toBe(true);
    const restored = await change(original);
    expect(restored.diagnostics).toEqual([]);
  });

  it('keeps checking other files while one file is broken', async () => {
    const other = uriOf(`${repoRoot}/experiments/paper/lsp-probe-unsaved.abl`);
    const broken = client.diagnostics(other, 1);
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: other, languageId: 'ablate', version: 1, text: 'import "common.abl"\nexperiment x extends abdominal_v3 {\n  loss { mcr: \n' } });
    expect((await broken).diagnostics.map((d) => d.code)).toContain('E002');
    const edited = await change('abdominal_v3_x6', { start: { line: 8, character: 16 }, end: { line: 8, character: 31 } });
    expect(edited.diagnostics.map((d) => d.code)).toEqual(['E065']);
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: other } });
    expect((await change(original)).diagnostics).toEqual([]);
  });

  it('hovers a key with its doc, type, default and resolved value with its origin', async () => {
    await change(original + probe);
    const tau = await hoverText(probeLine + 2, 12);
    expect(tau?.value).toBe(
      `**\`loss.icr.tau\`** — temperature τ of eq. (11)\n\ntype: number · default: \`4\`\n\nvalue in \`abdominal_v3_icr\`: \`4\` — from base \`abdominal_v3_icr\` through extends (imported), experiments/paper/common.abl:${icrLine + 1}`,
    );
    const joint = await hoverText(probeLine + 1, 9);
    expect(joint?.value).toContain(`value in \`abdominal_v3_icr\`: \`v3\` — from base \`abdominal_v3\` through extends (imported), experiments/paper/common.abl:${jointLine + 1}`);
    const every = await hoverText(probeLine + 3, 10);
    expect(every?.value).toContain('value in `abdominal_v3_icr`: `2` — set by sweep `probe` for every point');
    const window = await hoverText(probeLine, 20);
    expect(window?.value).toContain('**repeat `abdominal_v3_icr`**'.replace('repeat', 'experiment'));
  });

  it('hovers a path of a row contract with its value in both rows, or "not different", from the checked IRs', async () => {
    // The document is table7.abl + the probe sweep of the test before (later tests expect it).
    const rowLine = lines.findIndex((l) => l.includes('"Joint V3 + L_mcr": '));
    const at = (line: number, text: string) => ({ line, character: lines[line]!.indexOf(text) });
    const mcr = at(rowLine, 'loss.mcr]');
    const shown = await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: mcr.line, character: mcr.character + 6 } }) as Hover;
    expect(shown.range).toEqual({ start: mcr, end: { line: mcr.line, character: mcr.character + 'loss.mcr'.length } });
    expect((shown.contents as { value: string }).value).toBe('**`loss.mcr`** — row `Joint V3 + L_mcr` against `Joint V3`\n\n`Joint V3 + L_mcr`: `{"weight":0.1}` · `Joint V3`: `null` (draw 1 of 5, compared draw by draw)');
    // Independent reference: the values in the emitted Run IRs of the rows' first draws.
    const compiled = compileFile(table7);
    const firstRun = (label: string) => compiled.runs.find((r) => r.name === compiled.tables[0]!.rows.find((row) => row.label === label)!.runs[0])!;
    expect([firstRun('Joint V3 + L_mcr').loss.mcr, firstRun('Joint V3').loss.mcr]).toEqual([{ weight: 0.1 }, null]);
    expect(compiled.tables[0]!.rows.find((row) => row.label === 'Joint V3')!.runs).toHaveLength(5);
    // A path that does not differ (E077 stops the emitted IRs; the hover reads the checked ones).
    const bad = await change(' train.epochs,', { start: mcr, end: mcr });
    expect(bad.diagnostics.map((d) => d.code)).toEqual(['E077']);
    const epochs = await hoverText(rowLine, mcr.character + 3);
    expect(epochs?.value).toBe(`**\`train.epochs\`** — row \`Joint V3 + L_mcr\` against \`Joint V3\`\n\nnot different: both have \`${firstRun('Joint V3').train.epochs}\` (all 5 draws)`);
    expect((await change(original + probe)).diagnostics).toEqual([]);
  });

  it('goes to definitions and finds references across files', async () => {
    const row = (await client.connection.sendRequest('textDocument/definition', { textDocument: { uri }, position: { line: 8, character: 20 } })) as Location[];
    expect(row).toEqual([{ uri: uriOf(common), range: { start: { line: repeatLine, character: 7 }, end: { line: repeatLine, character: 22 } } }]);
    const imp = (await client.connection.sendRequest('textDocument/definition', { textDocument: { uri }, position: { line: 4, character: 10 } })) as Location[];
    expect(imp).toEqual([{ uri: uriOf(common), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }]);
    const tau = (await client.connection.sendRequest('textDocument/definition', { textDocument: { uri }, position: { line: probeLine + 2, character: 12 } })) as Location[];
    expect(tau.map((l) => [l.uri, l.range.start.line])).toEqual([[uriOf(common), icrLine]]);
    const refs = (await client.connection.sendRequest('textDocument/references', { textDocument: { uri }, position: { line: 8, character: 20 }, context: { includeDeclaration: false } })) as Location[];
    const files = new Set(refs.map((r) => r.uri.split('/').slice(-2).join('/')));
    expect(files).toEqual(new Set(['paper/table2.abl', 'paper/table6.abl', 'paper/table7.abl']));
  });

  it('references follow edits in another open document (cached per parse, never stale)', async () => {
    const refsFiles = async () => {
      const refs = (await client.connection.sendRequest('textDocument/references', { textDocument: { uri }, position: { line: 8, character: 20 }, context: { includeDeclaration: false } })) as Location[];
      return refs.map((r) => `${r.uri.split('/').slice(-2).join('/')}:${r.range.start.line}:${r.range.start.character}`).filter((r) => r.startsWith('paper/lsp-refs'));
    };
    const other = uriOf(`${repoRoot}/experiments/paper/lsp-refs-unsaved.abl`);
    const opened = client.diagnostics(other, 1);
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: other, languageId: 'ablate', version: 1, text: 'import "common.abl"\nrepeat again from abdominal_v3_x5 { times: 2 }\n' } });
    await opened;
    expect(await refsFiles()).toEqual(['paper/lsp-refs-unsaved.abl:1:18']);
    expect(await refsFiles()).toEqual(['paper/lsp-refs-unsaved.abl:1:18']); // asked again: the same
    const edited = client.diagnostics(other, 2);
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: other, version: 2 }, contentChanges: [{ text: 'import "common.abl"\n\nrepeat again from abdominal_v2_x5 { times: 2 }\nrepeat twice from abdominal_v3_x5 { times: 3 }\n' }] });
    await edited;
    expect(await refsFiles()).toEqual(['paper/lsp-refs-unsaved.abl:3:18']);
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: other } });
    expect(await refsFiles()).toEqual([]);
  });

  it('completes keys, enum values, names and units at the cursor', async () => {
    const labels = async (line: number, character: number) => ((await client.connection.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line, character } })) as CompletionItem[]).map((i) => i.label);
    await change(`${original}\nexperiment probe2 extends abdominal_v3 {\n  loss.\n  model.joint: \n  data.split.train: 70\n  model.backbone { }\n}\nsweep s2 from \n`);
    const at = lines.length;
    expect(await labels(at + 1, 7)).toEqual(['seg', 'aux', 'mcr', 'icr']);
    expect(await labels(at + 2, 15)).toEqual(['separate', 'v1', 'v2', 'v3']);
    expect(await labels(at + 3, 22)).toEqual(['%']);
    expect(await labels(at + 4, 19)).toEqual(['patch', 'embed', 'depths', 'decoder_depths', 'heads', 'window', 'mlp_ratio', 'qkv_bias', 'drop_path']);
    expect(await labels(at + 6, 14)).toContain('abdominal_v3_icr');
    expect(await labels(9, 24)).toContain('abdominal_ours_x5');
    // A row's ablation contract: the keyword after the run, Run IR paths in the list, row labels after `from`.
    const row = lines[9]!;
    expect(row).toBe('    "Joint V3 + L_mcr": abdominal_v3_mcr_x5 differs [loss.mcr] from "Joint V3"');
    expect(await labels(9, row.indexOf('differs'))).toEqual(['differs']);
    expect(await labels(9, row.indexOf('loss.mcr'))).toContain('loss.mcr');
    expect(await labels(9, row.indexOf('"Joint V3"', 10))).toEqual(['Joint V3', 'Joint V3 + L_icr', 'Joint V3 + L_mcr + L_icr']);
  });

  it('shows run-count inlay hints', async () => {
    await change(original + probe.replace('[v1, v2]', '[v1,v2]'));
    const hints = (await client.connection.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: probeLine + 10, character: 0 } } })) as InlayHint[];
    expect(hints.map((h) => [h.position.line, h.label])).toEqual([
      [6, '20 runs'],
      [probeLine, "4 runs"],
    ]);
  });

  it('hints the token grid per stage and the train/val/test case counts of a split', async () => {
    // A phantom dataset states its case counts; the expected hints are computed here from the
    // config alone: grid_i = crop / patch / 2^i per stage, and the split rule of runtime/data/split.ts
    // written out (test = max(1, round(n·test)), val = max(1, round(n·val)) when > 0, train = the rest).
    const cases = { ct: 20, mri: 9 };
    const fractions = { train: 0.7, val: 0.1, test: 0.2 };
    const text = `
dataset probe_ph "Probe phantom" {
  source: phantom { anatomy: abdominal, size: 64 x 64 x 8, spacing: 1 x 1 x 2 mm, seed: 1 }
  classes: [liver, spleen, rkdy, lkdy]
  modalities { ct { cases: ${cases.ct} }, mri { cases: ${cases.mri} } }
}
experiment probe_grid {
  data probe_ph {
    crop: 256 x 128
    split { train: 70%, val: 10%, test: 20% }
  }
  model {
    backbone swin_unet { patch: 4, embed: 16, depths: [2, 2, 2, 2], heads: [1, 2, 4, 8], window: 4 }
    joint: separate
  }
  train { epochs: 1, batch: 2, optimizer: adamw { lr: 1e-3 } }
}
experiment probe_grid2 extends probe_grid {
  data.crop: 128 x 64 x 32
  model.backbone: nnformer { patch: 4 x 4 x 2, embed: 16, heads: [1, 2, 4, 8], window: 2 x 2 x 2 }
}
`;
    const published = await change(original + text);
    expect(published.diagnostics).toEqual([]);
    const all = (original + text).split('\n');
    const after = (needle: string, from = 0) => {
      const line = all.findIndex((l, i) => i >= from && l.includes(needle));
      return { line, character: all[line]!.indexOf(needle) + needle.length };
    };
    const grid = (crop: number[], patch: number[], stages: number) =>
      'tokens ' + Array.from({ length: stages }, (_, i) => crop.map((c, d) => c / patch[d]! / 2 ** i).join('×')).join(' → ');
    const split = (n: number) => {
      const test = Math.max(1, Math.round(n * fractions.test));
      const val = Math.max(1, Math.round(n * fractions.val));
      return `${n - val - test}/${val}/${test}`;
    };
    const first = all.findIndex((l) => l.startsWith('experiment probe_grid '));
    const second = all.findIndex((l) => l.startsWith('experiment probe_grid2 '));
    const hints = (await client.connection.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: first, character: 0 }, end: { line: all.length, character: 0 } } })) as InlayHint[];
    expect(hints.map((h) => [h.position, h.label])).toEqual([
      [after('backbone swin_unet', first), grid([256, 128], [4, 4], 4)],
      [after('split', first), `ct ${split(cases.ct)} · mri ${split(cases.mri)} train/val/test cases`],
      [after('nnformer', second), grid([128, 64, 32], [4, 4, 2], 4)],
    ]);
    // The arithmetic above, spelt out once: 20 cases → 14/2/4, 9 → 6/1/2; 256 × 128 / 4 → 64×32 … 8×4.
    expect(hints[1]!.label).toBe('ct 14/2/4 · mri 6/1/2 train/val/test cases');
    expect(hints[0]!.label).toBe('tokens 64×32 → 32×16 → 16×8 → 8×4');
  });

  it('formats and lists symbols', async () => {
    await change(original + probe.replace('[v1, v2]', '[v1,v2]'));
    const edits = (await client.connection.sendRequest('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })) as TextEdit[];
    expect(edits).toHaveLength(1);
    expect(edits[0]!.newText).toContain('sweep probe from abdominal_v3_icr {\n  model.joint in [v1, v2]\n');
    const symbols = (await client.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })) as DocumentSymbol[];
    expect(symbols.map((s) => [s.name, s.detail])).toEqual([
      ['table7', 'table — Ablation of L_mcr and L_icr on Joint V3, abdominal, 3D Transformer (Table 7)'],
      ['probe', 'grid sweep from abdominal_v3_icr'],
    ]);
  });
});
