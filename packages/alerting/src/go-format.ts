// Numbers printed as Prometheus' Go templates print them: `{{ $value }}` is Go's %v of a float64
// (1e+06, 0.05), and humanize, humanizeDuration and humanizePercentage use %.4g.

/** Go's strconv 'g' formatting: shortest round-trip digits when `precision` is undefined. */
export function formatGoFloat(value: number, precision?: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const magnitude = Math.abs(value);
  if (magnitude === 0) return `${sign}0`;
  const shortest = precision === undefined;
  const [mantissa, exponent] = (
    shortest ? magnitude.toExponential() : magnitude.toExponential(precision - 1)
  ).split('e') as [string, string];
  // Go's rounded decimal has no trailing zeros.
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  const nd = digits.length;
  const dp = Number(exponent) + 1;
  let prec = shortest ? nd : Math.max(precision, 1);
  let eprec = prec;
  if (eprec > nd && nd >= dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > nd) prec = nd;
    const fraction = digits.slice(1, prec).padEnd(prec - 1, '0');
    const expSign = exp < 0 ? '-' : '+';
    const expDigits = String(Math.abs(exp)).padStart(2, '0');
    return `${sign}${digits[0]}${fraction ? `.${fraction}` : ''}e${expSign}${expDigits}`;
  }
  if (prec > dp) prec = nd;
  const decimals = Math.max(prec - dp, 0);
  let integer = '0';
  if (dp > 0) integer = digits.slice(0, dp).padEnd(dp, '0');
  let fraction = '';
  for (let i = 1; i <= decimals; i++) {
    const j = dp + i - 1;
    fraction += j >= 0 && j < nd ? digits[j] : '0';
  }
  return `${sign}${integer}${fraction ? `.${fraction}` : ''}`;
}

/** Prometheus' `humanize`: 1.235k, 12.5M, 3.3m (SI prefixes, 4 significant digits). */
export function humanize(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return formatGoFloat(value, 4);
  let v = value;
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return `${formatGoFloat(v, 4)}${prefix}`;
  }
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${formatGoFloat(v, 4)}${prefix}`;
}

/** Prometheus' `humanizeDuration`: seconds as `1d 2h 3m 4s`, `4m 0s`, `1.5s`, `250ms`. */
export function humanizeDuration(value: number): string {
  if (!Number.isFinite(value)) return formatGoFloat(value, 4);
  if (value === 0) return `${formatGoFloat(value, 4)}s`;
  if (Math.abs(value) >= 1) {
    const sign = value < 0 ? '-' : '';
    const v = Math.abs(value);
    const whole = Math.trunc(v);
    const seconds = whole % 60;
    const minutes = Math.trunc(whole / 60) % 60;
    const hours = Math.trunc(whole / 3600) % 24;
    const days = Math.trunc(whole / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${formatGoFloat(v, 4)}s`;
  }
  let v = value;
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${formatGoFloat(v, 4)}${prefix}s`;
}

/** Prometheus' `humanizePercentage`: 0.0512 → `5.12%`. */
export function humanizePercentage(value: number): string {
  return `${formatGoFloat(value * 100, 4)}%`;
}
