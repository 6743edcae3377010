// Handoffs between desks in the panels, in Debian's chromium against two real
// daemons over loopback (docs/protocol.md, "Handoffs between desks"):
//
//   desk A: a peer for no.nav (desk B's /api/v1/handoffs) and one for no.bank
//           (a stand-in that refuses every handoff for good: a dead letter);
//   desk B: desk A as a sender, with A's /api/v1/handoffs/feedback.
//
// An agent on A refers a caller to NAV with the caller's consent, by
// keyboard, and reads the code to the caller; on B the handoff appears in the
// agents' queue from desk A, an agent takes it by keyboard and finishes it
// with "the referral was wrong, it should have gone to the local NAV office";
// A's supervisor dashboard then shows NAV with one referral confirmed wrong
// and the correction. axe-core on every new state, screenshots in
// tests/artifacts/.
//
// Synchronisation is on the page's state (locator.waitFor, waitForFunction),
// on websocket frames and on the daemons' logs, never on sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  launch, newPage, assertNoProblems, axe, screenshot, tabTo, focused, waitForNode, waitForConnection,
  startDaemon, sqlite,
} from './lib.mjs';
import { freePort, agent } from '../blackbox/lib.mjs';

const SECRET = randomBytes(32).toString('hex');
const CODE_RE = /^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}$/;

let browser, A, B, refuser;

before(async () => {
  browser = await launch();
  const [portA, portB] = [await freePort(), await freePort()];
  // Refuses every handoff for good (400): the outbox gives it up at once.
  refuser = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(400, { 'content-type': 'application/json' })
      .end('{"error":"not a handoff we understand"}'));
  });
  await new Promise((ok) => refuser.listen(0, '127.0.0.1', ok));
  B = await startDaemon({
    port: portB,
    config: {
      desk: 'desk-b',
      senders: [{ desk: 'desk-a', secret: SECRET, feedback_url: `http://127.0.0.1:${portA}/api/v1/handoffs/feedback` }],
      delivery: { retry_base_ms: 100 },
    },
  });
  A = await startDaemon({
    port: portA,
    config: {
      desk: 'desk-a',
      peers: [
        { destination: 'no.nav', url: `${B.url}/api/v1/handoffs`, secret: SECRET },
        { destination: 'no.bank', url: `http://127.0.0.1:${refuser.address().port}/api/v1/handoffs`, secret: SECRET },
      ],
      delivery: { retry_base_ms: 100 },
    },
  });
});

after(async () => {
  await browser?.close();
  for (const d of [A, B]) {
    if (!d) continue;
    await d.stop();
    d.cleanup();
  }
  await new Promise((ok) => (refuser ? refuser.close(ok) : ok()));
});

const dbOf = (d) => join(d.dir, 'vegvisar.db');

async function openPanel(page, d) {
  await page.goto(`${d.url}/agent/#token=${d.tokens.agent}`);
  await page.locator('form.start').waitFor();
  await waitForConnection(page);
  await page.locator('#queue[data-subscribed="true"]').waitFor();
}

async function openDashboard(page, d) {
  await page.goto(`${d.url}/supervisor/#token=${d.tokens.supervisor}`);
  await page.locator('#conn[data-state="ready"]').waitFor();
  await page.locator('#dash-view[data-state="shown"]').waitFor();
}

// The finish messages the page sent, as the daemon got them.
function recordFinishes(page) {
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', ({ payload }) => {
    const msg = JSON.parse(payload);
    if (msg.type === 'finish') sent.push(msg);
  }));
  return sent;
}

async function assertHeadingFocused(page, text) {
  const f = await focused(page);
  assert.equal(f?.tag, 'h1', `focus should be on the heading, is on ${JSON.stringify(f)}`);
  if (text !== undefined) assert.equal(f.text, text);
}

// axe at 1280 and 360 px with a screenshot at both, and no sideways
// scrolling at 320 and 480 px.
async function checkScreen(page, name) {
  for (const width of [1280, 360, 320, 480]) {
    await page.setViewportSize({ width, height: width > 500 ? 900 : 740 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name} at ${width} px scrolls sideways by ${overflow} px`);
    if (width === 320 || width === 480) continue;
    await axe(page, `${name} at ${width} px`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, `handoff-${name}-${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

// Search for a destination in the search box that has focus and pick it with
// the arrow keys and Enter.
async function pickDestination(page, box, q, id) {
  await page.keyboard.type(q);
  await page.locator(`${box} [role="option"][data-destination="${id}"]`).waitFor();
  const ids = await page.locator(`${box} [role="option"]`).evaluateAll((els) => els.map((e) => e.dataset.destination));
  for (let k = 0; k <= ids.indexOf(id); k++) await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator(`${box} [aria-selected="true"]`).getAttribute('data-destination'), id);
  await page.keyboard.press('Enter');
}

const norm = (s) => s.replace(/\s+/g, ' ').trim();
async function cells(page, row) {
  return page.locator(`${row} td[data-col]`).evaluateAll((tds) =>
    Object.fromEntries(tds.map((td) => [td.dataset.col, td.textContent.replace(/\s+/g, ' ').trim()])));
}

test('A refers with consent by keyboard, B takes the handoff from its queue and says it was misrouted, A\'s dashboard shows the correction', { timeout: 120000 }, async () => {
  // --- desk A: the call, by keyboard only --------------------------------
  const pageA = await newPage(browser);
  const sentA = recordFinishes(pageA);
  await openPanel(pageA, A);
  await tabTo(pageA, 'form.start button[type="submit"]');
  await pageA.keyboard.press('Enter');
  await waitForNode(pageA, 'who');
  await pageA.keyboard.press('1'); // self
  await waitForNode(pageA, 'topic');
  await pageA.keyboard.press('4'); // case_matter
  await waitForNode(pageA, 'case.service');
  await pageA.keyboard.press('1'); // welfare_benefit
  await waitForNode(pageA, 'case.nav');

  await pageA.keyboard.press('Control+Enter');
  await pageA.locator('form.finish').waitFor();
  await assertHeadingFocused(pageA, 'Avslutt henvendelsen');
  assert.equal(await pageA.locator('input[name="outcome"]:checked').getAttribute('value'), 'referred');
  assert.match(await pageA.locator('.dest-chosen').textContent(), /\(no\.nav\)/);
  // The consent question: there, unticked, with what is sent said plainly.
  // A's welcome does not say which destinations have a peer desk, so it is
  // asked for every referral.
  const consent = pageA.locator('#consent');
  await consent.waitFor();
  assert.equal(await consent.isChecked(), false, 'consent is never ticked for the agent');
  assert.equal(await pageA.locator('label[for="consent"]').textContent(), 'Innringeren samtykker i at saken sendes videre');
  const what = await pageA.locator('#consent-what').textContent();
  for (const word of ['svarene', 'veien gjennom veiledningen', 'rådet', 'notatet', 'fødselsnumre'])
    assert.ok(what.includes(word), `the consent text names ${word}: ${what}`);
  assert.equal(await consent.getAttribute('aria-describedby'), 'consent-hint consent-what');
  // No referral check on a walk of this desk's own.
  assert.equal(await pageA.locator('.referral-check').count(), 0);

  await tabTo(pageA, '#referral_reason');
  await pageA.keyboard.press('ArrowDown'); // wrong_agency
  await tabTo(pageA, '#consent');
  await pageA.keyboard.press('Space');
  assert.equal(await consent.isChecked(), true);
  await checkScreen(pageA, 'a-finish-consent');
  await tabTo(pageA, '#note');
  await pageA.keyboard.type('Ring 912 34 567 etter kl 12');
  await pageA.keyboard.press('Control+Enter');

  // Logged, with the code the caller says at NAV, said in words.
  await pageA.locator('section.logged .handoff-code').waitFor();
  await assertHeadingFocused(pageA, 'Logget');
  const code = (await pageA.locator('.handoff-code .big-code').textContent()).trim();
  assert.match(code, CODE_RE);
  assert.equal(await pageA.locator('.handoff-code').getAttribute('data-code'), code);
  assert.match(await pageA.locator('.handoff-code').textContent(), new RegExp(`Gi innringeren koden ${code}`));
  assert.equal(sentA.length, 1);
  assert.equal(sentA[0].consent, true, 'consent: true goes with the finish');
  assert.equal(sentA[0].destination, 'no.nav');
  assert.equal(sentA[0].referral_check, undefined);
  await checkScreen(pageA, 'a-logged-code');
  assertNoProblems(pageA);

  // A's dashboard, live: the handoff is sent and not answered yet.
  const dash = await newPage(browser);
  await openDashboard(dash, A);
  const navRow = '[data-table="referral-checks"] tr[data-destination="no.nav"]';
  await dash.locator(navRow).waitFor();
  assert.deepEqual(await cells(dash, navRow), { sent: '1', accepted: '0', misrouted: '0', unanswered: '1' });
  assert.match(norm(await dash.locator(`${navRow} th`).textContent()), /^NAV Kontaktsenter .*\(no\.nav\)$/);

  // --- desk B: the queue, the take, the check, by keyboard only ----------
  const pageB = await newPage(browser);
  const sentB = recordFinishes(pageB);
  await openPanel(pageB, B);
  const item = pageB.locator(`#queue .qi[data-kind="handoff"][data-code="${code}"]`);
  await item.waitFor();
  assert.match(norm(await item.locator('.qi-head').textContent()), new RegExp(`^${code} fra desk-a Norge · Norsk bokmål`));
  assert.match(norm(await item.locator('.qi-now').textContent()), /^Henvist til no\.nav \(Feil etat\)$/);
  await checkScreen(pageB, 'b-queue');

  await pageB.keyboard.press('q');
  assert.equal(await pageB.evaluate(() => document.activeElement.dataset.code), code);
  await pageB.keyboard.press('Enter');
  await waitForNode(pageB, 'case.nav');
  await assertHeadingFocused(pageB);
  assert.match(await pageB.locator('.result .step-meta').textContent(), new RegExp(`sendt videre fra desk-a \\(${code}\\)`));
  assert.deepEqual(await pageB.locator('.trail .tag').evaluateAll((els) => [...new Set(els.map((e) => e.textContent))]),
    ['fra desk-a']);
  const info = norm(await pageB.locator('.handoff-info').innerText());
  assert.match(info, /^Sendt fra desk-a/);
  assert.match(info, /Notat derfra Ring .+ etter kl 12/);
  assert.doesNotMatch(info, /912 34 567/, 'the note arrives scrubbed');
  await checkScreen(pageB, 'b-taken');

  await pageB.keyboard.press('Control+Enter');
  await pageB.locator('form.finish .referral-check').waitFor();
  assert.match(await pageB.locator('.referral-check legend').textContent(), /Var det riktig å henvise innringeren hit\?/);
  assert.match(await pageB.locator('#check-hint').textContent(), new RegExp(`desk-a henviste innringeren hit \\(til no\\.nav\\) med koden ${code}`));
  assert.equal(await pageB.locator('input[name="referral_check"]:checked').count(), 0, 'nothing chosen for the agent');
  assert.equal(await pageB.locator('#correct-block').isVisible(), false);

  // First the question about A's referral (it comes first in the form):
  // the radio group by arrow keys. Wrong, and where it should have gone
  // comes later.
  await assertHeadingFocused(pageB, 'Avslutt henvendelsen');
  await tabTo(pageB, 'input[name="referral_check"]');
  assert.equal((await focused(pageB)).id, 'check-accepted');
  await pageB.keyboard.press('ArrowDown');
  assert.equal(await pageB.locator('input[name="referral_check"]:checked').getAttribute('value'), 'misrouted');
  await pageB.locator('#correct-block').waitFor({ state: 'visible' });
  // Then B refers the caller on to the local office, for the wrong agency.
  await tabTo(pageB, '#referral_reason');
  await pageB.keyboard.press('ArrowDown'); // wrong_agency
  await tabTo(pageB, '.dest-search input');
  await pickDestination(pageB, '.dest-search', 'kontor', 'no.nav.kontor');
  assert.match(await pageB.locator('#dest-chosen').textContent(), /\(no\.nav\.kontor\)/);
  await checkScreen(pageB, 'b-finish-misrouted');

  // Misrouted without where to: refused by the form, said at the field,
  // and focus goes there.
  await pageB.keyboard.press('Control+Enter');
  const correctInput = pageB.locator('.correct-search input');
  await pageB.locator('.correct-search input[aria-invalid="true"]').waitFor();
  const inCorrect = () => pageB.evaluate(() => document.activeElement.closest('.correct-search') !== null);
  assert.equal(await inCorrect(), true, 'focus goes to the field with the error');
  assert.equal(await pageB.locator('#correct_destination-error').textContent(), 'Velg hvor innringeren burde vært sendt.');
  assert.match(await correctInput.getAttribute('aria-describedby'), /^correct_destination-error correct-title correct-chosen /);
  assert.equal(sentB.length, 0, 'nothing was sent');
  await checkScreen(pageB, 'b-finish-misrouted-error');

  assert.equal(await inCorrect(), true);
  await pickDestination(pageB, '.correct-search', 'kontor', 'no.nav.kontor');
  assert.match(await pageB.locator('#correct-chosen').textContent(), /\(no\.nav\.kontor\)/);
  await pageB.keyboard.press('Control+Enter');
  await pageB.locator('section.logged').waitFor();
  await assertHeadingFocused(pageB, 'Logget');
  assert.equal(sentB.length, 1);
  assert.equal(sentB[0].referral_check, 'misrouted');
  assert.equal(sentB[0].correct_destination, 'no.nav.kontor');
  assert.equal(sentB[0].destination, 'no.nav.kontor');
  assert.equal(sentB[0].consent, undefined, 'no consent unless ticked');
  await item.waitFor({ state: 'detached' });
  assertNoProblems(pageB);

  // --- desk A's dashboard: the correction -------------------------------
  // The check travels through B's outbox to A. The daemon pushes new
  // statistics after logged contacts (and once a minute), not when a check
  // arrives, so the dashboard subscribes afresh once A has stored it.
  await A.waitForLog(new RegExp(`handoff ${code} to no\\.nav: misrouted by desk-b, should have gone to no\\.nav\\.kontor`),
    'A to store the referral check');
  await dash.reload();
  await dash.locator('#dash-view[data-state="shown"]').waitFor();
  await dash.waitForFunction((sel) => document.querySelector(sel)?.textContent.trim() === '1',
    `${navRow} td[data-col="misrouted"]`);
  assert.deepEqual(await cells(dash, navRow), { sent: '1', accepted: '0', misrouted: '1', unanswered: '0' });
  const correction = `[data-table="corrections"] tr[data-code="${code}"]`;
  await dash.locator(correction).waitFor();
  assert.equal(await dash.locator(`${correction} th`).textContent(), code);
  assert.match(norm(await dash.locator(`${correction} td[data-col="destination"]`).textContent()), /\(no\.nav\)$/);
  assert.equal(norm(await dash.locator(`${correction} td[data-col="correct"]`).textContent()), 'no.nav.kontor');
  assert.equal(await dash.locator(`${correction} td[data-col="by"]`).textContent(), 'desk-b');
  assert.equal(await dash.locator('#delivery-alert').isHidden(), true, 'no dead letters, no warning');
  assert.deepEqual(await cells(dash, '[data-table="delivery"] tr[data-kind="handoff"]'),
    { pending: '0', failed: '0', dead_letters: '0', delivered: '1' });
  assert.equal(await dash.locator('[data-card="delivery"] .delivery-status').getAttribute('data-status'), 'ok');
  // The section is a labelled region with tables whose headers are cells of
  // their own (axe checks the rest).
  assert.equal(await dash.locator('#handoffs').getAttribute('aria-labelledby'), 'handoffs-h');
  assert.deepEqual(await dash.locator('[data-table="referral-checks"] thead th').evaluateAll((els) => els.map((e) => e.textContent)),
    ['Henvist til', 'Sendt videre', 'Bekreftet riktig', 'Bekreftet feil', 'Ikke besvart']);
  await dash.locator('#handoffs').scrollIntoViewIfNeeded();
  await checkScreen(dash, 'a-dashboard-correction');
  for (const [lang, heading] of [['nn', 'Tilvisingar kontrollerte av skranken som tok imot'],
    ['da', 'Henvisninger kontrolleret af den modtagende skranke'], ['en', 'Referrals checked by the receiving desk']]) {
    await dash.locator('#ui-lang').selectOption(lang);
    await dash.locator(`html[lang="${lang}"]`).waitFor({ state: 'attached' });
    assert.equal(await dash.locator('#checks-h').textContent(), heading);
    assert.doesNotMatch(await dash.locator('#handoffs').innerText(), /\b(check|delivery|kind)\.\w+|\b[a-z]+[A-Z]\w+\b/,
      `an untranslated key in ${lang}`);
  }
  await screenshot(dash, 'handoff-a-dashboard-correction-en');
  assertNoProblems(dash);

  // What A stored: the contact, its handoff and B's answer.
  const [ref] = sqlite(dbOf(A), `select * from referrals where code = '${code}'`);
  assert.ok(ref, 'A keeps the handoff');
  await Promise.all([pageA, pageB, dash].map((p) => p.context().close()));
});

test('a handoff the other desk refuses for good: the dashboard warns of the dead letter', { timeout: 60000 }, async () => {
  const dash = await newPage(browser);
  await openDashboard(dash, A);
  assert.equal(await dash.locator('#delivery-alert').isHidden(), true);

  // A referral to the bank with consent, over the websocket (the panel's
  // part is the test above); the bank's desk answers 400.
  const a = await agent(A);
  let s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
  for (const v of ['self', 'login', 'bankid']) s = await a.request({ type: 'answer', session: s.session, value: v });
  const logged = await a.request({ type: 'finish', session: s.session, key: `dead-${process.pid}`, outcome: 'referred',
    destination: 'no.bank', referral_reason: 'other', consent: true });
  assert.match(logged.handoff?.code ?? '', CODE_RE, JSON.stringify(logged));
  await a.close();
  await A.waitForLog(/dead letter/, 'the handoff to be given up');

  // As above: a new snapshot (the delivery thread's counters are read when
  // one is made).
  await dash.reload();
  const alert = dash.locator('#delivery-alert');
  await alert.waitFor({ state: 'visible' });
  assert.equal(await alert.getAttribute('role'), 'alert');
  assert.match(await alert.textContent(), /^Advarsel: 1 melding til andre skranker kunne ikke leveres og er gitt opp/);
  const handoffRow = '[data-table="delivery"] tr[data-kind="handoff"]';
  assert.equal((await cells(dash, handoffRow)).dead_letters, '1');
  assert.match(await dash.locator(`${handoffRow} td[data-col="dead_letters"]`).getAttribute('class'), /is-bad/);
  assert.equal(await dash.locator('[data-card="delivery"] .delivery-status').count(), 0, 'no "all delivered" beside the warning');
  const bankRow = '[data-table="referral-checks"] tr[data-destination="no.bank"]';
  assert.deepEqual(await cells(dash, bankRow), { sent: '1', accepted: '0', misrouted: '0', unanswered: '1' });
  await dash.locator('#handoffs').scrollIntoViewIfNeeded();
  await checkScreen(dash, 'a-dashboard-dead-letter');
  assertNoProblems(dash);
  await dash.context().close();
});

test('consent is asked only for destinations with a connected desk, as the welcome names them', { timeout: 60000 }, async () => {
  // A's welcome names its peers (no.nav, no.bank): a referral elsewhere asks
  // no consent and is logged without a code.
  const page = await newPage(browser);
  const sent = recordFinishes(page);
  await openPanel(page, A);
  await page.keyboard.press('Control+Enter');
  await waitForNode(page, 'who');
  for (const [key, node] of [['1', 'topic'], ['1', 'login.method'], ['1', 'login.problem'], ['2', 'login.minid.phone']]) {
    await page.keyboard.press(key);
    await waitForNode(page, node);
  }
  await page.keyboard.press('Control+Enter');
  await page.locator('form.finish').waitFor();
  assert.match(await page.locator('.dest-chosen').textContent(), /no\.digdir\.idporten/);
  await page.locator('#referral_reason').selectOption('needs_in_person');
  await page.locator('#consent-block').waitFor({ state: 'hidden' });
  await page.keyboard.press('Control+Enter');
  await page.locator('section.logged').waitFor();
  assert.notEqual(sent.at(-1).consent, true, 'no consent sent where no desk is connected');
  assert.equal(await page.locator('.handoff-code').count(), 0);
  await checkScreen(page, 'a-logged-no-peer');
  assertNoProblems(page);
  await page.context().close();

  // The consent question follows the chosen destination.
  const other = await newPage(browser);
  await openPanel(other, A);
  await other.keyboard.press('Control+Enter');
  await waitForNode(other, 'who');
  for (const [key, node] of [['1', 'topic'], ['4', 'case.service'], ['1', 'case.nav']]) {
    await other.keyboard.press(key);
    await waitForNode(other, node);
  }
  await other.keyboard.press('Control+Enter');
  await other.locator('form.finish').waitFor();
  await other.locator('#consent').waitFor({ state: 'visible' });
  assert.doesNotMatch(await other.locator('#consent-what').textContent(), /ikke koblet til Vegvisar/,
    'no "if not connected" when the daemon said it is');
  await tabTo(other, '.dest-search input');
  await pickDestination(other, '.dest-search', 'Tingretten', 'no.tingretten');
  await other.locator('#consent-block').waitFor({ state: 'hidden' });
  await tabTo(other, '.dest-search input', { shift: true });
  await other.keyboard.press('Control+a');
  await pickDestination(other, '.dest-search', 'Kontaktsenter', 'no.nav');
  await other.locator('#consent-block').waitFor({ state: 'visible' });
  assertNoProblems(other);
  await other.context().close();
});
