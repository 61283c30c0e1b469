/* Percentiles and the printed figures of the gateway benchmark. */

/** Nearest-rank percentile of `values` (any order). */
export function pct(values, p) {
  if (!values.length) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export const ms = v => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : 'n/a');
export const signedMs = v =>
  Number.isFinite(v)
    ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)} ms`
    : 'n/a';
export const mib = kib => `${(kib / 1024).toFixed(1)} MiB`;
export const signedMib = kib => `${kib >= 0 ? '+' : '−'}${mib(Math.abs(kib))}`;

export function summary(values) {
  return {
    n: values.length,
    p50: pct(values, 50),
    p99: pct(values, 99),
    max: Math.max(...values),
  };
}

/** "p50 x, p99 y" of one series. */
export const p50p99 = s => `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}`;

/**
 * Prints direct and gateway percentiles and the added latency
 * (gateway − direct, percentile by percentile) against the targets.
 */
export function printComparison(label, direct, gateway, targets = {}) {
  const d = summary(direct);
  console.log(`  ${label}`);
  console.log(`    direct  (${d.n}): ${p50p99(d)}, max ${ms(d.max)}`);
  if (!gateway) {
    console.log('    gateway: not measured (no gateway route)');
    return;
  }
  const g = summary(gateway);
  console.log(`    gateway (${g.n}): ${p50p99(g)}, max ${ms(g.max)}`);
  const target = key => (targets[key] ? `  [target ≤ ${targets[key]} ms]` : '');
  console.log(
    `    added:  p50 ${signedMs(g.p50 - d.p50)}${target('p50')}, p99 ${signedMs(
      g.p99 - d.p99,
    )}${target('p99')}`,
  );
}

export function errorLine(label, errors) {
  const parts = Object.entries(errors)
    .filter(([, n]) => n > 0)
    .map(([what, n]) => `${what} ${n}`);
  return `    ${label} errors: ${parts.length ? parts.join(', ') : 'none'}`;
}
