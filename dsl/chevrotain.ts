/**
 * Chevrotain, loaded from its single-file ESM bundle.
 *
 * The package's `exports` entry (`lib/src/api.js`) pulls in lodash-es one module at a time:
 * about 0.5 s of start-up on every `ablate` invocation, most of `ablate check`'s wall time.
 * The bundle (`lib/chevrotain.mjs`, shipped in the same package and version) is the same code
 * in one file and loads in ~50 ms. It is not listed in `exports`, so it is located next to
 * the resolved entry and imported by URL. Types still come from the package.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Chevrotain = typeof import('chevrotain');

async function load(): Promise<Chevrotain> {
  const entry = createRequire(import.meta.url).resolve('chevrotain'); // …/chevrotain/lib/src/api.js
  try {
    return (await import(pathToFileURL(join(dirname(entry), '..', 'chevrotain.mjs')).href)) as Chevrotain;
  } catch {
    return import('chevrotain'); // a future layout without the bundle: same API, slower start
  }
}

const chevrotain = await load();

/**
 * Chevrotain checks a grammar (ambiguities, left recursion, token patterns) each time a
 * parser or lexer is built: ~40 ms of every start for a grammar that only changes with
 * the sources. The checks run under the test suite (vitest sets VITEST) or with
 * ABLATE_VALIDATE_GRAMMAR=1; the command skips them. A config that sets
 * `skipValidations` itself wins.
 */
const validateGrammar = process.env.VITEST !== undefined || process.env.ABLATE_VALIDATE_GRAMMAR === '1';

class Lexer extends chevrotain.Lexer {
  constructor(...[definition, config]: ConstructorParameters<Chevrotain['Lexer']>) {
    super(definition, { skipValidations: !validateGrammar, ...config });
  }
}

abstract class CstParser extends chevrotain.CstParser {
  constructor(...[tokens, config]: ConstructorParameters<Chevrotain['CstParser']>) {
    super(tokens, { skipValidations: !validateGrammar, ...config });
  }
}

export { Lexer, CstParser };
export const { createToken, EOF, tokenMatcher, generateCstDts } = chevrotain;
export type {
  CstNode,
  CustomPatternMatcherFunc,
  DSLMethodOpts,
  ILexingError,
  IOrAlt,
  IParserErrorMessageProvider,
  IRecognitionException,
  IToken,
  OrMethodOpts,
  TokenType,
} from 'chevrotain';
