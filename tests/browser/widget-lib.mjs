// Helpers for the chat widget's browser tests: host pages on other origins,
// focus inside the widget's shadow root, and waiting on the widget's state.
//
// Playwright's CSS locators pierce open shadow roots, so
// page.locator('.options') finds the widget's options; document.activeElement
// is only the widget's host element, so focus is read through the shadow
// root(s) here.
import { createServer } from 'node:http';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import {
  ROOT, ARTIFACTS, FIXTURE_RULES, newPage, assertNoProblems, screenshot as pageShot, startDaemon,
} from './lib.mjs';

const HOSTILE_CSS = readFileSync(join(ROOT, 'clients/widget/demo.css'), 'utf8');

// A host page with the widget tag, on an origin of its own.
function hostPage({ daemon, country = 'no', lang = 'nb', rootFontSize, title = 'Kommunen – kontakt' }) {
  const langAttr = lang ? ` data-lang="${lang}"` : '';
  return `<!doctype html>
<html lang="${lang === 'da' ? 'da' : lang === 'en' ? 'en' : 'nb'}"${rootFontSize ? ` class="big"` : ''}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/host.css">
<script src="${daemon.url}/widget/widget.js" data-country="${country}"${langAttr} data-site="test" async></script>
</head>
<body>
<header class="site-head"><p><a href="/">${title}</a></p></header>
<main>
<h1>${title}</h1>
<p>Ei side på et annet nettsted enn Vegvisar, med eget stilark.</p>
<p><a href="#x">En lenke</a> <button type="button">En knapp</button></p>
</main>
</body>
</html>`;
}

// Serve host pages from 127.0.0.1 on a free port (an origin of its own).
// The daemon comes later (its config must name this origin first): set
// host.daemon before loading a page. The page's CSP is what a real host
// needs for the widget (see clients/widget/src/widget.js): script and style from
// the Vegvisar host, the websocket to it, nothing else.
// host.page({country, lang, big}) is a page's address; big=1 sets the
// root font size to 200 %.
export async function startHost() {
  const host = { daemon: null };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/host.css') {
      const big = 'html.big { font-size: 200% !important; } html.big * { font-size: 1rem; }\n';
      res.writeHead(200, { 'content-type': 'text/css' });
      res.end(HOSTILE_CSS + big);
      return;
    }
    if (url.pathname !== '/' || !host.daemon) {
      res.writeHead(404).end();
      return;
    }
    const q = url.searchParams;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': host.csp() });
    res.end(hostPage({ daemon: host.daemon, country: q.get('country') || 'no', lang: q.has('lang') ? q.get('lang') : 'nb',
      rootFontSize: q.get('big') === '1' }));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  host.origin = `http://127.0.0.1:${server.address().port}`;
  host.csp = () => {
    const d = host.daemon.url;
    return `default-src 'none'; script-src ${d}; style-src 'self' ${d}; connect-src ${d.replace(/^http/, 'ws')}; img-src data:`;
  };
  host.page = (q = {}) => `${host.origin}/?${new URLSearchParams(q)}`;
  host.close = () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); });
  return host;
}

// The element that has focus, looking into shadow roots.
export function deepFocus(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return null;
    return { tag: el.tagName.toLowerCase(), text: el.textContent.trim(), cls: el.className,
      inWidget: el.getRootNode() !== document, value: el.dataset?.value ?? null, act: el.dataset?.act ?? null };
  });
}

async function deepFocusMatches(page, selector) {
  return page.evaluate((s) => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el?.matches(s) ?? false;
  }, selector);
}

// Press Tab until the focused element (inside the widget or not) matches
// selector: keyboard only, no clicks, no element.focus().
export async function tabToDeep(page, selector, { max = 40, shift = false } = {}) {
  for (let i = 0; i < max; i++) {
    if (await deepFocusMatches(page, selector)) return;
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${selector}; focus is on ${JSON.stringify(await deepFocus(page))}`);
}

export const W = {
  launcher: 'vegvisar-widget .launcher',
  panel: 'vegvisar-widget .panel',
  status: 'vegvisar-widget .status',
  root: 'vegvisar-widget .vv',
};

// The widget is styled and on screen.
export async function waitForWidget(page) {
  await page.locator(W.launcher).waitFor({ state: 'visible' });
}

export async function waitForConn(page, state) {
  await page.locator(`${W.root}[data-conn="${state}"]`).waitFor({ state: 'attached' });
}

// The question of node is the one to answer (its options are offered and
// nothing is in flight).
export async function waitForQuestion(page, node) {
  await page.locator(`vegvisar-widget .vv[data-busy="false"] .options[data-node="${node}"]`).waitFor();
}

export async function waitForResult(page, node) {
  await page.locator(`vegvisar-widget .vv[data-state="result"][data-busy="false"] .result[data-node="${node}"]`).last().waitFor();
}

// Focus is on the text of the newest question (or the newest heading in the log).
export async function assertFocusOnNewest(page, assert, what) {
  const ok = await page.evaluate(() => {
    const root = document.querySelector('vegvisar-widget').shadowRoot;
    const targets = root.querySelectorAll('.log .focus-target');
    return root.activeElement !== null && root.activeElement === targets[targets.length - 1];
  });
  assert.ok(ok, `focus should be on the newest ${what}; it is on ${JSON.stringify(await deepFocus(page))}`);
}

// Answer the current question by keyboard: Tab to the option, press Enter.
export async function answerByKeyboard(page, value) {
  await tabToDeep(page, `.option[data-value="${value}"]`);
  await page.keyboard.press('Enter');
}

// "Start over" by keyboard: the widget asks first (focus on the question),
// Tab to "Yes, start over", Enter.
export async function startOverByKeyboard(page, assert) {
  await tabToDeep(page, '[data-act="restart"]');
  await page.keyboard.press('Enter');
  await page.locator('vegvisar-widget .confirm').waitFor();
  const f = await deepFocus(page);
  assert.match(f?.cls || '', /confirm-q/, `"start over?" takes focus, not ${JSON.stringify(f)}`);
  await tabToDeep(page, '[data-act="restart-yes"]');
  await page.keyboard.press('Enter');
}

export function widgetText(page, selector) {
  return page.locator(`vegvisar-widget ${selector}`).last().innerText();
}

// axe-core on the whole page, the widget's shadow DOM included (axe walks
// open shadow roots). As in lib.mjs (same rule tags, injected through the
// DevTools protocol so the page's CSP is not loosened), but with
// preload: false: for a shadow root holding a <link>, axe's CSSOM preload
// copies it into an inline <style>@import…</style> of its own, which the
// CSP rightly blocks and reports. Only css-orientation-lock uses that
// asset (the widget sets no orientation). Returns the violations, and
// writes them with the page's name to tests/artifacts/.
const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
// Wait until the widget's animations (the panel's open) have finished, so
// that axe and screenshots see the colours people see.
export async function settle(page) {
  await page.evaluate(() => {
    const root = document.querySelector('vegvisar-widget')?.shadowRoot;
    const all = [...document.getAnimations(), ...(root?.getAnimations() || [])];
    return Promise.all(all.map((a) => a.finished.catch(() => {})));
  });
}

export async function axeWidget(page, name) {
  await settle(page);
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(`${AXE_SOURCE}\n;0`);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      preload: false,
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    const brief = (v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => `${n.target.flat().join(' ')}: ${(n.failureSummary || '').replace(/\n/g, ' ')}`) });
    return { violations: r.violations.map(brief), incomplete: r.incomplete.map(brief), passes: r.passes.length,
      testEngine: r.testEngine.version, url: r.url };
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, `${name}.axe.json`), `${JSON.stringify(result, null, 1)}\n`);
  return result;
}

export function axeMessage(result, what) {
  const lines = result.violations.map((v) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`);
  return `axe: ${result.violations.length} violation(s) on ${what}:\n${lines.join('\n')}`;
}

// ---- shared by widget.test.mjs and widget-robust.test.mjs -------------------

// The test fixture's trees (tests/fixtures/rules): small and stable, where
// rules/ is the real content, edited as the sources change.
export const RULES = FIXTURE_RULES;
export const DESK_PHONE = { no: '22 22 22 22', dk: '33 33 33 33' };

// A daemon with the fixture's rule trees, one host origin it allows and one it
// does not. ctx.d may be replaced (a restart); everything is stopped after.
export async function withSetup({ config = {}, rules = RULES } = {}, fn) {
  const allowed = await startHost();
  const refused = await startHost();
  const d = await startDaemon({ rules, config: { widget_origins: [allowed.origin], desk_phone: DESK_PHONE, ...config } });
  allowed.daemon = d;
  refused.daemon = d;
  const ctx = { d, allowed, refused, pages: [] };
  try {
    await fn(ctx);
    for (const p of ctx.pages) assertNoProblems(p);
  } finally {
    await ctx.d.stop();
    ctx.d.cleanup();
    await allowed.close();
    await refused.close();
  }
}

// openPage(ctx, url, opts) for a test file whose browser browserOf() returns
// (it is launched in the file's before()).
export const pageOpener = (browserOf) => async function openPage(ctx, url, opts) {
  const page = await newPage(browserOf(), opts);
  ctx.pages.push(page);
  await page.goto(url);
  await waitForWidget(page);
  return page;
};

export async function screenshot(page, name) {
  await settle(page);
  return pageShot(page, name);
}

export async function assertAxe(page, name, what) {
  const r = await axeWidget(page, name);
  assert.equal(r.violations.length, 0, axeMessage(r, what));
}

// Keyboard only: Tab to the launcher, Enter. Focus goes into the panel.
export async function openByKeyboard(page) {
  await tabToDeep(page, '.launcher');
  await page.keyboard.press('Enter');
  await page.locator(`${W.panel}`).waitFor({ state: 'visible' });
  const f = await deepFocus(page);
  assert.ok(f?.inWidget, `opening moves focus into the panel, not ${JSON.stringify(f)}`);
}


// Walk [node, value] pairs by keyboard; focus must be on each new question.
export async function walk(page, steps, { axeName } = {}) {
  for (const [node, value] of steps) {
    await waitForQuestion(page, node);
    await assertFocusOnNewest(page, assert, `question ${node}`);
    if (axeName) await assertAxe(page, `${axeName}-${node}`, `the question ${node}`);
    await answerByKeyboard(page, value);
  }
}
