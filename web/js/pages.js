// The dashboard's pages. Each reads the API through api.js only and shows its numbers as the API
// answers them (no number is recomputed here). `live()` is false once the user navigated away.
import { get, post, signIn } from './api.js';
import { barChart, prChart } from './charts.js';

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'style') e.style.cssText = v;  // CSSOM: the policy refuses style attributes
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : String(c));
  return e;
}

function table(headers, rows, numeric = []) {
  const head = h('tr', {}, ...headers.map((t, i) => h('th', numeric[i] ? { class: 'num' } : {}, t)));
  const body = rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', numeric[i] ? { class: 'num' } : {}, c))));
  return h('table', {}, h('thead', {}, head), h('tbody', {}, ...body));
}

const link = (href, text) => h('a', { href }, text);

// ---- Sign-in ---------------------------------------------------------------------------------

export async function signInPage(main) {
  const input = h('input', { type: 'password', id: 'api-key', autocomplete: 'off',
                             placeholder: 'API key', required: '' });
  const error = h('p', { class: 'error', id: 'signin-error' });
  const form = h('form', { class: 'signin', id: 'signin' },
                 h('h1', {}, 'Sign in'),
                 h('label', { for: 'api-key' }, 'API key (from nucleus keys create)'), input,
                 h('button', { type: 'submit' }, 'Sign in'), error,
                 h('p', { class: 'muted' }, 'The key is kept for this browser tab only.'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    try {
      await signIn(input.value.trim());
    } catch (e) {
      error.textContent = e.status === 401 ? 'This API key is not valid.' : e.message;
      return;
    }
    const after = sessionStorage.getItem('nucleus.after') || '#/datasets';
    sessionStorage.removeItem('nucleus.after');
    location.hash = after === '#/signin' ? '#/datasets' : after;
  });
  main.append(form);
  input.focus();
}

// ---- Datasets --------------------------------------------------------------------------------

export async function datasetsPage(main, live) {
  const list = await get('dataset/details');
  if (!live()) return;
  main.append(h('h1', {}, 'Datasets'));
  if (list.length === 0) {
    main.append(h('p', { class: 'muted', id: 'no-datasets' }, 'No datasets yet.'));
    return;
  }
  // Counts come from each dataset's info (the route the client's Dataset.info() reads).
  const infos = await Promise.all(list.map((d) => get(`dataset/${encodeURIComponent(d.id)}/info`)));
  if (!live()) return;
  const rows = list.map((d, i) => [link(`#/dataset/${encodeURIComponent(d.id)}`, d.name), d.id,
                                   infos[i].length, infos[i].model_run_ids.length,
                                   link(`#/dataset/${encodeURIComponent(d.id)}/slices`, String(infos[i].slice_ids.length))]);
  const t = table(['name', 'id', 'items', 'runs', 'slices'], rows, [0, 0, 1, 1, 1]);
  t.id = 'datasets';
  main.append(t);
}

// ---- Item grid -------------------------------------------------------------------------------

const CELL = 150;
const PAGE = 500;

// A virtualised grid: only the cells in (or near) view exist in the DOM; items are read in pages
// of PAGE from a position (dashboard/dataset/{ds}/items?index=), only the pages the scroll
// position needs: a jump to item 99,000 reads one page, not the 99,000 items before it.
export async function itemGridPage(main, ds, live) {
  const info = await get(`dataset/${encodeURIComponent(ds)}/info`);
  if (!live()) return;
  const total = info.length;
  main.append(h('h1', {}, info.name, ' ', h('span', { class: 'muted' }, `${total} items`), ' ',
                link(`#/dataset/${encodeURIComponent(ds)}/slices`, `${info.slice_ids.length} slices`)));
  const scroll = h('div', { class: 'grid-scroll', id: 'grid', tabindex: '0' });
  const spacer = h('div', { style: 'height:0' });
  scroll.append(spacer);
  main.append(scroll);
  const items = [];  // sparse: items[i] once its page has been read
  const pages = new Map();  // page number -> its read (a promise), so each page is read once
  // Reads the pages of [first, last) not read yet; null when there are none (nothing to wait for).
  function loadRange(first, last) {
    const reads = [];
    for (let p = Math.floor(first / PAGE); p * PAGE < last; p++) {
      if (pages.has(p)) continue;
      pages.set(p, get(`dashboard/dataset/${encodeURIComponent(ds)}/items?index=${p * PAGE}&pageSize=${PAGE}`)
        .then((page) => { page.items.forEach((it, k) => { items[p * PAGE + k] = it; }); }));
      reads.push(pages.get(p));
    }
    return reads.length ? Promise.all(reads) : null;
  }
  const cells = new Map();
  function draw() {
    const cols = Math.max(1, Math.floor(scroll.clientWidth / CELL));
    spacer.style.height = `${Math.ceil(total / cols) * CELL}px`;
    const first = Math.max(0, Math.floor(scroll.scrollTop / CELL) - 2) * cols;
    const last = Math.min(total, (Math.ceil((scroll.scrollTop + scroll.clientHeight) / CELL) + 2) * cols);
    for (const [i, cell] of cells) {
      if (i < first || i >= last) { cell.remove(); cells.delete(i); }
    }
    let missing = false;
    for (let i = first; i < last; i++) {
      if (cells.has(i)) continue;
      const it = items[i];
      if (!it) { missing = true; continue; }
      const cell = h('a', { class: 'grid-cell', href: `#/dataset/${encodeURIComponent(ds)}/item/${i}`,
                            style: `left:${(i % cols) * CELL}px;top:${Math.floor(i / cols) * CELL}px`,
                            'data-index': i },
                     it.image_url ? h('img', { src: it.image_url, loading: 'lazy', alt: '' }) : '',
                     h('div', {}, it.reference_id));
      cells.set(i, cell);
      scroll.append(cell);
    }
    const reading = missing && loadRange(first, last);
    if (reading) reading.then(() => live() && draw());
  }
  scroll.addEventListener('scroll', () => requestAnimationFrame(draw));
  window.addEventListener('resize', () => live() && draw());
  await (loadRange(0, Math.min(total, PAGE)) || Promise.resolve());
  if (!live()) return;
  draw();
  scroll.dataset.ready = '1';
}

// ---- Item view -------------------------------------------------------------------------------

const GT = '#16a34a';
const PRED = '#dc2626';

function loadImage(url) {
  return new Promise((resolve) => {
    if (!url) { resolve(null); return; }
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => resolve(null);
    img.src = url;
  });
}

// Every object of an annotations answer ({"box": [...], "polygon": [...], ...}) in one list.
// A segmentation is one object (or a list of them) whose mask is a PNG of class indices.
function objectsOf(groups) {
  const out = [];
  for (const [kind, list] of Object.entries(groups || {})) {
    const objects = Array.isArray(list) ? list : list && typeof list === 'object' ? [list] : [];
    for (const o of objects) {
      const mask = o.stored_mask_url || o.mask_url;
      const label = o.label ?? (o.annotations || []).map((a) => a.label).join(', ');
      out.push({ ...o, type: kind === 'segmentation' ? 'segmentation' : o.type || kind, label,
                 mask_url: mask });
    }
  }
  return out;
}

// The mask's non-zero pixels in `color`, the rest transparent, as a canvas to draw over the image.
function tintedMask(img, color) {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const pixels = g.getImageData(0, 0, c.width, c.height);
  const [r, gr, b] = [1, 3, 5].map((k) => parseInt(color.slice(k, k + 2), 16));
  for (let p = 0; p < pixels.data.length; p += 4) {
    const on = pixels.data[p] || pixels.data[p + 1] || pixels.data[p + 2];
    pixels.data.set(on ? [r, gr, b, 140] : [0, 0, 0, 0], p);
  }
  g.putImageData(pixels, 0, 0);
  return c;
}

function drawObject(g, o, color, masks) {
  g.strokeStyle = color;
  g.fillStyle = color;
  g.lineWidth = 2;
  const geo = o.geometry || {};
  if (o.type === 'box') {
    g.strokeRect(geo.x, geo.y, geo.width, geo.height);
  } else if (o.type === 'polygon' || o.type === 'line') {
    g.beginPath();
    (geo.vertices || []).forEach((v, i) => (i ? g.lineTo(v.x, v.y) : g.moveTo(v.x, v.y)));
    if (o.type === 'polygon') g.closePath();
    g.stroke();
  } else if (o.type === 'keypoints') {
    for (const k of geo.keypoints || []) {
      if (k.visible === false) continue;
      g.beginPath();
      g.arc(k.x, k.y, 3, 0, 2 * Math.PI);
      g.fill();
    }
  } else if ((o.type === 'segmentation' || o.type === 'mask') && o.mask_url && masks.has(o.mask_url)) {
    const key = `${o.mask_url} ${color}`;
    if (!masks.has(key)) masks.set(key, tintedMask(masks.get(o.mask_url), color));
    g.drawImage(masks.get(key), 0, 0);
  }
}

// One item with its ground truth (green) and, per selected run, its predictions (red), label
// filter and confidence threshold; ArrowLeft / ArrowRight go to the previous / next item (with
// the selected run's predictions, if one is selected).
export async function itemPage(main, ds, index, live) {
  return itemWithRunPage(main, ds, index, '', live);
}

export async function itemWithRunPage(main, ds, index, run, live) {
  const i = Number(index);
  const dsPath = `dataset/${encodeURIComponent(ds)}`;
  const [info, answer] = await Promise.all([get(`${dsPath}/info`), get(`${dsPath}/iloc/${i}`)]);
  if (!live()) return;
  await showItem(main, ds, info, answer, { index: i, run, predictions: (r) => `modelRun/${r}/iloc/${i}` }, live);
}

// The same view for an item addressed by id, with a run's predictions shown (the run page's
// example browser links here); its position (dashboard/dataset/{ds}/position/{di}) gives it
// previous / next like the positional view.
export async function itemByIdPage(main, ds, di, run, live) {
  const dsPath = `dataset/${encodeURIComponent(ds)}`;
  const [info, answer, at] = await Promise.all([
    get(`${dsPath}/info`), get(`${dsPath}/loc/${encodeURIComponent(di)}`),
    get(`dashboard/${dsPath}/position/${encodeURIComponent(di)}`)]);
  if (!live()) return;
  await showItem(main, ds, info, answer,
                 { index: at.index, run, predictions: (r) => `modelRun/${r}/loc/${encodeURIComponent(di)}` }, live);
}

async function showItem(main, ds, info, answer, where, live) {
  const i = where.index;
  const runs = info.model_run_ids;
  const runSelect = h('select', { id: 'run' }, h('option', { value: '' }, '(no predictions)'),
                      ...runs.map((r) => h('option', { value: r }, r)));
  const threshold = h('input', { type: 'range', id: 'threshold', min: '0', max: '1', step: '0.01', value: '0' });
  const thresholdText = h('span', { id: 'threshold-value' }, '0.00');
  const labelBox = h('div', { id: 'labels' });
  const canvas = h('canvas', { id: 'item-canvas' });
  const list = h('div', { id: 'objects' });
  main.append(h('h1', {}, link(`#/dataset/${encodeURIComponent(ds)}`, info.name), ' / ',
                answer.item.reference_id, ' ',
                h('span', { class: 'muted' }, i === null ? answer.item.id : `#${i} of ${info.length}`)),
              h('div', { class: 'toolbar' }, 'Run ', runSelect, ' confidence ≥ ', threshold, thresholdText,
                i === null ? '' : h('span', { class: 'muted' }, '← / → previous / next item')),
              h('div', { class: 'item-view' }, canvas, h('div', { class: 'panel' }, labelBox, list)));
  const gt = objectsOf(answer.annotations);
  let preds = [];
  const image = await loadImage(answer.item.image_url);
  const masks = new Map();
  const loadMasks = async (objects) => {
    for (const o of objects) {
      if (!o.mask_url || masks.has(o.mask_url)) continue;
      const m = await loadImage(o.mask_url);
      if (m) masks.set(o.mask_url, m);
    }
  };
  await loadMasks(gt);
  if (!live()) return;
  const hidden = new Set();
  function labels() {
    const all = [...new Set([...gt, ...preds].map((o) => o.label))].sort();
    labelBox.replaceChildren(...all.map((l) => {
      const cb = h('input', { type: 'checkbox', 'data-label': l });
      cb.checked = !hidden.has(l);
      cb.addEventListener('change', () => { cb.checked ? hidden.delete(l) : hidden.add(l); paint(); });
      return h('label', { style: 'display:block' }, cb, ' ', l);
    }));
  }
  function paint() {
    const min = Number(threshold.value);
    thresholdText.textContent = min.toFixed(2);
    canvas.width = image ? image.naturalWidth : answer.item.width || 640;
    canvas.height = image ? image.naturalHeight : answer.item.height || 480;
    const g = canvas.getContext('2d');
    g.clearRect(0, 0, canvas.width, canvas.height);
    if (image) g.drawImage(image, 0, 0);
    const shownGt = gt.filter((o) => !hidden.has(o.label));
    const shownPred = preds.filter((o) => !hidden.has(o.label) && (o.confidence ?? 1) >= min);
    for (const o of shownGt) drawObject(g, o, GT, masks);
    for (const o of shownPred) drawObject(g, o, PRED, masks);
    const row = (o, who) => [who, o.type, o.label, o.confidence ?? '',
      o.type === 'cuboid' ? JSON.stringify(o.geometry) : ''];
    const t = table(['', 'type', 'label', 'confidence', 'fields'],
                    [...shownGt.map((o) => row(o, 'GT')), ...shownPred.map((o) => row(o, 'pred'))]);
    t.id = 'object-table';
    list.replaceChildren(t);
    canvas.dataset.drawn = String(shownGt.length + shownPred.length);
  }
  const loadPredictions = async () => {
    preds = runSelect.value ? objectsOf((await get(where.predictions(runSelect.value))).annotations) : [];
    await loadMasks(preds);
  };
  runSelect.addEventListener('change', async () => {
    await loadPredictions();
    if (live()) { labels(); paint(); }
  });
  if (where.run) {
    runSelect.value = where.run;
    await loadPredictions();
    if (!live()) return;
  }
  threshold.addEventListener('input', paint);
  const onKey = (ev) => {
    if (!live()) { document.removeEventListener('keydown', onKey); return; }
    if (i === null) return;
    if (ev.target instanceof HTMLInputElement && ev.target.type !== 'range') return;
    const to = (k) => `#/dataset/${encodeURIComponent(ds)}/item/${k}` +
                      (runSelect.value ? `/run/${encodeURIComponent(runSelect.value)}` : '');
    if (ev.key === 'ArrowRight' && i + 1 < info.length) location.hash = to(i + 1);
    if (ev.key === 'ArrowLeft' && i > 0) location.hash = to(i - 1);
  };
  document.addEventListener('keydown', onKey);
  labels();
  paint();
}

// ---- Models and runs -------------------------------------------------------------------------

export async function modelsPage(main, live) {
  const [models, datasets] = await Promise.all([get('models'), get('dataset/details')]);
  if (!live()) return;
  main.append(h('h1', {}, 'Models'));
  const tm = table(['name', 'reference id', 'id'], models.models.map((m) => [m.name, m.ref_id, m.id]));
  tm.id = 'models';
  main.append(tm, h('h2', {}, 'Runs'));
  const runs = [];
  for (const d of datasets) {
    const info = await get(`dataset/${encodeURIComponent(d.id)}/info`);
    for (const r of info.model_run_ids) runs.push(get(`modelRun/${r}/info`).then((x) => [x, d]));
  }
  const infos = await Promise.all(runs);
  if (!live()) return;
  const tr = table(['run', 'model', 'dataset', 'status', 'created'],
                   infos.map(([r, d]) => [link(`#/run/${r.model_run_id}`, r.name), r.model_id, d.name, r.status,
                                             r.created_at]));
  tr.id = 'runs';
  main.append(tr);
}

// ---- Jobs ------------------------------------------------------------------------------------

export async function jobsPage(main, live) {
  const jobs = await post('jobs', { dataset_id: null, job_types: [], from_date: null, to_date: null,
                                    limit: 500, show_completed: true });
  if (!live()) return;
  main.append(h('h1', {}, 'Jobs'));
  const details = await Promise.all(jobs.map((j) => get(`job/${j.job_id}`)));
  if (!live()) return;
  const rows = jobs.map((j, k) => {
    const d = details[k];
    const err = d.message && d.message.final_error ? d.message.final_error : '';
    return [j.job_id, j.job_type, d.status, `${d.completed_steps ?? ''} / ${d.total_steps ?? ''}`,
            d.job_progress ?? '', j.job_creation_time, err];
  });
  const t = table(['id', 'type', 'status', 'steps', 'progress', 'created', 'error'], rows);
  t.id = 'jobs';
  main.append(t);
}

// ---- Run page --------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The run's newest succeeded evaluation (evaluationsV2), after computing one if asked to.
async function evaluationOf(run, live, status) {
  for (;;) {
    const list = await get(`modelRun/${run}/evaluationsV2`);
    const done = list.find((e) => e.status === 'succeeded');
    if (done) return done;
    const pending = list.find((e) => e.status === 'pending' || e.status === 'computing');
    if (!pending) return null;
    status.textContent = 'Evaluating…';
    await sleep(300);
    if (!live()) return null;
  }
}

const fmt = (v) => (v === null || v === undefined ? '—' : Number(v).toFixed(3));

// COCO summary, per-class AP, PR curves, confusion matrix (with background), confidence and IoU
// histograms, and a confidence slider whose precision / recall / F1 the API computes.
export async function runPage(main, run, live) {
  const info = await get(`modelRun/${run}/info`);
  if (!live()) return;
  const status = h('p', { class: 'muted', id: 'run-status' });
  main.append(h('h1', {}, 'Run ', info.name, ' ', h('span', { class: 'muted' }, run)), status);
  let ev = await evaluationOf(run, live, status);
  if (!live()) return;
  if (!ev) {
    const button = h('button', { id: 'evaluate' }, 'Evaluate this run');
    status.replaceChildren('No evaluation yet. ', button);
    await new Promise((resolve) => button.addEventListener('click', resolve, { once: true }));
    await post(`modelRun/${run}/evaluationsV2`, {});
    ev = await evaluationOf(run, live, status);
    if (!live() || !ev) return;
  }
  const evPath = `evaluationsV2/${ev.id}`;
  // One read, cached by the server per evaluation: the charts route's numbers and the summary.
  const summary = await get(`dashboard/evaluation/${ev.id}`);
  const charts = summary.charts;
  if (!live()) return;
  status.textContent = `Evaluation ${ev.id} (IoU threshold 0.5)`;
  const coco = table(['COCO summary (as nucleus eval prints it)', 'value'],
                     summary.cocoSummary.map((s) => [s.line, s.value === null ? '-1.000' : s.value.toFixed(3)]));
  coco.id = 'coco-summary';
  coco.classList.add('stats');
  const ap = table(['class', 'AP'], charts.perClassAp.map((c) => [c.classLabel, fmt(c.ap)]), [0, 1]);
  ap.id = 'per-class-ap';
  main.append(coco, h('h2', {}, 'Operating point'), operatingPoint(ev.id, summary.operatingPoint, live),
              h('h2', {}, 'Per-class AP'), ap, h('h2', {}, 'Precision-recall'),
              prChart(charts.prCurve), h('h2', {}, 'Confusion matrix'), confusion(charts.confusionMatrix));
  main.dataset.interactive = '1';  // everything above is drawn and the slider answers
  const scores = charts.scoreHistogram;
  const tps = await post(`${evPath}/examples`, { match_type: 'TP', limit: 100000, offset: 0 });
  if (!live()) return;
  const iouCounts = Array(10).fill(0);
  for (const r of tps.rows) iouCounts[Math.min(9, Math.floor((r.iou ?? 0) * 10))]++;
  const bins = (n) => [...Array(n).keys()].map((b) => `${(b / 10).toFixed(1)}–${((b + 1) / 10).toFixed(1)}`);
  main.append(h('h2', {}, 'Histograms'),
              h('div', { class: 'charts' },
                barChart(scores.map((b) => `${b.bucketMin}–${b.bucketMax}`), scores.map((b) => b.count),
                         { title: 'prediction confidence' }),
                barChart(bins(10), iouCounts, { title: 'IoU of true positives' })));
  main.append(h('h2', {}, 'Examples'), await examples(evPath, info.dataset_id, run, live));
  const others = (await get(`dataset/${encodeURIComponent(info.dataset_id)}/info`)).model_run_ids
    .filter((r) => r !== run);
  if (!live()) return;
  if (others.length) {
    const pick = h('select', { id: 'compare-with' }, h('option', { value: '' }, 'compare with…'),
                   ...others.map((r) => h('option', { value: r }, r)));
    pick.addEventListener('change', () => { if (pick.value) location.hash = `#/compare/${run}/${pick.value}`; });
    status.append(' ', pick);
  }
  main.dataset.ready = '1';
}

function operatingPoint(ev, first, live) {
  const slider = h('input', { type: 'range', id: 'confidence', min: '0', max: '1', step: '0.05', value: '0' });
  const out = h('span', { id: 'operating-point' });
  const show = (p) => {
    out.textContent = `confidence ≥ ${p.minConfidence.toFixed(2)}: precision ${fmt(p.precision)}, ` +
                      `recall ${fmt(p.recall)}, F1 ${fmt(p.f1)} (TP ${p.tp}, FP ${p.fp}, FN ${p.fn})`;
    out.dataset.precision = p.precision;
    out.dataset.recall = p.recall;
    out.dataset.f1 = p.f1;
    out.dataset.minConfidence = p.minConfidence;
  };
  let asked = 0;
  slider.addEventListener('input', async () => {
    const mine = ++asked;
    const s = await get(`dashboard/evaluation/${ev}?minConfidence=${slider.value}`);
    if (mine === asked && live()) show(s.operatingPoint);
  });
  show(first);
  return h('div', { class: 'toolbar' }, slider, out);
}

function confusion(cells) {
  const labels = [...new Set(cells.flatMap((c) => [c.gtLabel, c.predLabel]))]
    .sort((a, b) => (a === 'background') - (b === 'background') || a.localeCompare(b));
  const count = (g, p) => (cells.find((c) => c.gtLabel === g && c.predLabel === p) || { count: 0 }).count;
  const t = table(['ground truth \\ prediction', ...labels],
                  labels.map((g) => [g, ...labels.map((p) => count(g, p))]),
                  [0, ...labels.map(() => 1)]);
  t.id = 'confusion';
  return t;
}

async function examples(evPath, ds, run, live) {
  const kind = h('select', { id: 'example-kind' }, ...['TP', 'FP', 'FN'].map((k) => h('option', { value: k }, k)));
  const sort = h('select', { id: 'example-sort' }, h('option', { value: 'confidence' }, 'confidence'),
                 h('option', { value: 'iou' }, 'IoU'));
  const box = h('div', { id: 'examples' });
  async function load() {
    const page = await post(`${evPath}/examples`, { match_type: kind.value, limit: 50, offset: 0,
                                                    sort_by: sort.value, sort_order: 'desc' });
    if (!live()) return;
    const t = table(['item', 'ground truth', 'prediction', 'IoU', 'confidence'],
                    page.rows.map((r) => [
                      link(`#/dataset/${encodeURIComponent(ds)}/itemid/${encodeURIComponent(r.dataset_item_id)}/run/${run}`,
                           r.dataset_item_id),
                      r.gt_raw_label ?? '', r.pred_raw_label ?? '',
                                          fmt(r.iou), fmt(r.confidence)]), [0, 0, 0, 1, 1]);
    box.replaceChildren(h('p', { class: 'muted' }, `${page.total} ${kind.value}`), t);
  }
  kind.addEventListener('change', load);
  sort.addEventListener('change', load);
  await load();
  return h('div', {}, h('div', { class: 'toolbar' }, kind, ' sorted by ', sort), box);
}

// ---- Compare two runs ------------------------------------------------------------------------

// Everything the API says about one run's newest succeeded evaluation, for the compare page.
async function runNumbers(run) {
  const info = await get(`modelRun/${run}/info`);
  const ev = (await get(`modelRun/${run}/evaluationsV2`)).find((e) => e.status === 'succeeded');
  if (!ev) return { info, ev: null };
  const path = `evaluationsV2/${ev.id}`;
  const [summary, ...pages] = await Promise.all([
    get(`dashboard/evaluation/${ev.id}`),
    ...['TP', 'FP', 'FN'].map((t) => post(`${path}/examples`, { match_type: t, limit: 100000, offset: 0 }))]);
  // Each row counted as the kind it was asked for (a mislabelled pair is both an FP and an FN).
  const kinds = ['TP', 'FP', 'FN'];
  const rows = pages.flatMap((p, k) => p.rows.map((r) => ({ item: r.dataset_item_id, kind: kinds[k] })));
  return { info, ev, charts: summary.charts, summary, rows };
}

const delta = (a, b) => (a === null || b === null || a === undefined || b === undefined ? '—'
  : (b - a >= 0 ? '+' : '') + (b - a).toFixed(3));

// Two runs of one dataset side by side: metric and per-class deltas (B − A), and the items where
// their TP / FP / FN counts differ most.
export async function comparePage(main, a, b, live) {
  const [A, B] = await Promise.all([runNumbers(a), runNumbers(b)]);
  if (!live()) return;
  main.append(h('h1', {}, 'Compare ', link(`#/run/${a}`, `A: ${A.info.name}`), ' and ',
                link(`#/run/${b}`, `B: ${B.info.name}`)));
  if (A.info.dataset_id !== B.info.dataset_id) {
    main.append(h('p', { class: 'error' }, 'These runs are of different datasets.'));
    return;
  }
  for (const [X, id] of [[A, a], [B, b]]) {
    if (!X.ev) {
      main.append(h('p', { class: 'error' }, 'Run ', link(`#/run/${id}`, X.info.name),
                    ' has no evaluation yet: open it to evaluate it.'));
      return;
    }
  }
  const rows = A.summary.cocoSummary.map((s, k) => {
    const t = B.summary.cocoSummary[k];
    return [s.line.replace(/ = .*$/, ''), fmt(s.value), fmt(t.value), delta(s.value, t.value)];
  });
  for (const key of ['precision', 'recall', 'f1']) {
    const x = A.summary.operatingPoint[key], y = B.summary.operatingPoint[key];
    rows.push([`${key} (all predictions, IoU 0.5)`, fmt(x), fmt(y), delta(x, y)]);
  }
  const metrics = table(['metric', 'A', 'B', 'B − A'], rows, [0, 1, 1, 1]);
  metrics.id = 'compare-metrics';
  metrics.classList.add('stats');
  const apA = new Map(A.charts.perClassAp.map((c) => [c.classLabel, c.ap]));
  const apB = new Map(B.charts.perClassAp.map((c) => [c.classLabel, c.ap]));
  const classes = [...new Set([...apA.keys(), ...apB.keys()])].sort();
  const perClass = table(['class', 'AP of A', 'AP of B', 'B − A'],
                         classes.map((c) => [c, fmt(apA.get(c)), fmt(apB.get(c)), delta(apA.get(c), apB.get(c))]),
                         [0, 1, 1, 1]);
  perClass.id = 'compare-classes';
  main.append(metrics, h('h2', {}, 'Per-class AP'), perClass,
              h('h2', {}, 'Items where the runs disagree most'), disagreements(A.rows, B.rows));
  main.dataset.ready = '1';
}

function disagreements(rowsA, rowsB) {
  const counts = new Map();
  const add = (rows, side) => {
    for (const r of rows) {
      if (!counts.has(r.item)) counts.set(r.item, { A: { TP: 0, FP: 0, FN: 0 }, B: { TP: 0, FP: 0, FN: 0 } });
      counts.get(r.item)[side][r.kind]++;
    }
  };
  add(rowsA, 'A');
  add(rowsB, 'B');
  const scored = [...counts.entries()].map(([item, c]) => [item, c,
    ['TP', 'FP', 'FN'].reduce((s, k) => s + Math.abs(c.A[k] - c.B[k]), 0)])
    .filter((x) => x[2] > 0).sort((x, y) => y[2] - x[2] || (x[0] < y[0] ? -1 : 1)).slice(0, 50);
  const t = table(['item', 'TP A / B', 'FP A / B', 'FN A / B', 'difference'],
                  scored.map(([item, c, d]) => [item, `${c.A.TP} / ${c.B.TP}`, `${c.A.FP} / ${c.B.FP}`,
                                                `${c.A.FN} / ${c.B.FN}`, d]), [0, 1, 1, 1, 1]);
  t.id = 'compare-items';
  return t;
}

// ---- Slices ----------------------------------------------------------------------------------

// A dataset's slices (GET dataset/{ds}/slices), each opening as an item grid with its runs'
// results on the slice.
export async function slicesPage(main, ds, live) {
  const dsPath = `dataset/${encodeURIComponent(ds)}`;
  const [info, slices] = await Promise.all([get(`${dsPath}/info`), get(`${dsPath}/slices`)]);
  if (!live()) return;
  main.append(h('h1', {}, link(`#/dataset/${encodeURIComponent(ds)}`, info.name), ' / slices'));
  const t = table(['name', 'id', 'type', 'created'],
                  slices.map((s) => [link(`#/slice/${encodeURIComponent(s.id)}`, s.name), s.id, s.type, s.created_at]));
  t.id = 'slices';
  main.append(t);
  main.dataset.ready = '1';
}

// One slice: its runs' results on it (each run's newest succeeded evaluation, the charts route
// with filters.sliceId: evaluation.md §2.8) and its items (slice/{slc}/itemsPage, pages of PAGE).
export async function slicePage(main, slc, live) {
  const slice = await get(`slice/${encodeURIComponent(slc)}/info`);
  if (!live()) return;
  const ds = slice.dataset_id;
  const info = await get(`dataset/${encodeURIComponent(ds)}/info`);
  if (!live()) return;
  main.append(h('h1', {}, link(`#/dataset/${encodeURIComponent(ds)}/slices`, info.name), ' / ', slice.name,
                ' ', h('span', { class: 'muted' }, slice.id)));
  const rows = [];
  for (const run of info.model_run_ids) {
    const done = (await get(`modelRun/${run}/evaluationsV2`)).find((e) => e.status === 'succeeded');
    if (!done) continue;
    const filters = encodeURIComponent(JSON.stringify({ sliceId: slc }));
    const c = await get(`evaluationsV2/${done.id}/charts?iouThreshold=0.5&filters=${filters}`);
    if (!live()) return;
    const n = c.totalCounts;
    rows.push([link(`#/run/${run}`, run), done.id, fmt(c.mapSummary.mapAt5095), fmt(c.mapSummary.mapAt50),
               n.tp, n.fp, n.fn]);
  }
  const results = table(['run', 'evaluation', 'mAP@[.5:.95]', 'mAP@.5', 'TP', 'FP', 'FN'], rows,
                        [0, 0, 1, 1, 1, 1, 1]);
  results.id = 'slice-runs';
  main.append(h('h2', {}, 'Runs on this slice (IoU 0.5)'), results, h('h2', {}, 'Items'));
  const grid = h('div', { class: 'slice-grid', id: 'slice-items' });
  const more = h('button', { id: 'slice-more', hidden: '' }, 'more items');
  main.append(grid, more);
  let token = null;
  const page = async () => {
    const p = await post(`slice/${encodeURIComponent(slc)}/itemsPage`, { pageToken: token, pageSize: PAGE });
    if (!live()) return;
    for (const it of p.items) {
      grid.append(h('a', { class: 'grid-cell', href: `#/dataset/${encodeURIComponent(ds)}/itemid/${encodeURIComponent(it.id)}` },
                    it.image_url ? h('img', { src: it.image_url, loading: 'lazy', alt: '' }) : '',
                    h('div', {}, it.reference_id)));
    }
    token = p.nextPageToken;
    more.hidden = !token;
  };
  more.addEventListener('click', page);
  await page();
  if (live()) main.dataset.ready = '1';
}

// ---- Model CI ------------------------------------------------------------------------------

const passText = (e) => (e.status !== 'completed' ? e.status : e.pass ? 'pass' : 'fail');

// Scenario tests (validate/scenario_test/details), each with its metrics and thresholds
// (…/metrics) and its evaluation history (…/eval_history/details), grouped by model, newest
// first, with pass / fail as the API computed it.
export async function modelCiPage(main, live) {
  const [tests, fns, models] = await Promise.all([get('validate/scenario_test/details'), get('validate/eval_fn'),
                                                  get('models')]);
  if (!live()) return;
  const fnName = new Map((fns.eval_functions || []).map((f) => [f.id, f.name]));
  const modelName = new Map(models.models.map((m) => [m.id, m.name]));
  main.append(h('h1', {}, 'Model CI'));
  if (!tests.length) main.append(h('p', { class: 'muted', id: 'no-tests' }, 'No scenario tests yet.'));
  for (const t of tests) {
    const [metrics, history] = await Promise.all([
      get(`validate/scenario_test/${encodeURIComponent(t.id)}/metrics`),
      get(`validate/scenario_test/${encodeURIComponent(t.id)}/eval_history/details`)]);
    if (!live()) return;
    const m = table(['function', 'arguments', 'threshold', 'comparison'],
                    metrics.scenario_test_metrics.map((x) => [fnName.get(x.eval_function_id) || x.eval_function_id,
                      JSON.stringify(x.eval_func_arguments), x.threshold ?? '—', x.threshold_comparison]),
                    [0, 0, 1, 0]);
    m.classList.add('ci-metrics');
    const hist = table(['model', 'function', 'result', 'threshold', 'baseline', 'status', 'created'],
                       history.map((e) => [modelName.get(e.model_id) || e.model_id,
                         fnName.get(e.eval_function_id) || e.eval_function_id, fmt(e.result),
                         e.threshold ?? '—', fmt(e.baseline_result), passText(e), e.created_at]),
                       [0, 0, 1, 1, 1, 0, 0]);
    hist.classList.add('ci-history');
    hist.querySelectorAll('tbody tr').forEach((tr, k) => { tr.dataset.pass = passText(history[k]); });
    main.append(h('section', { class: 'ci-test', 'data-test': t.id },
                  h('h2', {}, t.name, ' ', h('span', { class: 'muted' }, t.id)),
                  h('p', {}, 'slice ', link(`#/slice/${encodeURIComponent(t.slice_id)}`, t.slice_id),
                    t.baseline_model_id ? `, baseline ${modelName.get(t.baseline_model_id) || t.baseline_model_id}` : ''),
                  h('h3', {}, 'Metrics'), m, h('h3', {}, 'Evaluation history'), hist));
  }
  main.dataset.ready = '1';
}
