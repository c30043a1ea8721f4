// The voter page's size budget: the JavaScript a phone downloads to vote (the entry script and
// what index.html preloads with it, gzipped as the wire carries it) stays at most 50 KB. A size,
// not a timing: organizer code belongs in lazily loaded chunks, which this does not count.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildWebAppIfStale, WEB_ROOT } from '@canvass/launcher';

const BUDGET_BYTES = 50 * 1024;

/** The scripts index.html makes every page load: module scripts and modulepreload links. */
function scriptsOf(html: string): string[] {
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((match) => match[1]!);
  const preloads = [...html.matchAll(/<link\b[^>]*>/g)]
    .map((match) => match[0])
    .filter((tag) => /\brel="modulepreload"/.test(tag))
    .map((tag) => /\bhref="([^"]+)"/.exec(tag)?.[1])
    .filter((href): href is string => href !== undefined);
  return [...new Set([...scripts, ...preloads])];
}

test('the voter page loads at most 50 KB of gzipped JavaScript', async () => {
  buildWebAppIfStale();
  const html = await readFile(join(WEB_ROOT, 'index.html'), 'utf8');
  const scripts = scriptsOf(html);
  assert.ok(scripts.length > 0, 'index.html names its scripts');
  const sizes = await Promise.all(
    scripts.map(async (src) => {
      assert.match(src, /^\/assets\//, 'scripts come from the built assets');
      return gzipSync(await readFile(join(WEB_ROOT, src))).length;
    }),
  );
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const listed = scripts.map((src, i) => `${src}: ${(sizes[i]! / 1024).toFixed(1)} KB`).join(', ');
  process.stdout.write(`voter page JavaScript, gzipped: ${(total / 1024).toFixed(1)} KB (${listed})\n`);
  assert.ok(total <= BUDGET_BYTES, `${(total / 1024).toFixed(1)} KB is over the 50 KB budget: ${listed}`);
});

test('the budget counts module scripts and modulepreload links', () => {
  const html = `<script type="module" crossorigin src="/assets/index-a.js"></script>
    <link rel="modulepreload" crossorigin href="/assets/vendor-b.js">
    <link rel="stylesheet" crossorigin href="/assets/index-c.css">`;
  assert.deepEqual(scriptsOf(html), ['/assets/index-a.js', '/assets/vendor-b.js']);
});
