// The agent panel as a side panel beside the phone software (issue 20), in
// Debian's chromium against the real daemon: at 400 × 800 the first
// question's heading and every option are in view without scrolling, in a
// fresh panel with three citizens waiting and after taking one over; every
// option has a key (a 13-option question takes one key); the single-key
// shortcuts can be switched off or remapped and stay so; a typical walk
// and finish takes no more key presses than before; the logged screen says
// what was stored; the sign-in error, the announcements and the texts for a
// chat are in one language and fit the channel. axe at 400 and 1280 px.
//
// Synchronisation is on the page's state or the daemon's replies, never on
// sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  launch, newPage, assertNoProblems, axe, screenshot, waitForNode, waitForConnection, startDaemon, ROOT,
} from './lib.mjs';
import { Client } from '../blackbox/lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function withDaemon(opts, fn) {
  const d = await startDaemon(opts);
  const closers = [];
  try {
    await fn(d, closers);
  } finally {
    for (const c of closers) await c().catch(() => {});
    await d.stop();
    d.cleanup();
  }
}

async function openPanel(page, d) {
  await page.goto(`${d.url}/agent/#token=${d.tokens.agent}`);
  await page.locator('form.start').waitFor();
  await waitForConnection(page);
  await page.locator('#queue[data-subscribed="true"]').waitFor();
}

// A citizen in the chat widget who answered two questions and asked for a
// person (each from an address of its own: the daemon bounds one address).
async function citizenHandsOver(d, closers, from) {
  const cz = await Client.open(d, { from });
  closers.push(() => cz.close());
  await cz.request({ type: 'hello', role: 'citizen', lang: 'nb' });
  let s = await cz.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' });
  s = await cz.request({ type: 'answer', session: s.session, value: 'self' });
  s = await cz.request({ type: 'answer', session: s.session, value: 'login' });
  const ho = await cz.request({ type: 'handover', session: s.session });
  assert.equal(ho.type, 'handover', JSON.stringify(ho));
  return ho.code;
}

// Where the question's heading and options are, against the viewport and
// the sticky bar (its bottom is the first line the page can show).
function layout(page) {
  return page.evaluate(() => {
    const bar = document.querySelector('.topbar').getBoundingClientRect().bottom;
    const box = (el) => { const r = el.getBoundingClientRect(); return { top: Math.round(r.top), bottom: Math.round(r.bottom), text: el.textContent.trim().slice(0, 40) }; };
    return { bar: Math.round(bar), height: window.innerHeight, scrollY: window.scrollY,
      maxScroll: document.documentElement.scrollHeight - window.innerHeight,
      heading: box(document.querySelector('.step-screen h1')),
      options: [...document.querySelectorAll('.options .option')].map(box) };
  });
}

function assertInView(l, what) {
  for (const el of [l.heading, ...l.options]) {
    assert.ok(el.top >= l.bar - 1 && el.bottom <= l.height,
      `${what}: "${el.text}" at ${el.top}–${el.bottom} px is not in view (bar ends at ${l.bar}, viewport ${l.height})`);
  }
}

async function checkWidths(page, name) {
  for (const [w, hgt] of [[1280, 900], [400, 800]]) {
    await page.setViewportSize({ width: w, height: hgt });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name} at ${w} px scrolls sideways by ${overflow} px`);
    await axe(page, `${name} at ${w} px`);
    await screenshot(page, `agent-${name}-${w}`);
  }
}

test('at 400 × 800 the first question and all its options are in view: fresh with 3 waiting, and after taking a case', { timeout: 120000 }, async () => {
  await withDaemon({}, async (d, closers) => {
    const codes = [];
    for (const ip of ['127.0.0.91', '127.0.0.92', '127.0.0.93']) codes.push(await citizenHandsOver(d, closers, ip));
    const page = await newPage(browser, { width: 400, height: 800 });
    await openPanel(page, d);
    await page.locator('#queue[data-count="3"]').waitFor();
    await page.keyboard.press('Control+Enter');
    await waitForNode(page, 'who');
    // Folded to one line, with the count.
    await page.locator('#queue[data-folded="true"]').waitFor();
    assert.equal(await page.locator('#queue-body').isHidden(), true);
    assert.match((await page.locator('#queue .queue-head').innerText()).replace(/\s+/g, ' '), /Kø fra chatten 3 .*Vis køen/);
    let l = await layout(page);
    assert.equal(l.scrollY, 0, 'nothing scrolled');
    assert.ok(l.options.length >= 3, `${l.options.length} options`);
    assertInView(l, 'a fresh panel with 3 waiting');
    assert.ok(l.bar <= 90, `a compact bar: ${l.bar} px`);
    await axe(page, 'the first question at 400 px with 3 waiting');
    await screenshot(page, 'agent-fit-fresh-400');

    // Taking the longest-waiting case (q, then Enter twice: a walk is on).
    await page.keyboard.press('q');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.code), codes[0]);
    await page.keyboard.press('Enter');
    await page.locator('.qi-warn').waitFor();
    await page.keyboard.press('Enter');
    await waitForNode(page, 'login.method');
    await page.locator('#queue[data-folded="true"][data-count="2"]').waitFor();
    l = await layout(page);
    assertInView(l, 'a case just taken');
    // Scrolled to its heading, as far as the page goes.
    assert.ok(l.heading.top - l.bar < 80 || l.scrollY >= l.maxScroll - 1,
      `the taken case's heading is at ${l.heading.top} px (bar ${l.bar}), scrolled ${l.scrollY} of ${l.maxScroll}`);
    await screenshot(page, 'agent-fit-taken-400');
    await checkWidths(page, 'fit-taken');
    assertNoProblems(page);
  });
});

test('every option has a key: a 29-option question, its 13th option in one key; shortcuts off, remapped and remembered', { timeout: 120000 }, async () => {
  await withDaemon({ rules: join(ROOT, 'rules') }, async (d) => {
    const page = await newPage(browser, { width: 400, height: 800 });
    await openPanel(page, d);
    await page.keyboard.press('Control+Enter');
    await waitForNode(page, 'topic');
    await page.keyboard.press('1'); // login
    await waitForNode(page, 'login_problem');
    const keys = await page.locator('.options .option').evaluateAll((els) => els.map((e) => [e.dataset.key, e.getAttribute('aria-keyshortcuts'), e.querySelector('.num')?.textContent]));
    assert.equal(keys.length, 29);
    assert.deepEqual(keys.map((k) => k[0]), ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'r', 's', 't', 'u', 'v'],
      'digits, then letters without c and q (the code field and the queue)');
    for (const [key, aria, shown] of keys) assert.ok(aria === key && shown === key.toUpperCase(), `key ${key} shown and announced`);
    assert.match(await page.locator('.keys-hint').textContent(), /^Tast 1–9 eller a–v for å svare/);
    await axe(page, 'a 29-option question at 400 px');
    await screenshot(page, 'agent-keys-29-options-400');
    const thirteenth = await page.locator('.options li:nth-child(13) .option-label').textContent();
    let presses = 0;
    await page.keyboard.press('e'); presses++;
    await page.waitForFunction(() => document.querySelector('.step-screen').dataset.node !== 'login_problem');
    assert.ok(presses <= 2, 'a 13-option question takes at most 2 keys');
    assert.match(await page.locator('.trail').textContent(), new RegExp(thirteenth.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    // Back is announced as going back, with where to.
    await page.keyboard.press('Backspace');
    await waitForNode(page, 'login_problem');
    await page.waitForFunction(() => document.getElementById('announcer').textContent.startsWith('Tilbake til: '));
    assert.match(await page.locator('#announcer').textContent(), /^Tilbake til: .+/);

    // Off: a digit does nothing, the hint says how to answer instead; remembered.
    await page.locator('#keys-settings summary').click();
    await page.locator('#keys-on').uncheck();
    await axe(page, 'the shortcut settings at 400 px');
    await screenshot(page, 'agent-keys-settings-400');
    await page.keyboard.press('Escape');
    await page.locator('.step-screen h1').focus();
    assert.match(await page.locator('.keys-hint').textContent(), /^Hurtigtastene er slått av/);
    assert.equal(await page.locator('.options .option .num').count(), 0);
    await page.keyboard.press('1');
    await page.keyboard.press('q');
    assert.equal(await page.locator('.step-screen').getAttribute('data-node'), 'login_problem', 'a digit answers nothing');
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1', 'q goes nowhere');
    await page.reload();
    await waitForNode(page, 'login_problem');
    await waitForConnection(page);
    assert.equal(await page.locator('#keys-on').isChecked(), false, 'remembered');
    // On again, with the queue on k: k goes to the queue, and options skip it (q is free again).
    await page.locator('#keys-settings summary').click();
    await page.locator('#keys-on').check();
    await page.locator('#key-queue').fill('k');
    await page.keyboard.press('Escape');
    await page.locator('.step-screen h1').focus();
    const remapped = await page.locator('.options .option').evaluateAll((els) => els.map((e) => e.dataset.key));
    assert.deepEqual(remapped.slice(9), ['a', 'b', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v']);
    assert.equal(await page.locator('#queue-button kbd').textContent(), 'K');
    await page.keyboard.press('k');
    await page.waitForFunction(() => document.activeElement?.id === 'queue-h');
    assert.deepEqual((await page.evaluate(() => JSON.parse(localStorage.getItem('vegvisar.agent.prefs')).keys)),
      { on: true, queue: 'k', code: 'c', search: '/' });
    assertNoProblems(page);
  });
});

test('a typical login walk and finish by keyboard: no more key presses than before; the logged screen says what was stored', { timeout: 120000 }, async () => {
  await withDaemon({}, async (d) => {
    const page = await newPage(browser, { width: 400, height: 800 });
    await openPanel(page, d);
    const presses = [];
    const press = async (k) => { presses.push(k); await page.keyboard.press(k); };
    await press('Control+Enter');
    await waitForNode(page, 'who');
    await press('1'); // self
    await waitForNode(page, 'topic');
    await press('1'); // login
    await waitForNode(page, 'login.method');
    const bankid = await page.locator('.option[data-value="bankid"]').getAttribute('data-key');
    await press(bankid);
    await page.waitForFunction(() => ['login.problem', 'login.bankid'].includes(document.querySelector('.step-screen')?.dataset.node));
    if (await page.locator('.step-screen[data-node="login.problem"]').count()) {
      await press(await page.locator('.option[data-value="unknown"]').getAttribute('data-key'));
      await waitForNode(page, 'login.bankid');
    }
    await press('Control+Enter'); // the finish form: referred to the bank, suggested
    await page.locator('form.finish').waitFor();
    await press('Control+Enter'); // the reason is missing: focus goes to it
    await page.locator('#referral_reason[aria-invalid="true"]').waitFor();
    await press('ArrowDown'); // wrong agency
    await press('Control+Enter');
    await page.locator('section.logged').waitFor();
    // Before issue 20 the same walk took these ten presses (option keys 1–9 did not change).
    assert.ok(presses.length <= 10, `${presses.length} presses: ${presses.join(' ')}`);

    // What was stored, and the announcement says it.
    const stored = await page.locator('.stored-list div').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.field, e.querySelector('dd').textContent])));
    assert.equal(stored.outcome, 'Henvist');
    assert.match(stored.destination, /Banken din/);
    assert.equal(stored.referral_reason, 'Feil etat');
    assert.equal(stored.on_behalf, 'Seg selv');
    assert.equal(stored.note, 'Nei');
    await page.waitForFunction(() => /Henvist til .*Banken din.*\(Feil etat\)/.test(document.getElementById('announcer').textContent));
    await checkWidths(page, 'logged-summary');
    assertNoProblems(page);
  });
});

test('one language per screen and texts for the channel: the sign-in error, a chat session\'s advice', { timeout: 90000 }, async () => {
  await withDaemon({}, async (d) => {
    const page = await newPage(browser, { width: 400, height: 800 });
    await page.goto(`${d.url}/agent/`);
    await page.locator('#token').fill(d.tokens.supervisor); // not an agent's key
    await page.keyboard.press('Enter');
    await page.locator('form.signin .form-error:not(:empty)').waitFor();
    const error = await page.locator('form.signin .form-error').textContent();
    assert.equal(error, 'Nøkkelen ble ikke godtatt. Sjekk at det er en veiledernøkkel som fortsatt gjelder.');
    assert.doesNotMatch(error, /token|role|valid/, 'no English from the daemon');
    await axe(page, 'the sign-in error at 400 px');
    await screenshot(page, 'agent-signin-refused-400');

    // A chat: the advice is for the citizen, not "the caller".
    await page.locator('#token').fill(d.tokens.agent);
    await page.keyboard.press('Enter');
    await page.locator('form.start').waitFor();
    await waitForConnection(page);
    await page.locator('input[name="channel"][value="chat"]').check();
    await page.keyboard.press('Control+Enter');
    await waitForNode(page, 'who');
    await page.keyboard.press('1');
    await waitForNode(page, 'topic');
    await page.keyboard.press('1');
    await waitForNode(page, 'login.method');
    await page.keyboard.press(await page.locator('.option[data-value="bankid"]').getAttribute('data-key'));
    await page.waitForFunction(() => ['login.problem', 'login.bankid'].includes(document.querySelector('.step-screen')?.dataset.node));
    if (await page.locator('.step-screen[data-node="login.problem"]').count()) {
      await page.keyboard.press(await page.locator('.option[data-value="unknown"]').getAttribute('data-key'));
      await waitForNode(page, 'login.bankid');
    }
    assert.equal(await page.locator('.advice h3').textContent(), 'Innbyggeren bør ha klart');
    assert.doesNotMatch(await page.locator('main').innerText(), /Innringeren/);
    await page.keyboard.press('Control+Enter');
    await page.locator('form.finish').waitFor();
    assert.doesNotMatch(await page.locator('main').innerText(), /Innringeren/, 'the finish form of a chat');
    await axe(page, 'a chat session\'s finish form at 400 px');
    await page.setViewportSize({ width: 1280, height: 900 });
    await axe(page, 'a chat session\'s finish form at 1280 px');
    assertNoProblems(page);
  });
});
