// The agent panel in Debian's chromium against the real daemon: a daemon
// restart mid-session and mid-finish, and axe-core on every screen with
// screenshots at 360 and 1280 px. The call itself is agent.test.mjs's.
//
// Synchronisation is on the page's state (locator.waitFor) or on events
// (the daemon's log, a websocket message), never on sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, newPage, assertNoProblems, focused, waitForNode, waitForConnection, storage,
  restartDaemon, sqlite, dbOf, withDaemon, assertHeadingFocused, openPanel, checkScreen,
} from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the daemon restarts mid-session and mid-finish: the panel resumes and logs the contact exactly once', { timeout: 120000 }, async () => {
  await withDaemon(async (ctx) => {
    const { d } = ctx;
    const page = await newPage(browser);
    // Between page and daemon: lets the test lose one `logged` reply, as a
    // crash right after the commit would, and keep the websocket down while
    // the page itself still loads.
    let dropLogged = false;
    let blockWs = false;
    let onDropped;
    const dropped = new Promise((ok) => { onDropped = ok; });
    await page.routeWebSocket(/\/ws$/, (ws) => {
      if (blockWs) {
        ws.close({ code: 1011, reason: 'blocked by the test' });
        return;
      }
      const server = ws.connectToServer();
      server.onMessage((m) => {
        if (dropLogged && JSON.parse(m).type === 'logged') {
          onDropped(JSON.parse(m));
          return;
        }
        ws.send(m);
      });
    });
    await openPanel(page, d);

    // Start with a fact given at start, so the restore carries facts.
    await page.locator('details.known summary').click();
    await page.locator('#fact-on_behalf').selectOption('self');
    await page.locator('form.start button[type="submit"]').click();
    await waitForNode(page, 'topic');
    await page.keyboard.press('1'); // login
    await waitForNode(page, 'login.method');
    await page.keyboard.press('1'); // minid
    await waitForNode(page, 'login.problem');

    // Mid-session: the daemon dies and comes back with no memory of it.
    await d.kill9();
    await waitForConnection(page, 'waiting');
    ctx.d = await restartDaemon(d);
    await waitForConnection(page, 'ready');
    await ctx.d.waitForLog(/restored/, 'the session to be restored');
    await waitForNode(page, 'login.problem');

    // A reload keeps the walk too (the record is in sessionStorage).
    await page.reload();
    await waitForConnection(page, 'ready');
    await waitForNode(page, 'login.problem');

    // The rebuilt session has its history: back works as before.
    await page.keyboard.press('Backspace');
    await waitForNode(page, 'login.method');
    await page.keyboard.press('1'); // minid
    await waitForNode(page, 'login.problem');

    // Changing the fact given at start goes to its question (the engine
    // never asked it, so the walk starts again without it), and keeps the
    // later answers out.
    await page.locator('button.fact[data-fact="on_behalf"]').click();
    await waitForNode(page, 'who');
    await assertHeadingFocused(page, 'Gjelder det deg selv eller en annen?');
    assert.equal(await page.locator('.trail .fact').count(), 0, 'no later answers kept');
    await page.keyboard.press('1'); // self again
    await waitForNode(page, 'topic');
    await page.keyboard.press('1'); // login
    await waitForNode(page, 'login.method');
    await page.keyboard.press('1'); // minid
    await waitForNode(page, 'login.problem');
    await page.keyboard.press('2'); // phone_number_changed
    await waitForNode(page, 'login.minid.phone');

    // Mid-finish: the daemon commits the contact, its reply is lost, and
    // it dies. The panel must not claim "logged" and must keep the record.
    await page.keyboard.press('Control+Enter');
    await page.locator('form.finish').waitFor();
    await page.locator('#referral_reason').selectOption('needs_in_person');
    dropLogged = true;
    await page.keyboard.press('Control+Enter');
    const lost = await dropped;
    const { outbox } = await storage(page);
    assert.equal(outbox.length, 1, 'the finished contact is kept until logged');
    const key = outbox[0].key;
    assert.equal(sqlite(dbOf(ctx.d), `select count(*) as n from contacts where key = '${key}'`)[0].n, 1);
    await ctx.d.kill9();
    await waitForConnection(page, 'waiting');
    await page.locator('.finish-state.state-waiting').waitFor();
    assert.equal(await page.locator('section.logged').count(), 0, 'never "logged" without the daemon saying so');

    // The daemon comes back but the panel cannot reach it yet; a reload
    // meanwhile keeps the contact too.
    blockWs = true;
    const d3 = await restartDaemon(d);
    ctx.extra.push(d3);
    await page.reload();
    await page.locator('form.finish[data-state="waiting"]').waitFor();
    assert.equal((await storage(page)).outbox[0]?.key, key);
    await waitForConnection(page, 'waiting');

    // Through again: same key again, and the daemon answers duplicate.
    dropLogged = false;
    blockWs = false;
    // "Retry now" skips the backoff wait; a retry already under way may
    // get through first, and then the button is gone, which is fine too.
    await page.locator('#conn-retry-now').click({ timeout: 2000 }).catch(() => {});
    await page.locator('section.logged').waitFor();
    const { lastLogged, outbox: after } = await storage(page);
    assert.equal(after.length, 0);
    assert.equal(lastLogged.key, key);
    assert.equal(lastLogged.contact, lost.contact, 'the same contact as the lost reply named');
    assert.equal(lastLogged.duplicate, true);

    const rows = sqlite(dbOf(d3), 'select * from contacts');
    assert.equal(rows.length, 1, `exactly one contact, got ${rows.length}`);
    assert.equal(sqlite(dbOf(d3), `select count(*) as n from contacts where key = '${key}'`)[0].n, 1);
    assert.equal(rows[0].outcome, 'referred');
    assert.equal(rows[0].destination, 'no.digdir.idporten');
    assert.equal(rows[0].referral_reason, 'needs_in_person');
    assert.deepEqual(JSON.parse(rows[0].facts),
      { on_behalf: 'self', topic: 'login', login_method: 'minid', login_problem: 'phone_number_changed' });
    assertNoProblems(page);
  });
});

test('axe-core finds no violations on any screen; screenshots at 360 and 1280 px', { timeout: 120000 }, async () => {
  await withDaemon(async ({ d }) => {
    const page = await newPage(browser);

    // The landing page links the three clients.
    await page.goto(`${d.url}/`);
    assert.deepEqual(await page.locator('main a').evaluateAll((els) => els.map((a) => a.getAttribute('href'))),
      ['/agent/', '/supervisor/', '/widget/demo.html']);
    await checkScreen(page, 'landing');

    await page.goto(`${d.url}/agent/`);
    await page.locator('form.signin').waitFor();
    await checkScreen(page, 'signin');

    // A wrong token is refused in words, and the form stays.
    await page.locator('#token').fill('not-a-token');
    await page.keyboard.press('Enter');
    await page.locator('form.signin .form-error:not(:empty)').waitFor();
    const refusal = await page.locator('form.signin .form-error').textContent();
    assert.match(refusal, /^Nøkkelen ble ikke godtatt\./, 'said in bokmål');
    assert.doesNotMatch(refusal, /\b(the|token|is|not|valid|role|agent)\b/, `no English from the daemon: ${refusal}`);
    await page.locator('#token').fill(d.tokens.agent);
    await page.keyboard.press('Enter');
    await page.locator('form.start').waitFor();
    await waitForConnection(page);
    await page.locator('details.known summary').click();
    await checkScreen(page, 'start');

    await page.locator('form.start button[type="submit"]').click();
    await waitForNode(page, 'who');
    // Back on the first question: nothing to undo, said in a notice.
    await page.keyboard.press('Backspace');
    await page.locator('#notice:not([hidden])').waitFor();
    assert.equal(await page.locator('#notice').textContent(), 'Det er ingenting å gå tilbake til.');
    await checkScreen(page, 'question');

    // The search box with its hits open.
    await page.keyboard.press('/');
    await page.keyboard.type('fullmakt');
    await page.locator('.main-search [role="listbox"]:not([hidden])').waitFor();
    await page.keyboard.press('ArrowDown');
    await checkScreen(page, 'search');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await assertHeadingFocused(page);

    await page.keyboard.press('2'); // another person
    await waitForNode(page, 'topic');
    await page.keyboard.press('3'); // a case at NAV or another agency
    await waitForNode(page, 'case.service'); // first: two of its answers end the walk
    await page.keyboard.press('1'); // pension or benefits
    await waitForNode(page, 'mandate');
    await page.keyboard.press('1'); // written power of attorney
    await waitForNode(page, 'poa.nav');
    // NAV's hours are confirmed by no public page: a neutral badge, and a
    // dated source link for every other field.
    await page.locator('.badge-unverified[data-field="hours"]').waitFor();
    assert.equal(await page.locator('dd .badge-unverified').count(), 1);
    assert.equal(await page.locator('dd a.source').count(), 3, 'phone, web and mandate are sourced');
    await checkScreen(page, 'result');

    await page.keyboard.press('Control+Enter');
    await page.locator('form.finish').waitFor();
    await checkScreen(page, 'finish');

    // Referred without a reason is refused by the form, in words.
    await page.keyboard.press('Control+Enter');
    await page.locator('#referral_reason[aria-invalid="true"]').waitFor();
    assert.equal((await focused(page)).id, 'referral_reason');
    assert.equal(await page.locator('#referral_reason').getAttribute('aria-describedby'), 'referral_reason-error');
    assert.equal(await page.locator('#referral_reason-error').textContent(), 'Velg grunn til henvisning.');
    await checkScreen(page, 'finish-error');

    await page.locator('#referral_reason').selectOption('no_mandate');
    await page.keyboard.press('Control+Enter');
    await page.locator('section.logged').waitFor();
    await checkScreen(page, 'logged');

    // The other languages render too (switcher), and nothing is missing.
    for (const lang of ['nn', 'da', 'en']) {
      await page.locator('#ui-lang').selectOption(lang);
      await page.locator(`html[lang="${lang}"]`).waitFor({ state: 'attached' });
      assert.doesNotMatch(await page.locator('body').innerText(), /\b[a-z]+[A-Z]\w+\b/, `an untranslated key in ${lang}`);
    }
    await checkScreen(page, 'logged-en');
    assertNoProblems(page);
  });
});
