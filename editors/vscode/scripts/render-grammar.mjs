// Renders a sample .abl file with the extension's TextMate grammar (vscode-textmate +
// vscode-oniguruma, the engine VS Code uses) in VS Code's Dark+ colours, as HTML; with
// `--png`, headless Chromium turns it into screenshot/grammar.png. Not a VS Code window:
// no VS Code can run here, so the README's screenshot is this rendering.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tokenize } from './tokenize.mjs';

const here = new URL('..', import.meta.url);
const sample = process.argv.find((a) => a.endsWith('.abl')) ?? new URL('../../experiments/paper/common.abl', here).pathname;

// Dark+ colours by scope prefix (longest prefix wins).
const colours = [
  ['comment', '#6A9955'], ['string', '#CE9178'], ['constant.numeric', '#B5CEA8'], ['constant.language', '#569CD6'],
  ['keyword.other.unit', '#4EC9B0'], ['keyword', '#C586C0'], ['storage', '#569CD6'], ['entity.name.type', '#4EC9B0'],
  ['entity.other.inherited-class', '#4EC9B0'], ['support.type', '#4EC9B0'], ['variable.other.property', '#9CDCFE'], ['support.function', '#DCDCAA'],
  ['support.constant', '#4FC1FF'], ['variable', '#D4D4D4'],
];
const colourOf = (scopes) => {
  for (const scope of [...scopes].reverse()) {
    const hit = colours.filter(([p]) => scope.startsWith(p)).sort((a, b) => b[0].length - a[0].length)[0];
    if (hit) return hit[1];
  }
  return '#D4D4D4';
};
const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const lines = (await tokenize(readFileSync(sample, 'utf8'))).slice(28, 72);
const html = lines.map((tokens) => tokens.map((t) => `<span style="color:${colourOf(t.scopes)}">${escape(t.text)}</span>`).join(''));
const page = `<!doctype html><html><body style="margin:0;background:#1E1E1E"><pre style="font:14px/1.45 'DejaVu Sans Mono',monospace;padding:12px;margin:0;color:#D4D4D4">${html.join('\n')}</pre></body></html>`;
mkdirSync(new URL('screenshot/', here), { recursive: true });
const out = new URL('screenshot/grammar.html', here).pathname;
writeFileSync(out, page);
if (process.argv.includes('--png')) {
  execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', `--screenshot=${new URL('screenshot/grammar.png', here).pathname}`, '--window-size=900,950', `file://${out}`], { stdio: 'inherit' });
}
