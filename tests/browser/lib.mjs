// Shared helpers for browser tests: Debian's chromium through playwright-core
// against the real daemon (startDaemon from the black-box tests), axe-core
// checks, screenshots, and waiting on the page's state (never on time).
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, startDaemon, sqlite, FIXTURE_RULES } from '../blackbox/lib.mjs';

export { ROOT, startDaemon, sqlite, FIXTURE_RULES };

export const ARTIFACTS = join(ROOT, 'tests/artifacts');
const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

// Only ever Debian's chromium: playwright-core never downloads a browser.
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
}

// A page that fails the test on any console error or uncaught exception
// (a CSP violation shows up as a console error, so this also proves the
// panel needs no inline script or style).
export async function newPage(browser, { width = 1280, height = 900, locale = 'nb-NO' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // A daemon we stopped on purpose: the browser logs the refused socket.
    if (/WebSocket connection to .* failed/.test(text)) return;
    page.problems.push(`console error: ${text}`);
  });
  return page;
}

export function assertNoProblems(page) {
  if (page.problems.length) throw new Error(`the page reported problems:\n${page.problems.join('\n')}`);
}

// axe-core runs inside the page. page.evaluate goes through the DevTools
// protocol, which the page's CSP (script-src 'self', no eval) does not
// govern, so the panel runs under its real CSP and nothing is bypassed;
// addScriptTag({content}) would be an inline script and be blocked.
export async function axe(page, what) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) await page.evaluate(`${AXE_SOURCE}\n;0`);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\n/g, ' ')}`),
    }));
  });
  if (result.length) {
    const lines = result.map((v) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`);
    throw new Error(`axe: ${result.length} violation(s) on ${what}:\n${lines.join('\n')}`);
  }
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// Press Tab until the focused element matches selector (keyboard only: no
// clicks, no element.focus()). Fails after max presses.
export async function tabTo(page, selector, { max = 40, shift = false } = {}) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
  }
  const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120));
  throw new Error(`Tab never reached ${selector}; focus is on ${at}`);
}

// The element that has focus, described for assertions.
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el ? { tag: el.tagName.toLowerCase(), id: el.id, text: el.textContent.trim(), cls: el.className } : null;
  });
}

// Wait until the panel shows the question of node (or the result of node).
export async function waitForNode(page, node) {
  await page.locator(`.step-screen[data-node="${node}"]`).waitFor();
}

export async function waitForConnection(page, state = 'ready') {
  await page.locator(`#conn[data-state="${state}"]`).waitFor();
}

// The panel's own record, as the browser keeps it.
export function storage(page) {
  return page.evaluate(() => ({
    session: JSON.parse(sessionStorage.getItem('vegvisar.agent.session') || 'null'),
    lastLogged: JSON.parse(sessionStorage.getItem('vegvisar.agent.lastLogged') || 'null'),
    outbox: JSON.parse(localStorage.getItem('vegvisar.agent.outbox') || '[]'),
    token: JSON.parse(sessionStorage.getItem('vegvisar.agent.token') || 'null'),
  }));
}

// Start the daemon again on the same port, state dir and tokens.
export function restartDaemon(d, rules = FIXTURE_RULES) {
  return startDaemon({ dir: d.dir, port: d.port, tokens: d.tokens, rules });
}

// ---- the agent panel (agent.test.mjs, agent-screens.test.mjs) ----------------

export const dbOf = (d) => join(d.dir, 'vegvisar.db');

export async function withDaemon(fn) {
  const d = await startDaemon();
  const ctx = { d, extra: [] };
  try {
    await fn(ctx);
  } finally {
    for (const x of [ctx.d, ...ctx.extra]) await x.stop();
    ctx.d.cleanup();
  }
}

// The h1 of the screen has focus (WCAG: focus moves to the new content).
export async function assertHeadingFocused(page, text) {
  const f = await focused(page);
  assert.equal(f?.tag, 'h1', `focus should be on the new heading, is on ${JSON.stringify(f)}`);
  if (text) assert.equal(f.text, text);
}

// The values of the options the question on screen offers, in order.
export function optionValues(page) {
  return page.locator('.options .option').evaluateAll((els) => els.map((e) => e.dataset.value));
}

export async function openPanel(page, d, token = d.tokens.agent) {
  await page.goto(`${d.url}/agent/#token=${token}`);
  await page.locator('form.start').waitFor();
  await waitForConnection(page);
}

// axe on one screen at 1280 and 360 px, screenshots at both, and no
// sideways scrolling at 320 px.
export async function checkScreen(page, name) {
  for (const width of [1280, 360, 320, 480]) {
    await page.setViewportSize({ width, height: width > 500 ? 900 : 740 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name} at ${width} px scrolls sideways by ${overflow} px`);
    if (width === 320 || width === 480) continue;
    await axe(page, `${name} at ${width} px`);
    await screenshot(page, `agent-${name}-${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}
