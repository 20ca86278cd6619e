// The dashboard in Firefox ESR (puppeteer-core over WebDriver BiDi): what the Chromium suite
// (../test_dashboard_site.py, ../test_dashboard_run.py) checks, in the other engine. Sign-in with
// a wrong key, owner isolation, every page without console errors or failed requests, the run
// page's numbers against the API, overlays by pixel probes on a screenshot, the confidence slider
// against the API's counts, keyboard navigation in the item view.
// Run: node --test tests/dashboard/firefox/ (ctest dashboard_firefox; see harness.mjs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Api, Server, Tab, decodePng, launchFirefox, png } from './harness.mjs';

const GRAY = [128, 128, 128];
const GT_BOX = { x: 20, y: 30, width: 100, height: 60 };
const PRED_BOX = { x: 130, y: 80, width: 50, height: 50 };
const POLYGON = [{ x: 30, y: 20 }, { x: 90, y: 20 }, { x: 90, y: 70 }, { x: 30, y: 70 }];
const KEYPOINTS = [{ x: 150, y: 110, visible: true }, { x: 170, y: 40, visible: true },
                   { x: 120, y: 130, visible: false }];
const box = (x, y, w = 40, h = 40) => ({ x, y, width: w, height: h });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let server, api, otherApi, firefox, data, evaluated;

async function appendImage(ds, ref, w = 200, h = 150) {
  const items = [{ metadata: {}, reference_id: ref, image_url: ref, update: false }];
  const r = await api.postParts(`dataset/${ds}/append`, [
    { name: 'items', type: 'application/json', data: JSON.stringify(items) },
    { name: 'image', filename: encodeURIComponent(ref), type: 'image/png', data: png(w, h, GRAY) }]);
  assert.equal(r.new_items, 1);
}

async function until(what, ok, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await what();
    if (ok(v)) return v;
    assert.ok(Date.now() < deadline, 'timed out waiting');
    await sleep(100);
  }
}

// One dataset of 3 gray 200x150 images: item 0 a ground-truth box (and, in one run, a predicted
// box of confidence 0.7), item 1 a polygon and keypoints (one invisible), item 2 a mask.
async function makeItems() {
  const ds = (await api.post('dataset/create', { name: 'cars', is_scene: false })).dataset_id;
  for (let i = 0; i < 3; i++) await appendImage(ds, `img${i}.png`);
  const seg = { type: 'mask', mask_url: 'masks/m.png', annotation_id: 'seg2',
                annotations: [{ label: 'grass', index: 1 }], reference_id: 'img2.png' };
  const r = await api.postParts(`dataset/${ds}/annotate`, [
    { name: 'serialized_request', type: 'application/json',
      data: JSON.stringify({ segmentations: [seg], update: false }) },
    { name: 'mask', filename: 'masks%2Fm.png', type: 'image/png',
      data: png(200, 150, [0, 0, 0], [40, 50, 60, 40, [1, 1, 1]]) }]);
  assert.equal(r.annotations_processed, 1);
  await api.post(`dataset/${ds}/annotate`, { update: false, annotations: [
    { type: 'box', label: 'car', reference_id: 'img0.png', annotation_id: 'gt0', geometry: GT_BOX, metadata: {} },
    { type: 'polygon', label: 'road', reference_id: 'img1.png', annotation_id: 'poly1',
      geometry: { vertices: POLYGON }, metadata: {} },
    { type: 'keypoints', label: 'person', reference_id: 'img1.png', annotation_id: 'kp1', metadata: {},
      geometry: { keypoints: KEYPOINTS, names: ['a', 'b', 'c'], skeleton: [] } }] });
  await api.post('models/add', { name: 'det', reference_id: 'det', metadata: {} });
  const run = (await api.post(`dataset/${ds}/modelRun/create`,
                              { name: 'det run', reference_id: 'det', metadata: {} })).model_run_id;
  await api.post(`modelRun/${run}/predict`, { update: false, annotations: [
    { type: 'box', label: 'car', reference_id: 'img0.png', annotation_id: 'p0', confidence: 0.7,
      geometry: PRED_BOX, metadata: {} }] });
  return { ds, run };
}

async function evaluate(run) {
  const ev = (await api.post(`modelRun/${run}/evaluationsV2`, {})).evaluation_id;
  await until(() => api.get(`evaluationsV2/${ev}`), (e) => e.status === 'succeeded');
  return ev;
}

// Four items with cars and people; predictions that hit, miss, shift and confuse them at several
// confidences, evaluated; a second evaluated run with the cars only; a slice of r0 and r1; a
// Model CI test on it (recall 0.5 fails a 0.9 threshold, precision 1.0 passes), evaluated.
async function makeEvaluated() {
  const ds = (await api.post('dataset/create', { name: 'run page', is_scene: false })).dataset_id;
  await appendImage(ds, 'r0', 320, 240);
  let url = (await api.get(`dataset/${ds}/iloc/0`)).item.image_url;
  url = url.slice(url.indexOf('/v1/nucleus'));  // the stored image, on whichever port reads it
  await api.post(`dataset/${ds}/append`, { items: [1, 2, 3].map(
    (i) => ({ reference_id: `r${i}`, image_url: url, metadata: {} })) });
  const gt = [], preds = [];
  for (let i = 0; i < 4; i++) {
    gt.push({ type: 'box', label: 'car', reference_id: `r${i}`, annotation_id: `c${i}`, geometry: box(10, 10), metadata: {} },
            { type: 'box', label: 'person', reference_id: `r${i}`, annotation_id: `p${i}`,
              geometry: box(100, 100, 20, 60), metadata: {} });
    preds.push({ type: 'box', label: 'car', reference_id: `r${i}`, annotation_id: `pc${i}`,
                 confidence: 0.3 + 0.2 * i, geometry: box(12 + 8 * i, 10), metadata: {} },
               { type: 'box', label: i === 3 ? 'car' : 'person', reference_id: `r${i}`, annotation_id: `pp${i}`,
                 confidence: 0.9 - 0.2 * i, geometry: box(101, 100, 20, 58), metadata: {} },
               { type: 'box', label: 'person', reference_id: `r${i}`, annotation_id: `fp${i}`,
                 confidence: 0.15 * (i + 1), geometry: box(200, 10), metadata: {} });
  }
  await api.post(`dataset/${ds}/annotate`, { update: false, annotations: gt });
  const newRun = async (name, ref, annotations) => {
    const run = (await api.post(`dataset/${ds}/modelRun/create`, { name, reference_id: ref, metadata: {} })).model_run_id;
    await api.post(`modelRun/${run}/predict`, { update: false, annotations });
    return run;
  };
  const run = await newRun('two classes', null, preds);
  const runB = await newRun('cars only', null, [0, 1, 2, 3].map((i) => (
    { type: 'box', label: 'car', reference_id: `r${i}`, annotation_id: `c${i}`, confidence: 0.9,
      geometry: box(10, 10), metadata: {} })));
  const [ev, evB] = [await evaluate(run), await evaluate(runB)];
  const slice = (await api.post(`dataset/${ds}/create_slice`,
                                { name: 'first two', reference_ids: ['r0', 'r1'] })).slice_id;
  const model = (await api.post('models/add', { name: 'ci model', reference_id: 'cim', metadata: {} })).model_id;
  await newRun('ci run', 'cim', [0, 1].map((i) => ({ type: 'box', label: 'car', reference_id: `r${i}`,
    annotation_id: `ci${i}`, confidence: 0.9, geometry: box(10, 10), metadata: {} })));
  const fns = Object.fromEntries((await api.get('validate/eval_fn')).eval_functions.map((f) => [f.name, f.id]));
  const ut = (await api.post('validate/scenario_test', { name: 'cars of the first two', slice_id: slice,
    evaluation_functions: [{ id: fns.bbox_recall, eval_func_arguments: {} },
                           { id: fns.bbox_precision, eval_func_arguments: {} }] })).scenario_test_id;
  await api.post(`validate/metric/set_threshold/${ut}/${fns.bbox_recall}`, { threshold: 0.9 });
  const job = (await api.post(`validate/${model}/evaluate`, { test_names: ['cars of the first two'] })).job_id;
  await until(() => api.get(`job/${job}`), (j) => j.status === 'Completed');
  return { ds, run, ev, runB, evB, slice, ut, fns };
}

before(async () => {
  server = await Server.start();
  api = new Api(server.url, server.keys[0]);
  otherApi = new Api(server.url, server.keys[1]);
  [firefox, data, evaluated] = await Promise.all([launchFirefox(), makeItems(), makeEvaluated()]);
});

after(async () => {
  if (firefox) await firefox.close();
  if (server) assert.equal(await server.stop(), 0);
});

// A test body with a fresh signed-out tab, closed after it (also when the test fails).
function inTab(fn) {
  return async () => {
    const tab = await Tab.open(firefox, server.url);
    try {
      await fn(tab);
    } finally {
      await tab.close();
    }
  };
}

async function signedIn(tab, key = server.keys[0]) {
  await tab.signIn(key);
  await tab.waitFor('#datasets');
}

const charts = (ev, filters) => api.get(`evaluationsV2/${ev}/charts` +
                                        (filters ? '?filters=' + encodeURIComponent(JSON.stringify(filters)) : ''));

test('a wrong key is refused and nothing is shown', inTab(async (tab) => {
  await tab.signIn('not-a-key');
  await tab.until(() => document.getElementById('signin-error')?.textContent !== '');
  assert.equal(await tab.text('#signin-error'), 'This API key is not valid.');
  assert.match(tab.page.url(), /#\/signin$/);
  assert.equal(await tab.page.evaluate(() => sessionStorage.getItem('nucleus.apiKey')), null);
  tab.check([/dataset: status of 401$/]);
}));

test('pages need a key', inTab(async (tab) => {
  await tab.goto('#/datasets');
  await tab.waitFor('#signin');
  tab.check();
}));

test('the datasets list counts are the API\'s', inTab(async (tab) => {
  await signedIn(tab);
  const rows = await tab.cells('#datasets');
  const listed = await api.get('dataset/details');
  assert.deepEqual(rows.map((r) => r[1]), listed.map((d) => d.id));
  for (const d of listed) {
    const info = await api.get(`dataset/${d.id}/info`);
    assert.deepEqual(rows.find((r) => r[1] === d.id),
                     [d.name, d.id, String(info.length), String(info.model_run_ids.length), String(info.slice_ids.length)]);
  }
  assert.equal(rows.find((r) => r[1] === data.ds)[2], '3');
  tab.check();
}));

test('another owner sees none of it', inTab(async (tab) => {
  await tab.signIn(server.keys[1]);
  await tab.waitFor('#no-datasets');
  const main = () => tab.page.$eval('#main', (m) => m.innerText);
  assert.ok(!(await main()).includes('cars'));
  await tab.go(`#/dataset/${data.ds}`);
  await tab.waitFor('#main .error');
  assert.ok(!(await main()).includes('cars'));
  for (const hash of [`#/run/${evaluated.run}`, `#/slice/${evaluated.slice}`]) {
    await tab.go(hash);
    await tab.waitFor('#main .error');
    assert.ok(!(await main()).includes('run page'));
  }
  await tab.go('#/ci');
  await tab.waitFor('#no-tests');
  assert.deepEqual(await otherApi.get('dataset/details'), []);
  tab.check([/: status of 404$/]);
}));

test('every page opens cleanly', inTab(async (tab) => {
  await signedIn(tab);
  const { ds, run, runB, slice } = evaluated;
  for (const [hash, css] of [
    [`#/dataset/${data.ds}`, '#grid[data-ready] .grid-cell'],
    [`#/dataset/${data.ds}/item/0`, '#item-canvas[data-drawn]'],
    [`#/dataset/${data.ds}/item/2/run/${data.run}`, '#item-canvas[data-drawn]'],
    ['#/models', '#runs'],
    [`#/run/${run}`, '#main[data-ready]'],
    [`#/compare/${run}/${runB}`, '#main[data-ready]'],
    ['#/jobs', '#jobs'],
    [`#/dataset/${ds}/slices`, '#slices'],
    [`#/slice/${slice}`, '#main[data-ready] #slice-items'],
    ['#/ci', '#main[data-ready] section.ci-test'],
    ['#/datasets', '#datasets'],
  ]) {
    await tab.go(hash);
    await tab.waitFor(css, 30000);
    tab.check();
  }
}));

test('the grid shows every item and opens one', inTab(async (tab) => {
  await signedIn(tab);
  await tab.go(`#/dataset/${data.ds}`);
  await tab.waitFor('#grid[data-ready] .grid-cell');
  const cells = await tab.page.$$eval('#grid .grid-cell', (cs) => cs.map((c) => c.innerText.trim()));
  assert.deepEqual(cells, ['img0.png', 'img1.png', 'img2.png']);
  await (await tab.page.$$('#grid .grid-cell'))[1].click();
  await tab.waitFor('#item-canvas[data-drawn]');
  assert.ok(tab.page.url().endsWith(`#/dataset/${data.ds}/item/1`), tab.page.url());
  tab.check();
}));

const isGreen = (p) => p[1] > 100 && p[0] < 80 && p[2] < 120;
const isRed = (p) => p[0] > 150 && p[1] < 80 && p[2] < 80;

async function canvasPixels(tab) {
  const canvas = await tab.waitFor('#item-canvas[data-drawn]');
  return decodePng(Buffer.from(await canvas.screenshot()));
}

test('overlays are drawn where the boxes are', inTab(async (tab) => {
  await signedIn(tab);
  await tab.go(`#/dataset/${data.ds}/item/0`);
  let { width, height, px } = await canvasPixels(tab);
  assert.deepEqual([width, height], [200, 150]);
  const { x, y, width: bw, height: bh } = GT_BOX;
  assert.ok(isGreen(px(x, y + bh / 2)) && isGreen(px(x + bw / 2, y + bh)), String(px(x, y + bh / 2)));
  assert.deepEqual(px(x + bw / 2, y + bh / 2), GRAY);  // inside the box: the image
  assert.deepEqual(px(5, 5), GRAY);
  const predAt = [PRED_BOX.x, PRED_BOX.y + PRED_BOX.height / 2];
  assert.deepEqual(px(...predAt), GRAY);  // no run chosen: no predictions
  await tab.page.select('#run', data.run);
  await tab.until(() => document.getElementById('item-canvas').dataset.drawn === '2');
  ({ px } = await canvasPixels(tab));
  assert.ok(isRed(px(...predAt)) && isGreen(px(x, y + bh / 2)), String(px(...predAt)));
  // A threshold above the prediction's confidence hides it; the ground truth stays.
  await tab.page.evaluate(() => {
    const t = document.getElementById('threshold');
    t.value = '0.71';
    t.dispatchEvent(new Event('input'));
  });
  ({ px } = await canvasPixels(tab));
  assert.deepEqual(px(...predAt), GRAY);
  assert.ok(isGreen(px(x, y + bh / 2)));
  // The label filter hides the ground truth.
  await tab.page.click("#labels input[data-label='car']");
  await tab.until(() => document.getElementById('item-canvas').dataset.drawn === '0');
  ({ px } = await canvasPixels(tab));
  assert.deepEqual(px(x, y + bh / 2), GRAY);
  tab.check();
}));

test('polygons, keypoints and masks are drawn where they are', inTab(async (tab) => {
  await signedIn(tab);
  await tab.go(`#/dataset/${data.ds}/item/1`);
  let { px } = await canvasPixels(tab);
  assert.ok(isGreen(px(30, 45)) && isGreen(px(60, 70)), String(px(30, 45)));  // left and bottom edges
  assert.deepEqual(px(60, 45), GRAY);  // the polygon's inside
  for (const k of KEYPOINTS.slice(0, 2)) assert.ok(isGreen(px(k.x, k.y)), JSON.stringify(k));
  assert.deepEqual(px(KEYPOINTS[2].x, KEYPOINTS[2].y), GRAY);  // not visible: not drawn
  await tab.go(`#/dataset/${data.ds}/item/2`);
  await tab.until(() => document.querySelector('h1')?.innerText.includes('img2.png') &&
                        document.querySelector('#item-canvas[data-drawn]'));
  ({ px } = await canvasPixels(tab));
  const inside = px(70, 70);
  assert.deepEqual(px(20, 20), GRAY);
  assert.ok(inside[1] > inside[0] && inside[1] > inside[2], String(inside));  // green tint
  assert.deepEqual(px(39, 70), GRAY);  // just left and right of the mask
  assert.deepEqual(px(100, 70), GRAY);
  tab.check();
}));

test('arrow keys go to the next and previous item', inTab(async (tab) => {
  await signedIn(tab);
  const base = `#/dataset/${data.ds}/item/`;
  await tab.go(base + '0');
  await tab.waitFor('#item-canvas[data-drawn]');
  const at = (k, ref) => tab.until(([want, name]) => location.hash === want &&
                                     document.querySelector('h1')?.innerText.includes(name) &&
                                     document.querySelector('#item-canvas[data-drawn]'), [base + k, ref]);
  await tab.page.keyboard.press('ArrowRight');
  await at(1, 'img1.png');
  await tab.page.keyboard.press('ArrowRight');
  await at(2, 'img2.png');
  await tab.page.keyboard.press('ArrowRight');  // the last: stays
  await sleep(300);
  assert.ok(tab.page.url().endsWith(base + '2'));
  await tab.page.keyboard.press('ArrowLeft');
  await at(1, 'img1.png');
  tab.check();
}));

// A dataset of 1,203 items sharing one uploaded image (item 5 deleted: positions count the items
// that exist), and the reference ids in the order itemsPage walks them.
async function makeMany() {
  const ds = (await api.post('dataset/create', { name: 'many', is_scene: false })).dataset_id;
  await appendImage(ds, 'm0.png');
  const url = (await api.get(`dataset/${ds}/iloc/0`)).item.image_url;
  await api.post(`dataset/${ds}/append`, { items: Array.from({ length: 1203 }, (_, k) => (
    { reference_id: `m${k + 1}.png`, image_url: url, metadata: {} })) });
  assert.equal((await api.request('DELETE', `dataset/${ds}/refloc/m5.png`)).status, 200);
  const walk = [];
  for (let token = null; ;) {
    const page = await api.post(`dataset/${ds}/itemsPage`, { pageToken: token, pageSize: 500 });
    walk.push(...page.items.map((it) => it.reference_id));
    token = page.nextPageToken;
    if (!token) break;
  }
  assert.equal(walk.length, 1203);
  return { ds, walk };
}

test('a grid jump to the end reads one page', inTab(async (tab) => {
  const many = await makeMany();
  await signedIn(tab);
  await tab.go(`#/dataset/${many.ds}`);
  await tab.waitFor('#grid[data-ready] .grid-cell');
  await tab.page.$eval('#grid', (g) => { g.scrollTop = g.scrollHeight; });
  await tab.waitFor("#grid .grid-cell[data-index='1202']");
  assert.equal(await tab.text("#grid .grid-cell[data-index='1202']"), many.walk[1202]);
  const reads = await tab.page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name)
    .filter((n) => n.includes('/items?') || n.includes('itemsPage')));
  assert.deepEqual(reads.map((r) => r.split('/items?')[1]), ['index=0&pageSize=500', 'index=1000&pageSize=500']);
  tab.check();
}));

test('an example opens its item with the run\'s overlay, and ← / → keep the run', inTab(async (tab) => {
  const { ds, run } = evaluated;
  await signedIn(tab);
  await tab.go(`#/run/${run}`);
  await tab.waitFor('#main[data-ready]', 30000);
  await tab.page.select('#example-kind', 'FP');
  await tab.until(() => document.querySelector('#examples p')?.innerText.endsWith(' FP'));
  const [itemId, , predLabel] = (await tab.cells('#examples'))[0];
  await tab.page.click('#examples tbody tr a');
  await tab.waitFor('#item-canvas[data-drawn]');
  assert.equal(await tab.page.$eval('#run', (r) => r.value), run);
  const count = (annotations) => Object.values(annotations).filter(Array.isArray).flat().length;
  let preds = (await tab.cells('#object-table')).filter((r) => r[0] === 'pred');
  assert.equal(preds.length, count((await api.get(`modelRun/${run}/loc/${itemId}`)).annotations));
  assert.ok(preds.some((r) => r[2] === predLabel), predLabel);
  const index = (await api.get(`dashboard/dataset/${ds}/position/${itemId}`)).index;
  const to = index === 3 ? 2 : index + 1;
  await tab.page.keyboard.press(to > index ? 'ArrowRight' : 'ArrowLeft');
  await tab.until(([hash, h1]) => location.hash === hash && document.querySelector('h1')?.innerText.trim()
                    .endsWith(h1) && document.querySelector('#item-canvas[data-drawn]'),
                  [`#/dataset/${ds}/item/${to}/run/${run}`, `r${to} #${to} of 4`]);
  assert.equal(await tab.page.$eval('#run', (r) => r.value), run);
  preds = (await tab.cells('#object-table')).filter((r) => r[0] === 'pred');
  const want = Object.values((await api.get(`modelRun/${run}/iloc/${to}`)).annotations).filter(Array.isArray).flat();
  assert.deepEqual(preds.map((r) => r[3]).sort(), want.map((p) => String(p.confidence)).sort());
  tab.check();
}));

test('the run page shows the API\'s numbers', inTab(async (tab) => {
  await signedIn(tab);
  await tab.go(`#/run/${evaluated.run}`);
  await tab.waitFor('#main[data-ready]', 30000);
  const summary = await api.get(`dashboard/evaluation/${evaluated.ev}`);
  const c = await charts(evaluated.ev);
  assert.equal(summary.cocoSummary.length, 12);
  assert.deepEqual(summary.cocoSummary.slice(0, 3).map((s) => s.value),
                   [c.mapSummary.mapAt5095, c.mapSummary.mapAt50, c.mapSummary.mapAt75]);
  assert.deepEqual(await tab.cells('#coco-summary'), summary.cocoSummary.map(
    (s) => [s.line, s.value === null ? '-1.000' : s.value.toFixed(3)]));
  assert.deepEqual(await tab.cells('#per-class-ap'), c.perClassAp.map((a) => [a.classLabel, a.ap.toFixed(3)]));
  const labels = (await tab.page.$$eval('#confusion thead th', (ths) => ths.map((t) => t.innerText.trim()))).slice(1);
  assert.ok(labels.includes('background'));
  const want = new Map(c.confusionMatrix.map((x) => [`${x.gtLabel}|${x.predLabel}`, x.count]));
  const rows = await tab.cells('#confusion');
  assert.equal(rows.length, labels.length);
  for (const row of rows) {
    labels.forEach((p, k) => assert.equal(Number(row[k + 1]), want.get(`${row[0]}|${p}`) ?? 0, `${row[0]} ${p}`));
  }
  assert.ok([...want.values()].reduce((a, b) => a + b) > 0);
  tab.check();
}));

for (const confidence of ['0.5', '0.85']) {
  test(`the slider at ${confidence} gives the API's precision and recall`, inTab(async (tab) => {
    await signedIn(tab);
    await tab.go(`#/run/${evaluated.run}`);
    await tab.waitFor('#main[data-ready]', 30000);
    await tab.page.evaluate((v) => {
      const s = document.getElementById('confidence');
      s.value = v;
      s.dispatchEvent(new Event('input'));
    }, confidence);
    await tab.until((v) => document.getElementById('operating-point').dataset.minConfidence === v,
                    String(Number(confidence)));
    const counts = (await charts(evaluated.ev, { confidenceRange: { min: Number(confidence) } })).totalCounts;
    const { tp, fp, fn } = counts;
    const shown = await tab.page.$eval('#operating-point', (o) => ({ ...o.dataset, text: o.innerText }));
    assert.equal(Number(shown.precision), tp + fp ? tp / (tp + fp) : 0);
    assert.equal(Number(shown.recall), tp + fn ? tp / (tp + fn) : 0);
    const everything = (await charts(evaluated.ev)).totalCounts;
    assert.notDeepEqual([tp, fp], [everything.tp, everything.fp]);  // the threshold changed something
    assert.ok(shown.text.includes(`(TP ${tp}, FP ${fp}, FN ${fn})`), shown.text);
    tab.check();
  }));
}

test('compare shows the deltas of the API\'s numbers', inTab(async (tab) => {
  await signedIn(tab);
  await tab.go(`#/compare/${evaluated.run}/${evaluated.runB}`);
  await tab.waitFor('#main[data-ready]', 30000);
  const ap = async (ev) => Object.fromEntries((await charts(ev)).perClassAp.map((c) => [c.classLabel, c.ap]));
  const [apA, apB] = [await ap(evaluated.ev), await ap(evaluated.evB)];
  const delta = (x, y) => (y - x >= 0 ? '+' : '') + (y - x).toFixed(3);
  assert.deepEqual(await tab.cells('#compare-classes'), Object.keys(apA).sort().map(
    (c) => [c, apA[c].toFixed(3), apB[c].toFixed(3), delta(apA[c], apB[c])]));
  const sa = (await api.get(`dashboard/evaluation/${evaluated.ev}`)).cocoSummary;
  const sb = (await api.get(`dashboard/evaluation/${evaluated.evB}`)).cocoSummary;
  const metrics = await tab.cells('#compare-metrics');
  assert.deepEqual(metrics[0].slice(1), [sa[0].value.toFixed(3), sb[0].value.toFixed(3),
                                         delta(sa[0].value, sb[0].value)]);
  assert.equal((await tab.cells('#compare-items')).length, 4);  // every item lost its people in B
  tab.check();
}));

test('the jobs page lists the API\'s jobs with their progress', inTab(async (tab) => {
  const listed = await api.post('jobs', { dataset_id: null, job_types: [], from_date: null, to_date: null,
                                          limit: 500, show_completed: true });
  for (const job of listed) await api.get(`job/${job.job_id}`);  // the first read says "Running"
  await signedIn(tab);
  await tab.go('#/jobs');
  const rows = await tab.cells('#jobs');
  assert.ok(rows.length > 0);
  assert.deepEqual(rows.map((r) => r[0]), listed.map((j) => j.job_id));
  for (const row of rows) {
    const s = await api.get(`job/${row[0]}`);
    assert.deepEqual(row.slice(1, 5), [s.job_type, s.status, `${s.completed_steps} / ${s.total_steps}`,
                                       String(s.job_progress)]);
  }
  tab.check();
}));

test('the slice pages show its items and the API\'s numbers on it', inTab(async (tab) => {
  const { ds, slice } = evaluated;
  await signedIn(tab);
  await tab.go(`#/dataset/${ds}/slices`);
  assert.deepEqual((await tab.cells('#slices')).map((r) => r.slice(0, 3)), [['first two', slice, 'dataset_item']]);
  await tab.page.click('#slices a');
  await tab.waitFor('#main[data-ready] #slice-items', 30000);
  assert.deepEqual(await tab.page.$$eval('#slice-items .grid-cell', (cs) => cs.map((c) => c.innerText.trim())),
                   ['r0', 'r1']);
  const shown = await tab.cells('#slice-runs');
  assert.ok(shown.length > 0);
  for (const row of shown) {
    const [run, ev] = row;
    const newest = (await api.get(`modelRun/${run}/evaluationsV2`)).find((e) => e.status === 'succeeded');
    assert.equal(ev, newest.id);
    const c = await charts(ev, { sliceId: slice });
    const m = c.mapSummary, n = c.totalCounts;
    assert.deepEqual(row.slice(2), [m.mapAt5095.toFixed(3), m.mapAt50.toFixed(3), String(n.tp), String(n.fp), String(n.fn)]);
    assert.equal(n.tp + n.fn, 4);  // the slice's ground truth only: 2 items x 2 boxes
  }
  await (await tab.page.$$('#slice-items .grid-cell'))[1].click();  // opens by id, with its position
  await tab.until(() => document.querySelector('h1')?.innerText.trim().endsWith('r1 #1 of 4') &&
                        document.querySelector('#item-canvas[data-drawn]'));
  tab.check();
}));

test('the Model CI page shows the API\'s verdicts', inTab(async (tab) => {
  const { ut, fns } = evaluated;
  const names = Object.fromEntries(Object.entries(fns).map(([k, v]) => [v, k]));
  const history = await api.get(`validate/scenario_test/${ut}/eval_history/details`);
  assert.equal(history.length, 2);
  await signedIn(tab);
  await tab.go('#/ci');
  await tab.waitFor('#main[data-ready] section.ci-test', 30000);
  const section = `section[data-test='${ut}']`;
  const metrics = (await api.get(`validate/scenario_test/${ut}/metrics`)).scenario_test_metrics;
  assert.deepEqual(await tab.cells(`${section} .ci-metrics`), metrics.map((m) => [
    names[m.eval_function_id], JSON.stringify(m.eval_func_arguments),
    m.threshold === null ? '—' : String(m.threshold), m.threshold_comparison]));
  const shown = await tab.cells(`${section} .ci-history`);
  assert.deepEqual(shown.map((r) => [...r.slice(0, 4), r[5]]), history.map((e) => [
    'ci model', names[e.eval_function_id], Number(e.result).toFixed(3),
    e.threshold === null ? '—' : String(e.threshold), e.pass ? 'pass' : 'fail']));
  assert.deepEqual(Object.fromEntries(history.map((e) => [names[e.eval_function_id], e.pass])),
                   { bbox_recall: false, bbox_precision: true });
  tab.check();
}));
