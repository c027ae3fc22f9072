/**
 * `ablate lsp` latency and memory, over real JSON-RPC on stdio: opens
 * experiments/paper/table6.abl, then times didChange → publishDiagnostics (a tolerance
 * value edited back and forth; median of 50, target < 50 ms), then sends 1,000 more edits
 * and reports the server's resident memory before and after (it should stay flat).
 *
 *   node --import tsx bench/lsp.bench.ts
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const file = `${root}/experiments/paper/table6.abl`;
const uri = pathToFileURL(file).href;
const text = readFileSync(file, 'utf8');
const line = text.split('\n').findIndex((l) => l.includes('tolerance {'));
const column = text.split('\n')[line]!.indexOf('2.0');

const child = spawn(process.execPath, ['cli/bin.js', 'lsp', '--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
const waiting = new Map<number, (p: PublishDiagnosticsParams) => void>();
connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
  if (p.uri === uri && p.version !== undefined) waiting.get(p.version)?.(p);
});
connection.listen();
const published = (version: number) => new Promise<PublishDiagnosticsParams>((resolve) => waiting.set(version, resolve));
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

await connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {}, workspaceFolders: null });
await connection.sendNotification('initialized', {});
let version = 1;
const first = published(1);
await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ablate', version, text } });
await first;

async function edit(): Promise<number> {
  version += 1;
  const value = version % 2 === 0 ? '2.5' : '2.0';
  const done = published(version);
  const start = performance.now();
  await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: { line, character: column }, end: { line, character: column + 3 } }, text: value }] });
  const p = await done;
  if (p.diagnostics.length) throw new Error(`unexpected diagnostics: ${JSON.stringify(p.diagnostics)}`);
  return performance.now() - start;
}

for (let i = 0; i < 5; i++) await edit(); // warm-up
const times: number[] = [];
for (let i = 0; i < 50; i++) times.push(await edit());
console.log(`didChange → publishDiagnostics on table6.abl: median ${median(times).toFixed(1)} ms, min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms (50 edits; target < 50 ms)`);
const before = rssMiB();
for (let i = 0; i < 1000; i++) await edit();
const after = rssMiB();
console.log(`server RSS over 1,000 more edits: ${before.toFixed(0)} MiB → ${after.toFixed(0)} MiB (${(after - before >= 0 ? '+' : '')}${(after - before).toFixed(0)} MiB)`);
await connection.sendRequest('shutdown');
await connection.sendNotification('exit');
connection.dispose();
