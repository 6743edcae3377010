// The citizens' chat widget in Debian's chromium against the real daemon,
// when things are not as they should be: refused origins and floods, a
// daemon restart and a reload mid-walk, a handover waiting across a
// restart, isolation from a hostile host page, 320 px, 200 % zoom and large
// host fonts, with axe-core and screenshots in tests/artifacts/. The walks
// themselves are widget.test.mjs's.
//
// Host pages are served from other origins (widget-lib.mjs startHost) with
// the CSP a real host needs. Synchronisation is on the widget's state
// (locator.waitFor on data-* attributes) or on protocol messages, never on
// sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, restartDaemon } from './lib.mjs';
import { agent, Client } from '../blackbox/lib.mjs';
import {
  W, deepFocus, tabToDeep, waitForWidget, waitForConn, waitForQuestion, waitForResult,
  answerByKeyboard, widgetText, RULES, withSetup, pageOpener, screenshot, assertAxe,
  openByKeyboard, walk, settle,
} from './widget-lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
const openPage = pageOpener(() => browser);

test('a page on an origin the daemon does not allow says plainly that it cannot connect', { timeout: 60000 }, async () => {
  await withSetup({}, async (ctx) => {
    const { refused } = ctx;
    const page = await openPage(ctx, refused.page({ country: 'no', lang: 'nb' }));
    await openByKeyboard(page);
    await waitForConn(page, 'failed');
    assert.match(await widgetText(page, '.status'), /Vi får ikke kontakt med hjelpetjenesten fra denne siden/);
    assert.equal(await page.locator('vegvisar-widget .retry-row button').isVisible(), true, 'a retry button is offered');
    assert.equal(await page.locator('vegvisar-widget .options').count(), 0);
    await assertAxe(page, 'widget-refused', 'the refused connection');
    await screenshot(page, 'widget-refused');
  });
});

test('floods: one address over its limits is refused or rate_limited, another is served; the widget waits calmly and goes on', { timeout: 90000 }, async () => {
  await withSetup({ config: { limits: { connections_per_ip: 4, messages_per_second: 2, burst: 8 } } }, async (ctx) => {
    const { d, allowed } = ctx;
    const origin = allowed.origin;
    // 127.0.0.2 opens connections until refused, then floods messages.
    const flood = [];
    for (let i = 0; i < 4; i++) flood.push(await Client.open(d, { from: '127.0.0.2', origin }));
    await assert.rejects(Client.open(d, { from: '127.0.0.2', origin }), /upgrade refused|Unexpected|socket hang up/, 'the fifth connection from one address is refused');
    await flood[0].request({ type: 'hello', role: 'citizen' });
    const replies = await Promise.all(Array.from({ length: 30 }, () => flood[0].request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' })));
    assert.ok(replies.filter((r) => r.code === 'rate_limited').length >= 15, 'most of the flood is rate_limited');

    // Meanwhile the widget from 127.0.0.1 is served.
    const page = await openPage(ctx, allowed.page({ country: 'no', lang: 'nb' }));
    await openByKeyboard(page);
    await walk(page, [['who', 'self']]);
    await waitForQuestion(page, 'topic');

    // Now 127.0.0.1 itself is over its budget (a node client keeps it
    // empty): the widget's answer gets rate_limited, the widget says so
    // calmly and sends it again once the flood stops.
    const noisy = await Client.open(d, { from: '127.0.0.1', origin });
    let flooding = true;
    const loop = (async () => { while (flooding) await noisy.request({ type: 'hello', role: 'citizen' }); })();
    await answerByKeyboard(page, 'case_matter');
    await page.locator(`${W.status}`, { hasText: 'Mange spør akkurat nå' }).waitFor();
    assert.match(await widgetText(page, '.status'), /Vi prøver igjen om litt – du trenger ikke gjøre noe/);
    await assertAxe(page, 'widget-rate-limited', 'the rate-limited message');
    await screenshot(page, 'widget-rate-limited');
    flooding = false;
    await loop;
    await waitForQuestion(page, 'case.service');
    assert.equal((await widgetText(page, '.status')).trim(), '', 'the message goes once the answer went through');
    await Promise.all([...flood, noisy].map((c) => c.close()));
  });
});

test('a daemon restart mid-walk: the widget reconnects and the session is restored; a reload keeps the conversation', { timeout: 90000 }, async () => {
  await withSetup({}, async (ctx) => {
    const page = await openPage(ctx, `${ctx.d.url}/widget/demo.html`);
    await openByKeyboard(page);
    await walk(page, [['who', 'self']]);
    await waitForQuestion(page, 'topic');

    await ctx.d.stop();
    await page.locator(`${W.root}[data-conn="waiting"]`).waitFor({ state: 'attached' });
    assert.match(await widgetText(page, '.status'), /Forbindelsen ble borte/);
    ctx.d = await restartDaemon(ctx.d, RULES);
    await waitForConn(page, 'ready');
    await ctx.d.waitForLog(/session restored from the client's record/);
    await waitForQuestion(page, 'topic');
    assert.equal(await page.locator('vegvisar-widget .msg[data-node="topic"]').count(), 1, 'the question is not asked twice');
    await walk(page, [['topic', 'case_matter']]);
    await waitForQuestion(page, 'case.service');

    // A reload (or the next page of the site): the same conversation.
    await page.reload();
    await waitForWidget(page);
    await page.locator(W.panel).waitFor({ state: 'visible' });
    await waitForQuestion(page, 'case.service');
    assert.equal(await page.locator('vegvisar-widget .msg.me').count(), 2, 'both answers are still in the log');
    assert.equal((await deepFocus(page)).inWidget, false, 'a reload does not pull focus into the widget');
    await tabToDeep(page, '.option[data-value="welfare_benefit"]');
    await page.keyboard.press('Enter');
    await waitForResult(page, 'case.nav');
  });
});

test('a handover waiting across a daemon restart: the widget asks again, shows the new code, and hears the take', { timeout: 90000 }, async () => {
  await withSetup({}, async (ctx) => {
    // The demo page: the daemon's own origin, which a restart keeps allowed.
    const page = await openPage(ctx, `${ctx.d.url}/widget/demo.html`);
    await openByKeyboard(page);
    await walk(page, [['who', 'self']]);
    await waitForQuestion(page, 'topic');
    await tabToDeep(page, '[data-act="person"]');
    await page.keyboard.press('Enter');
    const first = await page.locator('vegvisar-widget .handover').first();
    await first.waitFor();
    const oldCode = await first.getAttribute('data-code');

    // Handovers live in the daemon's memory: a restart forgets the code.
    await ctx.d.stop();
    ctx.d = await restartDaemon(ctx.d, RULES);
    const second = page.locator('vegvisar-widget .handover').nth(1);
    await second.waitFor();
    const newCode = await second.getAttribute('data-code');
    assert.notEqual(newCode, oldCode);
    assert.match(await second.innerText(), /du har fått en ny kode/);

    const desk = await agent(ctx.d);
    const step = await desk.request({ type: 'take', code: newCode });
    assert.equal(step.question.node, 'topic', 'the restored session, at the same question');
    assert.deepEqual(step.facts, { on_behalf: 'self' });
    await page.locator(`${W.root}[data-state="taken"] .msg.taken`).waitFor();
    await desk.close();
  });
});

test('isolation: the hostile host stylesheet does not reach in; only the Vegvisar host is contacted; reduced motion', { timeout: 60000 }, async () => {
  await withSetup({}, async (ctx) => {
    const { d, allowed } = ctx;
    const page = await newPage(browser);
    ctx.pages.push(page);
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(allowed.page({ country: 'no', lang: 'nb' }));
    await waitForWidget(page);
    await page.locator(W.launcher).click();
    await waitForQuestion(page, 'who');

    const look = await page.locator('vegvisar-widget .option').first().evaluate((el) => {
      const s = getComputedStyle(el);
      return { transform: s.textTransform, spacing: s.letterSpacing, family: s.fontFamily, border: s.borderTopStyle, cursor: s.cursor };
    });
    assert.equal(look.transform, 'none', 'the host\'s button { text-transform: uppercase } does not apply');
    assert.equal(look.spacing, 'normal');
    assert.doesNotMatch(look.family, /Georgia/);
    assert.equal(look.border, 'solid');
    const log = await page.locator('vegvisar-widget .log').evaluate((el) => getComputedStyle(el).borderTopWidth);
    assert.equal(log, '0px', "the host's [role=log] rule does not apply");

    const others = requests.filter((u) => !u.startsWith(allowed.origin) && !u.startsWith(d.url) && !u.startsWith('data:'));
    assert.deepEqual(others, [], 'nothing is requested from anyone but the host and Vegvisar');
    const fromVegvisar = requests.filter((u) => u.startsWith(d.url)).map((u) => new URL(u).pathname).sort();
    assert.deepEqual(fromVegvisar, ['/widget/widget.css', '/widget/widget.js']);

    const motion = await page.locator(W.panel).evaluate((el) => getComputedStyle(el).animationName);
    assert.equal(motion, 'vv-rise');
    const calm = await newPage(browser);
    ctx.pages.push(calm);
    await calm.emulateMedia({ reducedMotion: 'reduce' });
    await calm.goto(allowed.page({ country: 'no', lang: 'nb' }));
    await waitForWidget(calm);
    await calm.locator(W.launcher).click();
    assert.equal(await calm.locator(W.panel).evaluate((el) => getComputedStyle(el).animationName), 'none',
      'no animation with prefers-reduced-motion');
  });
});

test('320 px wide, 200 % zoom and a host with large text: everything reachable, no sideways scrolling, axe clean', { timeout: 90000 }, async () => {
  await withSetup({}, async (ctx) => {
    const { allowed } = ctx;
    // 320 CSS px (a small phone, and WCAG's reflow width).
    let page = await openPage(ctx, allowed.page({ country: 'no', lang: 'nb' }), { width: 320, height: 640 });
    await openByKeyboard(page);
    await walk(page, [['who', 'self'], ['topic', 'case_matter'], ['case.service', 'welfare_benefit']]);
    await waitForResult(page, 'case.nav');
    const box = await page.locator(W.panel).boundingBox();
    assert.ok(box.x >= 0 && box.width <= 320, `the panel fits 320 px: ${JSON.stringify(box)}`);
    const sideways = await page.locator('vegvisar-widget .body').evaluate((el) => el.scrollWidth - el.clientWidth);
    assert.equal(sideways, 0, 'no horizontal scrolling inside the panel');
    await tabToDeep(page, '[data-act="person"]');
    await page.keyboard.press('Enter');
    await page.locator('vegvisar-widget .handover').waitFor();
    const code = await page.locator('vegvisar-widget .handover .code').boundingBox();
    assert.ok(code.x + code.width <= 320, 'the code fits on the screen');
    await assertAxe(page, 'widget-320', 'the panel at 320 px');
    await screenshot(page, 'widget-320');

    // 200 % zoom of a 1280 × 900 window is a 640 × 450 CSS px viewport, and
    // a host whose root font size is 200 % makes the widget's text twice as big.
    page = await openPage(ctx, allowed.page({ country: 'no', lang: 'nb', big: '1' }), { width: 640, height: 450 });
    const size = await page.locator(W.root).evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    const root = await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
    assert.equal(root, 32);
    assert.equal(size, root, "the widget's text follows the host's root font size");
    await openByKeyboard(page);
    await walk(page, [['who', 'self']]);
    await waitForQuestion(page, 'topic');
    await settle(page); // the panel rises 0.75rem as it opens: measure where it ends
    const panel = await page.locator(W.panel).boundingBox();
    assert.ok(panel.width <= 640 && panel.height <= 450, `the panel fits the zoomed window: ${JSON.stringify(panel)}`);
    await tabToDeep(page, '[data-act="person"]'); // the last control is reachable (scrolls into view)
    const person = await page.locator('vegvisar-widget [data-act="person"]').boundingBox();
    // With its focus ring (3 px and 2 px apart), not cut off by the panel's edge.
    assert.ok(person.y + person.height + 5 <= 450, `the focused control and its ring are scrolled into view: ${JSON.stringify(person)}`);
    await assertAxe(page, 'widget-zoom200', 'the panel at 200 % zoom with large text');
    await screenshot(page, 'widget-zoom200');
  });
});
