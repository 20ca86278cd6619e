// The dashboard's shell: a hash router (#/page/arg...) over the pages of pages.js. A page is an
// async function (main element, route arguments) that renders into `main`; navigation away
// bumps `generation`, so an old page's late answers are dropped instead of drawn.
import { apiKey, signOut } from './api.js';
import * as pages from './pages.js';

const routes = [
  [/^#\/signin$/, pages.signInPage, null],
  [/^#\/datasets$/, pages.datasetsPage, 'datasets'],
  [/^#\/dataset\/([^/]+)$/, pages.itemGridPage, 'datasets'],
  [/^#\/dataset\/([^/]+)\/item\/(\d+)$/, pages.itemPage, 'datasets'],
  [/^#\/dataset\/([^/]+)\/item\/(\d+)\/run\/([^/]+)$/, pages.itemWithRunPage, 'datasets'],
  [/^#\/dataset\/([^/]+)\/itemid\/([^/]+)\/run\/([^/]+)$/, pages.itemByIdPage, 'datasets'],
  [/^#\/dataset\/([^/]+)\/itemid\/([^/]+)$/, (main, ds, di, live) => pages.itemByIdPage(main, ds, di, '', live), 'datasets'],
  [/^#\/dataset\/([^/]+)\/slices$/, pages.slicesPage, 'datasets'],
  [/^#\/slice\/([^/]+)$/, pages.slicePage, 'datasets'],
  [/^#\/ci$/, pages.modelCiPage, 'ci'],
  [/^#\/models$/, pages.modelsPage, 'models'],
  [/^#\/run\/([^/]+)$/, pages.runPage, 'models'],
  [/^#\/compare\/([^/]+)\/([^/]+)$/, pages.comparePage, 'models'],
  [/^#\/jobs$/, pages.jobsPage, 'jobs'],
];

let generation = 0;
export const current = () => generation;

async function render() {
  const main = document.getElementById('main');
  const hash = location.hash || '#/datasets';
  document.getElementById('signout').hidden = !apiKey();
  if (!apiKey() && hash !== '#/signin') {
    sessionStorage.setItem('nucleus.after', hash);
    location.hash = '#/signin';
    return;
  }
  const mine = ++generation;
  for (const [pattern, page, nav] of routes) {
    const m = hash.match(pattern);
    if (!m) continue;
    for (const a of document.querySelectorAll('#nav a')) {
      a.classList.toggle('active', a.dataset.nav === nav);
    }
    main.replaceChildren();
    delete main.dataset.ready;  // set by a page once it is complete
    delete main.dataset.interactive;
    try {
      await page(main, ...m.slice(1).map(decodeURIComponent), () => mine === generation);
    } catch (e) {
      if (mine !== generation) return;
      if (e.status === 401) { signOut(); location.hash = '#/signin'; return; }
      const p = document.createElement('p');
      p.className = 'error';
      p.textContent = e.message;
      main.append(p);
    }
    return;
  }
  main.textContent = 'No such page.';
}

document.getElementById('signout').addEventListener('click', () => {
  signOut();
  location.hash = '#/signin';
});
window.addEventListener('hashchange', render);
render();
