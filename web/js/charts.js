// Hand-drawn SVG charts (docs/design/dashboard.md says why no chart library): each returns an
// <svg> element whose numbers are exactly the ones given, nothing smoothed or resampled.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// Bars of `values` (counts) labelled by `labels`, `width` x `height` pixels.
export function barChart(labels, values, { width = 360, height = 180, title = '' } = {}) {
  const svg = el('svg', { width, height, class: 'chart', role: 'img', 'aria-label': title });
  const max = Math.max(1, ...values);
  const pad = 24;
  const w = (width - 2 * pad) / Math.max(1, values.length);
  values.forEach((v, i) => {
    const h = (height - 2 * pad) * (v / max);
    const bar = el('rect', { x: pad + i * w + 1, y: height - pad - h, width: Math.max(1, w - 2),
                             height: h, fill: '#2563eb' });
    bar.append(el('title', {}, `${labels[i]}: ${v}`));
    svg.append(bar);
  });
  svg.append(el('text', { x: pad, y: 14, 'font-size': 12 }, title));
  return svg;
}

// Precision (y) against recall (x), one polyline per class, from the charts route's prCurve.
export function prChart(points, { width = 360, height = 240 } = {}) {
  const svg = el('svg', { width, height, class: 'chart', id: 'pr-chart', role: 'img',
                          'aria-label': 'precision-recall curves' });
  const pad = 30;
  const x = (r) => pad + r * (width - 2 * pad);
  const y = (p) => height - pad - p * (height - 2 * pad);
  svg.append(el('rect', { x: pad, y: pad, width: width - 2 * pad, height: height - 2 * pad,
                          fill: 'none', stroke: '#d0d5dd' }));
  svg.append(el('text', { x: width / 2 - 15, y: height - 8, 'font-size': 11 }, 'recall'));
  svg.append(el('text', { x: 2, y: pad - 8, 'font-size': 11 }, 'precision'));
  const byClass = new Map();
  for (const p of points) {
    if (!byClass.has(p.classLabel)) byClass.set(p.classLabel, []);
    byClass.get(p.classLabel).push(p);
  }
  const colors = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];
  [...byClass.entries()].forEach(([label, pts], i) => {
    const color = colors[i % colors.length];
    const line = el('polyline', { fill: 'none', stroke: color, 'stroke-width': 2, 'data-class': label,
                                  points: pts.map((p) => `${x(p.recall)},${y(p.precision)}`).join(' ') });
    line.append(el('title', {}, label));
    svg.append(line);
    svg.append(el('text', { x: width - pad - 70, y: pad + 14 + 13 * i, 'font-size': 11, fill: color }, label));
  });
  return svg;
}
