// The agent panel in Debian's chromium against the real daemon: a whole call
// by keyboard, the caller's words, the result card, search, and a Danish
// desk. A daemon restart and axe-core on every screen are
// agent-screens.test.mjs's.
//
// Synchronisation is on the page's state (locator.waitFor) or on events
// (the daemon's log, a websocket message), never on sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, newPage, assertNoProblems, axe, screenshot, tabTo, focused, waitForNode, storage, sqlite,
  dbOf, withDaemon, assertHeadingFocused, optionValues, openPanel, checkScreen,
} from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Today in the daemon's local time (the report's days), as YYYY-MM-DD.
function localDate() {
  const t = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`;
}

test('a whole call by keyboard only: start, answer, back, change a fact, search and jump, finish as referred', { timeout: 90000 }, async () => {
  await withDaemon(async ({ d }) => {
    const page = await newPage(browser);
    await openPanel(page, d);

    // The token left the address bar and lives in this tab only.
    assert.equal(new URL(page.url()).hash, '', 'the #token fragment must be removed from the address');
    assert.equal((await storage(page)).token, d.tokens.agent);
    await assertHeadingFocused(page, 'Ny henvendelse');

    // Start: channel chat (arrow keys in the radio group), the rest as given.
    await tabTo(page, 'input[name="channel"]:checked');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('input[name="channel"]:checked').getAttribute('value'), 'chat');
    await tabTo(page, 'form.start button[type="submit"]');
    await page.keyboard.press('Enter');

    await waitForNode(page, 'who');
    await assertHeadingFocused(page, 'Gjelder det deg selv eller en annen?');
    assert.match(await page.locator('.question .help').textContent(), /fullmakt/);
    // Only the options that can still change the outcome, and "unknown":
    // no result of the tree depends on an organisation.
    assert.deepEqual(await optionValues(page), ['self', 'another_person', 'unknown']);

    // Answer with number keys; Backspace goes back.
    await page.keyboard.press('1'); // self
    await waitForNode(page, 'topic');
    await assertHeadingFocused(page, 'Hva gjelder det?');
    await page.keyboard.press('1'); // login
    await waitForNode(page, 'login.method');
    await page.keyboard.press('Backspace');
    await waitForNode(page, 'topic');
    await assertHeadingFocused(page, 'Hva gjelder det?');
    await page.keyboard.press('1'); // login
    await waitForNode(page, 'login.method');
    await page.keyboard.press('1'); // minid
    await waitForNode(page, 'login.problem');
    assert.deepEqual(await page.locator('.trail .fact').evaluateAll((els) => els.map((e) => e.dataset.fact)),
      ['on_behalf', 'topic', 'login_method']);
    // For MinID the problems that decide a MinID result; no "lost or stolen".
    assert.deepEqual(await optionValues(page), ['forgotten_password', 'phone_number_changed', 'unknown']);

    // Change an earlier answer from the trail: the panel goes back to that
    // question and the answers that followed from it are forgotten.
    await tabTo(page, 'button.fact[data-fact="on_behalf"]');
    await page.keyboard.press('Enter');
    await waitForNode(page, 'who');
    await assertHeadingFocused(page, 'Gjelder det deg selv eller en annen?');
    assert.equal(await page.locator('.trail .fact').count(), 0, 'no stale facts after changing on_behalf');
    await page.keyboard.press('2'); // another_person
    await waitForNode(page, 'topic');
    // Giving a power of attorney oneself is no longer possible.
    assert.ok(!(await optionValues(page)).includes('power_of_attorney'), 'no "give a power of attorney" for another person');
    await page.keyboard.press('1'); // login
    await waitForNode(page, 'login.method');

    // Search: "/" focuses the box, hits come as you type, the arrow keys
    // choose and Enter jumps there (the daemon's own search engine).
    await page.keyboard.press('/');
    assert.equal((await focused(page)).cls, 'search-input');
    await page.keyboard.type('bank');
    await page.locator('.main-search [role="listbox"]:not([hidden])').waitFor();
    const hits = await page.locator('.main-search [role="option"]').evaluateAll((els) => els.map((e) => e.dataset.node));
    const i = hits.indexOf('login.bankid');
    assert.ok(i >= 0, `the bank result is among the hits: ${JSON.stringify(hits)}`);
    for (let k = 0; k <= i; k++) await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('.main-search [aria-selected="true"]').getAttribute('data-node'), 'login.bankid');
    await page.keyboard.press('Enter');
    await waitForNode(page, 'login.bankid');
    await assertHeadingFocused(page, 'Hjelp med BankID');
    assert.equal(await page.locator('.dest-name').textContent(), 'Banken din');
    assert.equal(await page.locator('.first-line').getAttribute('data-first-line'), 'false');
    assert.match(await page.locator('.advice').textContent(), /Be innringeren kontakte banken sin/);
    assert.match(await page.locator('.advice .bring').textContent(), /Bankkort og legitimasjon/);
    // "Your own bank" has no one number: the text says where to find it,
    // with nothing to dial or copy.
    assert.match(await page.locator('.phone').textContent(), /Nummeret står på bankkortet/);
    assert.equal(await page.locator('.phone a[href^="tel:"]').count(), 0);
    assert.equal(await page.locator('.result button.copy').count(), 0);

    // Finish: Ctrl+Enter opens the form prefilled as referred to the bank.
    await page.keyboard.press('Control+Enter');
    await page.locator('form.finish').waitFor();
    await assertHeadingFocused(page, 'Avslutt henvendelsen');
    assert.equal(await page.locator('input[name="outcome"]:checked').getAttribute('value'), 'referred');
    assert.match(await page.locator('.dest-chosen').textContent(), /no\.bank/);
    assert.equal(await page.locator('#on_behalf').inputValue(), 'another_person');
    assert.equal(await page.locator('#relation').inputValue(), '', 'no mandate and no words: the relation is not known');
    assert.match(await page.locator('#note-hint').textContent(), /fjernes automatisk/);

    await tabTo(page, '#referral_reason');
    await page.keyboard.press('ArrowDown'); // wrong_agency
    assert.equal(await page.locator('#referral_reason').inputValue(), 'wrong_agency');
    // The caller is the guardian: said in the form, by keyboard.
    await tabTo(page, '#relation');
    for (let k = 0; k < 3; k++) await page.keyboard.press('ArrowDown'); // not given → … → guardian
    assert.equal(await page.locator('#relation').inputValue(), 'guardian');
    await tabTo(page, '#note');
    await page.keyboard.type('Datteren ringte, fnr 01017010170, tlf 912 34 567');

    // A destination can also be typed as an id (for a daemon without
    // search). A wrong one is refused by the daemon: nothing stored, the form
    // comes back with the reason, and the corrected contact goes out under
    // the same key; this time the destination is found by search.
    await tabTo(page, '.dest-search input', { shift: true });
    await page.keyboard.type('no.finnes.ikke');
    await page.keyboard.press('Enter');
    assert.match(await page.locator('.dest-chosen').textContent(), /no\.finnes\.ikke/);
    await page.keyboard.press('Control+Enter');
    await page.locator('form.finish[data-state="editing"] .form-error:not(:empty)').waitFor();
    // In the panel's language, chosen by the error's code: no English from the daemon.
    const why = await page.locator('form.finish .form-error').textContent();
    assert.equal(why, 'Ble ikke logget: Vegvisar godtok ikke det som ble sendt: et felt mangler eller har en verdi som ikke er tillatt.');
    const refused = (await storage(page)).outbox;
    assert.equal(refused.length, 1);
    assert.equal(refused[0].status, 'error');
    assert.equal(sqlite(dbOf(d), 'select count(*) as n from contacts')[0].n, 0);
    await tabTo(page, '.dest-search input');
    await page.keyboard.press('Control+a');
    await page.keyboard.type('BankID');
    await page.locator('.dest-search [role="option"][data-destination="no.bank"]').waitFor();
    // The first Enter marks the first hit, the second takes it.
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('.dest-search [aria-selected="true"]').getAttribute('data-destination'), 'no.bank');
    assert.match(await page.locator('.dest-chosen').textContent(), /no\.finnes\.ikke/);
    await page.keyboard.press('Enter');
    assert.match(await page.locator('.dest-chosen').textContent(), /\(no\.bank\)/);
    await page.keyboard.press('Control+Enter');

    await page.locator('section.logged').waitFor();
    await assertHeadingFocused(page, 'Logget');
    const { lastLogged, outbox } = await storage(page);
    assert.equal(outbox.length, 0, 'nothing left in the outbox once logged');
    assert.equal(lastLogged.key, refused[0].key, 'the corrected contact keeps its key');
    assert.equal(await page.locator('section.logged').getAttribute('data-contact'), String(lastLogged.contact));

    const rows = sqlite(dbOf(d), 'select * from contacts');
    assert.equal(rows.length, 1, `one contact row, got ${JSON.stringify(rows)}`);
    const row = rows[0];
    assert.equal(row.id, lastLogged.contact);
    assert.equal(row.key, lastLogged.key);
    assert.equal(row.outcome, 'referred');
    assert.equal(row.destination, 'no.bank');
    assert.equal(row.suggested, 'no.bank');
    assert.equal(row.referral_reason, 'wrong_agency');
    assert.equal(row.channel, 'chat');
    assert.equal(row.country, 'no');
    assert.equal(row.lang, 'nb');
    assert.equal(row.on_behalf, 'another_person');
    assert.equal(row.relation, 'guardian');
    // The jump from search is in the path; login_method was never answered.
    assert.deepEqual(JSON.parse(row.path), ['who', 'topic', 'login.bankid']);
    assert.deepEqual(JSON.parse(row.facts), { on_behalf: 'another_person', topic: 'login' });
    assert.doesNotMatch(row.note, /01017010170|912 34 567/, 'the ID and phone numbers are removed from the note');

    // The survey report for today counts the contact with the fields the
    // panel sent (what a supervisor downloads; docs/protocol.md, HTTP API).
    const today = localDate();
    const res = await fetch(`${d.url}/api/v1/report?from=${today}&to=${today}`,
      { headers: { Authorization: `Bearer ${d.tokens.supervisor}` } });
    assert.equal(res.status, 200, await res.clone().text());
    const report = await res.json();
    assert.deepEqual(report.filter, { from: today, to: today, period: null, country: null, channel: null });
    assert.equal(report.total, 1);
    assert.equal(report.outcome.referred.count, 1);
    assert.equal(report.outcome.resolved.count, 0);
    assert.equal(report.referral.referred, 1);
    assert.equal(report.referral.reason.wrong_agency.count, 1, 'the referral reason');
    assert.equal(report.referral.reason.wrong_agency.share, 1);
    assert.deepEqual(Object.keys(report.referral.destination), ['no.bank'], 'the destination, in referrals by destination');
    assert.equal(report.referral.destination['no.bank'].count, 1);
    assert.equal(report.channel.chat.count, 1, 'the channel');
    assert.equal(report.channel.phone.count, 0);
    assert.equal(report.on_behalf.another_person.count, 1);
    assert.equal(report.relation.guardian.count, 1);
    assert.equal(report.category.login.count, 1);
    assert.equal(report.suggested.referred.followed, 1, 'referred where the tree pointed');

    // The next contact starts from the logged screen.
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).id, 'new-contact');
    await page.keyboard.press('Enter');
    await page.locator('form.start').waitFor();
    await assertHeadingFocused(page, 'Ny henvendelse');
    assertNoProblems(page);
  });
});

test("the caller's words: the walk skips what they say, chips show it; a chip removed by keyboard and the walk goes on without it", { timeout: 90000 }, async () => {
  await withDaemon(async ({ d }) => {
    const page = await newPage(browser);
    await openPanel(page, d);
    await assertHeadingFocused(page, 'Ny henvendelse');

    // The words first: the field right after the heading.
    await tabTo(page, 'textarea#caller-text');
    assert.equal(await page.locator('label[for="caller-text"]').textContent(), 'Hva er problemet, med innringerens ord?');
    const words = 'Moren min på 88 har glemt passordet til MinID';
    await page.keyboard.type(words);
    await page.keyboard.press('Control+Enter');

    // Who it is about, the eID and the problem came from the words: the
    // walk asks only what can still change the result - the topic, with
    // every option, since another topic than logging in would rule the
    // MinID answer out (docs/rules.md, `about`).
    await waitForNode(page, 'topic');
    await assertHeadingFocused(page, 'Hva gjelder det?');
    assert.deepEqual(await optionValues(page),
      ['login', 'digital_post', 'power_of_attorney', 'case_matter', 'deceased_estate', 'unknown']);
    assert.equal(await page.locator('#understood-h').textContent(), 'Forstått fra ordene');
    const chips = () => page.locator('section.understood button.chip').evaluateAll((els) =>
      els.map((e) => [e.dataset.fact, e.dataset.value, e.querySelector('q').textContent]));
    assert.deepEqual(await chips(), [
      ['on_behalf', 'another_person', 'Moren min'],
      ['relation', 'adult_child_for_parent', 'Moren min'],
      ['login_method', 'minid', 'MinID'],
      ['login_problem', 'forgotten_password', 'glemt passordet'],
      ['age_band', 'adult', '88'],
    ]);
    assert.match(await page.locator('button.chip[data-fact="login_method"]').textContent(), /^Fjern eID: MinID/);
    assert.deepEqual((await storage(page)).session.lastStep.path, ['topic'], 'no question about what the words said');
    // The text itself is kept nowhere: only the phrases of the chips.
    const keptNow = JSON.stringify(await storage(page));
    assert.ok(!keptNow.includes(words), 'the text is not kept');
    assert.doesNotMatch(keptNow, /på 88|har glemt|til MinID/, 'nor any part of it beyond the phrases understood');
    await checkScreen(page, 'understood');

    // The eID was misheard: the chip goes, by keyboard (it comes before the
    // question), and the walk starts again from the other facts.
    await tabTo(page, 'button.chip[data-fact="login_method"]', { shift: true });
    await page.keyboard.press('Enter');
    await page.locator('button.chip[data-fact="login_method"]').waitFor({ state: 'detached' });
    await waitForNode(page, 'topic');
    await assertHeadingFocused(page, 'Hva gjelder det?');
    assert.deepEqual((await chips()).map(([fact]) => fact), ['on_behalf', 'relation', 'login_problem', 'age_band']);
    assert.equal((await storage(page)).session.lastStep.facts.login_method, undefined, 'the fact is gone');
    // Without the eID, logging in matters again; then the eID is asked, and
    // the problem (still from the words) is not.
    assert.ok((await optionValues(page)).includes('login'));
    await page.keyboard.press(String((await optionValues(page)).indexOf('login') + 1));
    await waitForNode(page, 'login.method');
    await assertHeadingFocused(page, 'Hvilken eID gjelder det?');
    await page.keyboard.press('1'); // minid
    await waitForNode(page, 'login.minid.forgot');
    await assertHeadingFocused(page, 'Glemt passord til MinID');
    assert.equal(await page.locator('.because').textContent(), 'Fordi: MinID · Glemt passord');

    // The finish form knows who called from the words.
    await page.keyboard.press('Control+Enter');
    await page.locator('form.finish').waitFor();
    assert.equal(await page.locator('input[name="outcome"]:checked').getAttribute('value'), 'resolved');
    assert.equal(await page.locator('#on_behalf').inputValue(), 'another_person');
    assert.equal(await page.locator('#relation').inputValue(), 'adult_child_for_parent', 'the relation the words gave');
    await page.keyboard.press('Control+Enter');
    await page.locator('section.logged').waitFor();
    const rows = sqlite(dbOf(d), 'select * from contacts');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].relation, 'adult_child_for_parent');
    assert.deepEqual(JSON.parse(rows[0].path), ['topic', 'login.method', 'login.minid.forgot']);
    assert.deepEqual(JSON.parse(rows[0].facts), { on_behalf: 'another_person', relation: 'adult_child_for_parent',
      login_problem: 'forgotten_password', age_band: 'adult', topic: 'login', login_method: 'minid' });
    assert.doesNotMatch(JSON.stringify(rows), /passordet|Moren/, 'the words are not stored');
    assertNoProblems(page);
  });
});

test('the result card: title, because, per field a dated source or a neutral badge; a number to dial is a tel: link with a copy button, "your own bank" has neither', { timeout: 90000 }, async () => {
  await withDaemon(async ({ d }) => {
    const page = await newPage(browser);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: d.url });
    await openPanel(page, d);
    await page.keyboard.press('Control+Enter');
    await waitForNode(page, 'who');
    // self, login, MinID, forgotten password
    for (const node of ['topic', 'login.method', 'login.problem', 'login.minid.forgot']) {
      await page.keyboard.press('1');
      await waitForNode(page, node);
    }
    await assertHeadingFocused(page, 'Glemt passord til MinID');
    const because = page.locator('.result .because');
    assert.equal(await because.textContent(), 'Fordi: MinID · Glemt passord');
    assert.deepEqual(await because.locator('[data-fact]').evaluateAll((els) => els.map((e) => `${e.dataset.fact}=${e.dataset.value}`)),
      ['login_method=minid', 'login_problem=forgotten_password']);
    assert.equal(await page.locator('h2.dest-name').textContent(), 'Digdir brukerstøtte (ID-porten og MinID)');

    // Each field with the page that confirms it and the day it was checked,
    // or "not confirmed" where no page does; a text drawn from two pages
    // links both.
    const source = (field) => page.locator(`dd[data-field="${field}"] a.source`);
    for (const [field, url] of [['phone', 'https://www.idporten.no/kontakt'], ['web', 'https://www.idporten.no/'],
      ['mandate', 'https://www.digdir.no/kontakt']]) {
      assert.equal(await source(field).first().getAttribute('href'), url, `${field} links its source`);
      assert.equal(await source(field).first().textContent(), 'sjekket 2026-12-01');
      assert.equal(await page.locator(`dd[data-field="${field}"] .badge-unverified`).count(), 0);
    }
    assert.deepEqual(await source('mandate').evaluateAll((els) => els.map((e) => [e.getAttribute('href'), e.textContent])),
      [['https://www.digdir.no/kontakt', 'sjekket 2026-12-01'], ['https://www.norge.no/nn/digital-borgar/reservasjon', 'side 2']]);
    assert.equal(await source('phone').count(), 1);
    assert.equal(await source('hours').count(), 0);
    assert.equal(await page.locator('dd[data-field="hours"] .badge-unverified').textContent(), 'ikke bekreftet');
    assert.match(await page.locator('dd[data-field="hours"]').textContent(), /^Hverdager 09–15/);

    // One number to dial: a tel: link, and a button that copies it.
    const tel = page.locator('dd[data-field="phone"] a[href^="tel:"]');
    assert.equal(await tel.getAttribute('href'), 'tel:+4780030300');
    assert.equal(await tel.textContent(), '800 30 300');
    await tabTo(page, 'button.copy');
    assert.equal((await focused(page)).text, 'Kopier nummeret');
    await page.keyboard.press('Enter');
    await page.locator('#notice:not([hidden])').waitFor();
    assert.equal(await page.locator('#notice').textContent(), 'Kopiert: +4780030300');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '+4780030300');
    await checkScreen(page, 'result-card');

    // "Your own bank": where to find the number, nothing to dial or copy.
    await page.keyboard.press('Backspace');
    await waitForNode(page, 'login.problem');
    await page.keyboard.press('Backspace');
    await waitForNode(page, 'login.method');
    await page.keyboard.press('2'); // bankid
    await waitForNode(page, 'login.problem');
    assert.deepEqual(await optionValues(page), ['lost_or_stolen', 'unknown']);
    await page.keyboard.press('2'); // unknown
    await waitForNode(page, 'login.bankid');
    await assertHeadingFocused(page, 'Hjelp med BankID');
    assert.equal(await page.locator('.result .because').textContent(), 'Fordi: BankID');
    assert.equal(await page.locator('h2.dest-name').textContent(), 'Banken din');
    assert.match(await page.locator('dd[data-field="phone"]').textContent(), /^Nummeret står på bankkortet og på nettsiden til banken\./);
    assert.equal(await page.locator('dd[data-field="phone"] a[href^="tel:"]').count(), 0, 'no tel: link');
    assert.equal(await page.locator('button.copy').count(), 0, 'no copy button');
    assert.equal(await source('phone').getAttribute('href'), 'https://www.bankid.no/privat/kundeservice/');
    assert.equal(await page.locator('.result .badge-unverified').count(), 0, 'everything confirmed');
    await axe(page, 'the bank result card');
    assertNoProblems(page);
  });
});

// The search UI with fixed hits and an error reply: the engine's replies are
// stubbed at the websocket (so hits and their order do not depend on the
// engine's ranking, and a daemon without search can be played); the jump and
// everything else go to the real daemon.
test('search: results as you type, Enter jumps, destination override, degrade on error (engine replies stubbed)', { timeout: 60000 }, async () => {
  await withDaemon(async ({ d }) => {
    const page = await newPage(browser);
    const searches = [];
    const jumps = [];
    // The shape of daemon/triage/search.h: destinations carry no node.
    const HITS = [
      { kind: 'result', node: 'login.bankid', destination: 'no.bank', title: 'Hjelp med BankID', snippet: 'Kontakt banken din.' },
      { kind: 'question', node: 'login.method', title: 'Hvilken eID gjelder det?', snippet: 'MinID, BankID' },
      { kind: 'destination', destination: 'no.nav', title: 'NAV Kontaktsenter', snippet: '55 55 33 33' },
    ];
    await page.routeWebSocket(/\/ws$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        const msg = JSON.parse(m);
        if (msg.type === 'jump') jumps.push(msg.node);
        if (msg.type !== 'search') return server.send(m);
        searches.push(msg);
        if (msg.q === 'feil') {
          // What a daemon without search answers.
          return ws.send(JSON.stringify({ type: 'error', re: msg.id, code: 'bad_request',
            message: 'unknown message type "search"; known: hello, start, answer, back, jump, resume, finish' }));
        }
        const items = HITS.filter((x) => `${x.title} ${x.snippet}`.toLowerCase().includes(msg.q.toLowerCase()));
        ws.send(JSON.stringify({ type: 'results', re: msg.id, items }));
      });
    });
    await openPanel(page, d);
    // The caller is a guardian (a fact given at start).
    await page.locator('details.known summary').click();
    await page.locator('#fact-authority').selectOption('guardian');
    await tabTo(page, 'form.start button[type="submit"]');
    await page.keyboard.press('Enter');
    await waitForNode(page, 'who');

    // An error reply: said plainly, and Enter changes nothing.
    await page.keyboard.press('/');
    await page.keyboard.type('feil');
    const msg = page.locator('.main-search .search-msg.is-error');
    await msg.waitFor();
    assert.equal(await msg.textContent(), 'Søk er ikke tilgjengelig på denne serveren ennå.', 'in bokmål only, no daemon English');
    await page.keyboard.press('Enter');
    await waitForNode(page, 'who');
    await page.keyboard.press('Escape'); // clears the box
    await page.keyboard.press('Escape'); // back to the question
    await assertHeadingFocused(page, 'Gjelder det deg selv eller en annen?');

    await page.keyboard.press('/');
    await page.keyboard.type('bankid');
    const hits = page.locator('.main-search [role="option"]');
    await page.locator('.main-search [role="listbox"]:not([hidden])').waitFor();
    assert.equal(await hits.count(), 2);
    assert.equal(await page.locator('.main-search .search-input').getAttribute('aria-expanded'), 'true');
    // Inside a walk the search names the session, so the daemon ranks by its facts.
    assert.deepEqual(searches.at(-1), { type: 'search', q: 'bankid', country: 'no', lang: 'nb',
      session: (await storage(page)).session.id, id: searches.at(-1).id });

    // Arrow down twice: the question; Enter jumps there.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await hits.nth(1).getAttribute('aria-selected'), 'true');
    await page.keyboard.press('Enter');
    await waitForNode(page, 'login.method');
    await assertHeadingFocused(page, 'Hvilken eID gjelder det?');
    // A jump is undone by back.
    await page.keyboard.press('Alt+ArrowLeft');
    await waitForNode(page, 'who');

    // A bare Enter with no hit chosen never jumps away from the walk: it
    // marks the first hit (the bank result), and a second Enter takes it.
    await page.keyboard.press('/');
    await page.keyboard.type('bank');
    await page.locator('.main-search [role="listbox"]:not([hidden])').waitFor();
    await page.keyboard.press('Enter');
    assert.equal(await hits.nth(0).getAttribute('aria-selected'), 'true');
    assert.equal(await page.locator('.main-search .search-input').getAttribute('aria-activedescendant'),
      await hits.nth(0).getAttribute('id'));
    assert.equal(await page.locator('.step-screen').getAttribute('data-node'), 'who', 'still at the question');
    await page.keyboard.press('Enter');
    await waitForNode(page, 'login.bankid');
    assert.deepEqual(jumps, ['login.method', 'login.bankid'], 'one jump per second Enter, none for the first');

    // Override the destination in the finish form through search.
    await page.keyboard.press('Control+Enter');
    await page.locator('form.finish').waitFor();
    assert.equal(await page.locator('#relation').inputValue(), 'guardian', 'relation follows the guardian mandate');
    await tabTo(page, '#referral_reason');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown'); // no_mandate
    await tabTo(page, '.dest-search input');
    await page.keyboard.type('nav');
    await page.locator('.dest-search [role="option"][data-destination="no.nav"]').waitFor();
    assert.equal(await page.locator('.dest-search [role="option"]').count(), 1, 'only destinations are offered');
    await page.keyboard.press('Enter'); // marks it
    assert.equal(await page.locator('.dest-search [role="option"]').getAttribute('aria-selected'), 'true');
    assert.match(await page.locator('.dest-chosen').textContent(), /\(no\.bank\)/, 'not chosen yet');
    await page.keyboard.press('Enter'); // takes it
    assert.match(await page.locator('.dest-chosen').textContent(), /NAV Kontaktsenter \(no\.nav\)/);
    assert.equal(await page.locator('form.finish').count(), 1, 'Enter in the search box must not submit');
    await page.keyboard.press('Control+Enter');
    await page.locator('section.logged').waitFor();

    const [row] = sqlite(dbOf(d), 'select * from contacts');
    assert.equal(row.destination, 'no.nav');
    assert.equal(row.suggested, 'no.bank');
    assert.equal(row.referral_reason, 'no_mandate');
    assert.equal(row.relation, 'guardian');
    assert.deepEqual(JSON.parse(row.path), ['login.bankid'], 'the jump is in the path');
    assertNoProblems(page);
  });
});

test('a Danish desk: the panel speaks Danish from the browser, a dk session in da', { timeout: 60000 }, async () => {
  await withDaemon(async ({ d }) => {
    const page = await newPage(browser, { locale: 'da-DK' });
    await openPanel(page, d);
    assert.equal(await page.locator('html').getAttribute('lang'), 'da');
    assert.equal(await page.locator('#conn-text').textContent(), 'Forbundet');
    assert.equal(await page.locator('input[name="country"]:checked').getAttribute('value'), 'dk');
    assert.equal(await page.locator('input[name="lang"]:checked').getAttribute('value'), 'da');
    assert.deepEqual(await page.locator('input[name="lang"]').evaluateAll((els) => els.map((e) => e.value)), ['da', 'en']);
    await page.keyboard.press('Control+Enter'); // starts from anywhere on the form
    await waitForNode(page, 'topic');
    await assertHeadingFocused(page, 'Hvad drejer det sig om?');
    assert.deepEqual(await optionValues(page), ['login', 'digital_post', 'unknown']);
    assert.match(await page.locator('.keys-hint').textContent(), /Tast 1–3 for at svare/);
    await page.keyboard.press('1'); // log in with MitID
    await waitForNode(page, 'login.problem');
    await assertHeadingFocused(page, 'Hvad er problemet med MitID?');
    assert.equal(await page.locator('section.question').getAttribute('lang'), 'da');
    await axe(page, 'a Danish question');
    await screenshot(page, 'agent-question-da-1280');
    assertNoProblems(page);
  });
});
