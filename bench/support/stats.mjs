// Order statistics for timing samples: medians and p90 resist the odd slow run that a busy
// 2-core machine produces, where a mean would drift with it.

/** Linear-interpolated quantile of a list of numbers (q from 0 to 1). */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/** Summary in milliseconds of samples given in milliseconds. */
export function summarize(samplesMs) {
  return {
    medianMs: quantile(samplesMs, 0.5),
    p90Ms: quantile(samplesMs, 0.9),
    minMs: Math.min(...samplesMs),
    runs: samplesMs.length,
  };
}

/** A single measurement as a summary, for rows measured once (a big download, a memory peak). */
export function single(value) {
  return { medianMs: value, p90Ms: value, minMs: value, runs: 1 };
}
