// ankipress's TeX-to-SVG renderer: MathJax 3 (mathjax-full) in one long-lived Node process.
//
// Usage: node render.mjs INSTALL_DIR
//   INSTALL_DIR holds node_modules/mathjax-full (installed by ankipress with `npm ci`).
//
// Protocol (JSON lines; see ankipress/render/mathsvg.py):
//   stdin,  one line a batch:  {"formulas": [{"tex": "x_1", "display": false}, ...]}
//   stdout, one line a batch:  {"results": [{"svg": "<svg ...>"} | {"error": "message"}, ...]}
// The process ends when stdin is closed. Nothing else is ever written to stdout.

import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';

// mathjax-full lives in the user's cache, not beside this script: resolve it from there.
const require = createRequire(path.join(path.resolve(process.argv[2]), 'package.json'));
const { mathjax } = require('mathjax-full/js/mathjax.js');
const { TeX } = require('mathjax-full/js/input/tex.js');
const { SVG } = require('mathjax-full/js/output/svg.js');
const { liteAdaptor } = require('mathjax-full/js/adaptors/liteAdaptor.js');
const { RegisterHTMLHandler } = require('mathjax-full/js/handlers/html.js');
require('mathjax-full/js/input/tex/AllPackages.js'); // registers every package's configuration

// Anki's review-time packages (base, ams, mathtools, mhchem, newcommand, configmacros) plus
// every package its `autoload` would bring in on first use (\cancel, \color, \boldsymbol,
// \bbox, \braket, \CD...), loaded eagerly because autoload/require need MathJax's loader.
// Left out on purpose, so that their macros are reported as undefined control sequences:
// noerrors and noundefined, which turn TeX errors into red text; textmacros, which Anki does
// not load; action (\toggle, \mathtip), which needs scripts at review time and crashes here;
// html, whose \href{javascript:...} and \style would put a stranger's script on a card.
const PACKAGES = [
  'base', 'ams', 'amscd', 'bbox', 'boldsymbol', 'braket', 'bussproofs', 'cancel', 'color',
  'configmacros', 'enclose', 'extpfeil', 'mathtools', 'mhchem', 'newcommand', 'unicode', 'verb',
];

const adaptor = liteAdaptor();
// Characters that MathJax's fonts lack (ü, Cyrillic, CJK in \text{}) are drawn as <text> in
// the viewer's serif font, and MathJax asks the DOM how wide they are. This DOM has no fonts
// and answers 0, so such letters would overlap their neighbours: estimate typical serif
// widths instead: 1 em a wide East Asian character, 0.7 a capital, 0.3 a narrow letter (ï),
// 0.5 another, scaled by 0.884 as MathJax draws such text (its x-height, 0.442 em, over the
// 0.5 em of the ex we give it).
const WIDE =
  /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u;
function charWidth(c) {
  if (WIDE.test(c)) return 1;
  if (c !== c.toLowerCase()) return 0.7;
  return /^[ìíîïĩīĭįıĵļľłſ]$/u.test(c) ? 0.3 : 0.5;
}
adaptor.nodeSize = (node) => {
  const chars = Array.from(adaptor.textContent(node));
  return [0.884 * chars.reduce((sum, c) => sum + charWidth(c), 0), 0.8];
};
RegisterHTMLHandler(adaptor);
// fontCache 'none': every glyph is an inline <path>, no <defs>/<use> and no ids, so each
// SVG stands alone and is the same bytes whatever was rendered before it. One output jax
// serves every formula (building one costs more than rendering a formula); all it keeps is
// a cache of the text widths above, which are the same whenever they are asked for.
const output = new SVG({ fontCache: 'none' });

// Attributes that only describe MathJax's internal tree (node kinds, glyph codes, TeX
// classes): nothing reads them on a card, and dropping them keeps cards small. Ids too
// (\tag{1} gives `mjx-eqn:1`): two formulas on one card would repeat them, and with the html
// package left out nothing can refer to them.
const NOISE = / (?:data-(?:mml-node|c|mjx-texclass)|id)="[^"]*"/g;

function escapeAttribute(text) {
  // Tabs and line breaks as references too: an XML parser would turn them into spaces.
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
    .replace(/>/g, '&gt;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function render(tex, display) {
  // A fresh input jax for every formula (about 0.5 ms): \newcommand, \def, \definecolor and
  // \label would otherwise leak into later formulas, making the output depend on the order
  // of rendering, and the cache unsound.
  const input = new TeX({
    packages: PACKAGES,
    // Throw instead of rendering the error as a red <merror> box.
    formatError: (jax, error) => { throw error; },
  });
  output.options.titleID = 0; // a counter for ids of speech titles; none may carry over
  const doc = mathjax.document('', { InputJax: input, OutputJax: output });
  const container = doc.convert(tex, { display, em: 16, ex: 8, containerWidth: 1280 });
  const svg = adaptor.firstChild(container);
  const source = escapeAttribute(tex);
  // The TeX goes into attributes, not a <title> text node: Anki's own MathJax scans text
  // nodes for \[ at review time, and `\\[2pt]` in a title would look like math to it.
  return adaptor.outerHTML(svg).replace(NOISE, '')
    .replace(/^<svg /, `<svg data-tex="${source}" aria-label="${source}" `);
}

function renderOne(formula) {
  try {
    return { svg: render(String(formula.tex), Boolean(formula.display)) };
  } catch (error) {
    // TeX errors (TexError) carry MathJax's message; anything else is a MathJax failure.
    const message = error && error.message ? error.message : String(error);
    return { error: error && error.id !== undefined ? message : `MathJax failed: ${message}` };
  }
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (!line.trim()) return;
  const request = JSON.parse(line);
  const results = request.formulas.map(renderOne);
  process.stdout.write(JSON.stringify({ results }) + '\n');
});
