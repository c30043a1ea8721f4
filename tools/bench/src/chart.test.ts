import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChartData, renderChart } from './chart.ts';

/** Tags open and close in order; text and attributes hold no raw `<` and only known entities. */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let match = tag.exec(svg); match; match = tag.exec(svg)) {
    const between = svg.slice(last, match.index);
    assert.doesNotMatch(between, /</, `raw < before ${match[0]}`);
    assert.doesNotMatch(between, /&(?!(amp|lt|gt|quot|apos);)/, `raw & before ${match[0]}`);
    assert.doesNotMatch(match[3] ?? '', /&(?!(amp|lt|gt|quot|apos);)/, `raw & in ${match[0]}`);
    const [, closing, name, , selfClosing] = match;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes something else`);
    else if (!selfClosing) stack.push(name!);
    last = tag.lastIndex;
  }
  assert.equal(svg.slice(last).trim(), '', 'text after the last tag');
  assert.deepEqual(stack, [], 'tags left open');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
}

const data: ChartData = {
  title: 'Canvass <bench> & "ceilings"',
  throughput: [
    { label: 'node:http hello world', perSecond: 27_563.4, group: 'HTTP' },
    { label: 'bare undici proxy', perSecond: 9_120, ratio: 0.331, group: 'HTTP' },
    { label: 'votes <one poll> & co', perSecond: 1_119, ratio: 0.0406, group: 'votes' },
    { label: 'rows, 500 per INSERT', perSecond: 151_000, group: 'PostgreSQL' },
  ],
  latency: [
    { label: 'bare undici proxy', p50Ms: 1, p99Ms: 15 },
    { label: 'votes via gateway', p50Ms: 52, p99Ms: 159, p999Ms: 412.6 },
  ],
};

test('the chart is well-formed SVG with every label and value, escaped', () => {
  const svg = renderChart(data);
  assertWellFormed(svg);
  for (const label of [
    'node:http hello world',
    'bare undici proxy',
    'votes &lt;one poll&gt; &amp; co',
    'rows, 500 per INSERT',
    'votes via gateway',
    'Canvass &lt;bench&gt; &amp; &quot;ceilings&quot;',
  ]) {
    assert.ok(svg.includes(`>${label}</`), `label ${label}`);
  }
  for (const value of ['27,563/s', '9,120/s', '1,119/s', '151,000/s', '0.33× baseline', '0.04× baseline']) {
    assert.ok(svg.includes(value), `value ${value}`);
  }
  for (const value of ['p50 1 ms', 'p99 15 ms', 'p50 52 ms', 'p99 159 ms', 'p99.9 413 ms']) {
    assert.ok(svg.includes(value), `latency ${value}`);
  }
  assert.match(svg, /log scale/, 'a wide range of values is drawn on a log scale');
  assert.match(svg, /p99\.9/, 'the legend names p99.9 when a measure has it');
});

test('empty lists render a chart that says so', () => {
  const svg = renderChart({ title: 'Nothing yet', throughput: [], latency: [] });
  assertWellFormed(svg);
  assert.equal(svg.match(/No measures\./g)?.length, 2);
  assert.ok(svg.includes('>Nothing yet</'));
});

test('bars of zero, odd and narrow ranges still render', () => {
  const svg = renderChart({
    title: 't',
    throughput: [
      { label: 'a', perSecond: 0 },
      { label: 'b', perSecond: 100 },
      { label: 'c', perSecond: 120 },
    ],
    latency: [{ label: 'l', p50Ms: 0, p99Ms: 0.4 }],
  });
  assertWellFormed(svg);
  assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
  assert.ok(svg.includes('>0/s<') && svg.includes('>120/s<'));
});
