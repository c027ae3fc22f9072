// Tokenises .abl text with the extension's TextMate grammar through vscode-textmate and
// vscode-oniguruma, the engine VS Code itself uses: shared by the renderer
// (render-grammar.mjs) and the grammar test (test/editors/vscode-grammar.test.ts).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vsctm from 'vscode-textmate';
import oniguruma from 'vscode-oniguruma';

const require = createRequire(import.meta.url);
const grammarFile = new URL('../syntaxes/ablate.tmLanguage.json', import.meta.url);
let loaded;

/** The grammar `source.ablate`, loaded once. */
export function loadGrammar() {
  loaded ??= (async () => {
    await oniguruma.loadWASM(readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer);
    const registry = new vsctm.Registry({
      onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
      loadGrammar: async () => vsctm.parseRawGrammar(readFileSync(grammarFile, 'utf8'), 'ablate.tmLanguage.json'),
    });
    return registry.loadGrammar('source.ablate');
  })();
  return loaded;
}

/** Per line of `text`: its tokens as { text, scopes } (scopes outermost first). */
export async function tokenize(text) {
  const grammar = await loadGrammar();
  let state = vsctm.INITIAL;
  return text.split('\n').map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}
