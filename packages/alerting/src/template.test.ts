import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TemplateError } from './errors.ts';
import { formatGoFloat } from './go-format.ts';
import { compileTemplate } from './template.ts';

test('$labels and $value print as Prometheus prints them', () => {
  const render = compileTemplate(
    '{{ $labels.consumer }} ({{$labels.service}}) has {{ $value }} events{{ $labels.none }}',
  );
  assert.equal(
    render({ labels: { consumer: 'analytics-tallies', service: 'analytics' }, value: 6000 }),
    'analytics-tallies (analytics) has 6000 events',
  );
  assert.equal(
    compileTemplate('{{ .Value }} {{ .Labels.a }}')({ labels: { a: 'b' }, value: 0.05 }),
    '0.05 b',
  );
  assert.equal(compileTemplate('no actions')({ labels: {}, value: 1 }), 'no actions');
  assert.equal(compileTemplate('a  {{- $value -}}  b')({ labels: {}, value: 2 }), 'a2b');
});

test('humanizeDuration, humanizePercentage and humanize, piped or called', () => {
  const data = (value: number) => ({ labels: {}, value });
  assert.equal(compileTemplate('{{ $value | humanizeDuration }}')(data(240)), '4m 0s');
  assert.equal(compileTemplate('{{ $value | humanizeDuration }}')(data(90061)), '1d 1h 1m 1s');
  assert.equal(compileTemplate('{{ $value | humanizeDuration }}')(data(0.25)), '250ms');
  assert.equal(compileTemplate('{{ $value | humanizePercentage }}')(data(0.05)), '5%');
  assert.equal(compileTemplate('{{ humanizePercentage $value }}')(data(0.005)), '0.5%');
  assert.equal(compileTemplate('{{ $value | humanizePercentage }}')(data(0.123456)), '12.35%');
  assert.equal(compileTemplate('{{ $value | humanize }}')(data(1234567)), '1.235M');
});

test("Go's %v and %.4g", () => {
  assert.equal(formatGoFloat(1e6), '1e+06');
  assert.equal(formatGoFloat(123456), '123456');
  assert.equal(formatGoFloat(0.00001), '1e-05');
  assert.equal(formatGoFloat(Number.NaN), 'NaN');
  assert.equal(formatGoFloat(Number.POSITIVE_INFINITY), '+Inf');
  assert.equal(formatGoFloat(12345, 4), '1.235e+04');
  assert.equal(formatGoFloat(20.000000000000004, 4), '20');
});

test('what the subset does not cover is refused when the template is compiled', () => {
  for (const text of [
    '{{ range $labels }}x{{ end }}',
    '{{ $value | title }}',
    '{{ printf "%.2f" $value }}',
    '{{ $externalLabels.cluster }}',
    '{{ $value ',
  ]) {
    assert.throws(() => compileTemplate(text), TemplateError, text);
  }
});

test('a value a function cannot take shows in the text, as in Prometheus', () => {
  const render = compileTemplate('{{ $labels.a | humanize }}');
  assert.match(render({ labels: { a: 'x' }, value: 1 }), /^<error expanding template: /);
});
