// Small server-side SVG charts (no charting library is installed): line, horizontal bar and
// heat-map charts with clean axes, nice ticks and escaped text, returned as strings.

/** Escapes text for XML/HTML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Compact number for labels: up to 4 significant digits, thousands separated, no "-0". */
export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(2);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  return String(Number(v.toPrecision(digits)));
}

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function frame(width: number, height: number, left = 56): Frame {
  return { width, height, left, right: 16, top: 34, bottom: 46 };
}

function open(f: Frame, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${esc(title)}" font-family="system-ui, sans-serif" font-size="11"><title>${esc(title)}</title><text x="${f.width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600">${esc(title)}</text>`;
}

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly (number | null)[];
  /** Draw as steps (for best-so-far histories). */
  step?: boolean;
  /** Markers only, no line. */
  pointsOnly?: boolean;
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** A dashed y = x reference line (ROC chance, perfect calibration). */
  diagonal?: boolean;
  width?: number;
  height?: number;
}

function domainOf(values: number[], fallback: [number, number]): [number, number] {
  const v = values.filter((x) => Number.isFinite(x));
  if (!v.length) return fallback;
  let lo = Math.min(...v);
  let hi = Math.max(...v);
  if (lo === hi) {
    lo -= Math.abs(lo) * 0.1 || 1;
    hi += Math.abs(hi) * 0.1 || 1;
  }
  const pad = (hi - lo) * 0.04;
  return [lo - pad, hi + pad];
}

function axes(f: Frame, xd: [number, number], yd: [number, number], xLabel: string, yLabel: string, sx: (v: number) => number, sy: (v: number) => number): string {
  const parts: string[] = [];
  const x0 = f.left;
  const x1 = f.width - f.right;
  const y0 = f.height - f.bottom;
  const y1 = f.top;
  for (const t of niceTicks(yd[0], yd[1])) {
    const y = sy(t);
    parts.push(`<line x1="${x0}" y1="${r2(y)}" x2="${x1}" y2="${r2(y)}" stroke="#e5e5e5"/><text x="${x0 - 6}" y="${r2(y + 3.5)}" text-anchor="end" fill="#444">${esc(fmt(t))}</text>`);
  }
  for (const t of niceTicks(xd[0], xd[1])) {
    const x = sx(t);
    parts.push(`<line x1="${r2(x)}" y1="${y0}" x2="${r2(x)}" y2="${y0 + 4}" stroke="#444"/><text x="${r2(x)}" y="${y0 + 16}" text-anchor="middle" fill="#444">${esc(fmt(t))}</text>`);
  }
  parts.push(`<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#444"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#444"/>`);
  parts.push(`<text x="${(x0 + x1) / 2}" y="${f.height - 8}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return parts.join("");
}

const r2 = (v: number): string => String(Math.round(v * 100) / 100);

export function lineChart(o: LineChartOptions): string {
  const f = frame(o.width ?? 420, o.height ?? 320);
  const xd = o.xDomain ?? domainOf(o.series.flatMap((s) => [...s.x]), [0, 1]);
  const yd = o.yDomain ?? domainOf(o.series.flatMap((s) => s.y.filter((v): v is number => v !== null)), [0, 1]);
  const sx = (v: number): number => f.left + ((v - xd[0]) / (xd[1] - xd[0])) * (f.width - f.left - f.right);
  const sy = (v: number): number => f.height - f.bottom - ((v - yd[0]) / (yd[1] - yd[0])) * (f.height - f.top - f.bottom);
  const parts = [open(f, o.title), axes(f, xd, yd, o.xLabel, o.yLabel, sx, sy)];
  if (o.diagonal) {
    const lo = Math.max(xd[0], yd[0]);
    const hi = Math.min(xd[1], yd[1]);
    parts.push(`<line x1="${r2(sx(lo))}" y1="${r2(sy(lo))}" x2="${r2(sx(hi))}" y2="${r2(sy(hi))}" stroke="#999" stroke-dasharray="4 4"/>`);
  }
  o.series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    const pts: string[] = [];
    for (let i = 0; i < s.x.length; i++) {
      const y = s.y[i];
      if (y === null || y === undefined || !Number.isFinite(y)) continue;
      if (s.step && pts.length) pts.push(`${r2(sx(s.x[i]!))},${pts[pts.length - 1]!.split(",")[1]}`);
      pts.push(`${r2(sx(s.x[i]!))},${r2(sy(y))}`);
    }
    if (s.pointsOnly) {
      for (const p of pts) {
        const [x, y] = p.split(",");
        parts.push(`<circle cx="${x}" cy="${y}" r="2.5" fill="${color}" fill-opacity="0.7"/>`);
      }
    } else if (pts.length) {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ""} points="${pts.join(" ")}"/>`);
    }
  });
  // Legend, top-right inside the plot, only when there is more than one series to tell apart.
  if (o.series.length > 1) {
    const lx = f.width - f.right - 8 - 6.2 * Math.max(...o.series.map((s) => s.name.length)) - 14;
    o.series.forEach((s, k) => {
      const y = f.top + 10 + k * 15;
      parts.push(`<rect x="${r2(lx)}" y="${y - 8}" width="10" height="10" fill="${PALETTE[k % PALETTE.length]}"/><text x="${r2(lx + 14)}" y="${y + 1}">${esc(s.name)}</text>`);
    });
  }
  parts.push("</svg>");
  return parts.join("");
}

export interface BarChartOptions {
  title: string;
  labels: readonly string[];
  values: readonly number[];
  /** Optional ± error per bar (e.g. the std of permutation repeats). */
  errors?: readonly number[];
  xLabel: string;
  width?: number;
}

/** Horizontal bars, one row per label in the given order; negative values extend left of zero. */
export function barChart(o: BarChartOptions): string {
  const labelWidth = Math.min(240, 12 + 6.2 * Math.max(4, ...o.labels.map((l) => l.length)));
  const rowH = 18;
  const f = frame(Math.max(o.width ?? 520, labelWidth + 240), 34 + 46 + rowH * Math.max(1, o.labels.length), labelWidth);
  const vals = o.values.map((v, i) => [v - (o.errors?.[i] ?? 0), v + (o.errors?.[i] ?? 0)]).flat();
  const lo = Math.min(0, ...vals.filter(Number.isFinite));
  const hi = Math.max(0, ...vals.filter(Number.isFinite));
  const xd: [number, number] = hi > lo ? [lo, hi] : [0, 1];
  const sx = (v: number): number => f.left + ((v - xd[0]) / (xd[1] - xd[0])) * (f.width - f.left - f.right);
  const parts = [open(f, o.title)];
  const y0 = f.height - f.bottom;
  for (const t of niceTicks(xd[0], xd[1])) {
    const x = sx(t);
    parts.push(`<line x1="${r2(x)}" y1="${f.top}" x2="${r2(x)}" y2="${y0}" stroke="#e5e5e5"/><text x="${r2(x)}" y="${y0 + 16}" text-anchor="middle" fill="#444">${esc(fmt(t))}</text>`);
  }
  o.labels.forEach((label, i) => {
    const v = o.values[i]!;
    const y = f.top + i * rowH;
    const a = sx(Math.min(0, v));
    const b = sx(Math.max(0, v));
    parts.push(`<text x="${f.left - 6}" y="${y + 12.5}" text-anchor="end">${esc(label)}</text>`);
    if (Number.isFinite(v)) parts.push(`<rect x="${r2(a)}" y="${y + 3}" width="${r2(Math.max(0.5, b - a))}" height="${rowH - 6}" fill="${PALETTE[0]}"><title>${esc(`${label}: ${fmt(v)}`)}</title></rect>`);
    const e = o.errors?.[i];
    if (e && Number.isFinite(e) && Number.isFinite(v)) parts.push(`<line x1="${r2(sx(v - e))}" y1="${y + rowH / 2}" x2="${r2(sx(v + e))}" y2="${y + rowH / 2}" stroke="#222"/>`);
  });
  parts.push(`<line x1="${r2(sx(0))}" y1="${f.top}" x2="${r2(sx(0))}" y2="${y0}" stroke="#444"/>`);
  parts.push(`<text x="${(f.left + f.width - f.right) / 2}" y="${f.height - 8}" text-anchor="middle">${esc(o.xLabel)}</text></svg>`);
  return parts.join("");
}

export interface HeatmapOptions {
  title: string;
  rowLabels: readonly string[];
  colLabels: readonly string[];
  values: readonly (readonly number[])[];
  xLabel: string;
  yLabel: string;
}

/** A labelled grid shaded by value (row-normalised shading, raw counts printed). */
export function heatmap(o: HeatmapOptions): string {
  const k = Math.max(o.rowLabels.length, o.colLabels.length);
  const cell = Math.max(28, Math.min(64, Math.floor(320 / Math.max(1, k))));
  const labelW = Math.min(140, 16 + 6.2 * Math.max(3, ...o.rowLabels.map((l) => l.length)));
  const f = frame(labelW + 30 + cell * o.colLabels.length + 16, 34 + 24 + cell * o.rowLabels.length + 40, labelW + 30);
  const parts = [open(f, o.title)];
  const top = f.top + 20;
  o.colLabels.forEach((c, j) => parts.push(`<text x="${f.left + j * cell + cell / 2}" y="${top - 6}" text-anchor="middle">${esc(c)}</text>`));
  o.values.forEach((row, i) => {
    const max = Math.max(...row, 0) || 1;
    parts.push(`<text x="${f.left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${esc(o.rowLabels[i] ?? "")}</text>`);
    row.forEach((v, j) => {
      const t = v / max;
      const shade = Math.round(255 - t * 180);
      parts.push(
        `<rect x="${f.left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="rgb(${shade},${Math.round(255 - t * 120)},255)" stroke="#fff"/><text x="${f.left + j * cell + cell / 2}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle" fill="${t > 0.6 ? "#fff" : "#111"}">${esc(fmt(v))}</text>`,
      );
    });
  });
  parts.push(`<text x="${f.left + (cell * o.colLabels.length) / 2}" y="${f.height - 8}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${top + (cell * o.rowLabels.length) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text></svg>`);
  return parts.join("");
}
