// widget.js - the Vegvisar chat widget for citizens: one tag on any page.
//
//   <script src="https://HOST/widget/widget.js" data-country="no" data-lang="nb"
//           data-site="nav.no" async></script>
//
// adds a launcher button and a chat panel that walks the citizen-facing part
// of the country's rule tree (protocol v1, role citizen, channel widget),
// ends with what to do now or where to turn, and can hand the case to a
// person. data-country: no | dk. data-lang: nb | nn | da | en (else the
// page's or the browser's language). data-site names the host site; the
// protocol has no field for it, so it only keeps two sites' conversations
// apart in the browser.
//
// Isolation: everything lives in an open shadow root (open, so that axe and
// assistive technology can see it) on a <vegvisar-widget> element at the end
// of <body>; its styles are widget.css, linked inside that root. The
// Vegvisar host is where this script came from (document.currentScript),
// never the page, and nothing is requested from anyone else: this file,
// widget.css and the websocket.
//
// One classic script, not ES modules: a cross-origin module import needs
// CORS headers, which the daemon's static files do not carry. It connects
// only when the panel is opened (or a handover is waiting), not on every
// page view. The conversation (session id, answers, messages shown) is kept
// in the host page's sessionStorage, so it survives a reload and the next
// page of the same site, in this tab only.
//
// What a host page must allow, if it sends a Content-Security-Policy:
//   script-src  https://HOST      this file
//   style-src   https://HOST      widget.css (a <link> inside the shadow root)
//   connect-src wss://HOST        the websocket (ws://HOST over plain http)
// and the daemon's config must list the page's origin in widget_origins
// (origins compare exactly: https://www.nav.no and https://nav.no differ).
(() => {
  'use strict';

  const script = document.currentScript || document.querySelector('script[src*="/widget/widget.js"]');
  if (!script || document.querySelector('vegvisar-widget')) return; // no source, or already on the page
  const SRC = new URL(script.src, document.baseURI);
  const WS_URL = `${SRC.protocol === 'https:' ? 'wss:' : 'ws:'}//${SRC.host}/ws`;
  const CSS_URL = new URL('widget.css', SRC).href;
  const UI_LANGS = ['nb', 'nn', 'da', 'en'];
  const COUNTRIES = ['no', 'dk'];
  const STORE_KEY = `vegvisar.widget:${SRC.origin}:${script.dataset.site || ''}`;

  // --- texts -------------------------------------------------------------
  // Interface texts only; the questions, options and answers come from the
  // daemon in the session's language. {name} is a placeholder.
  const TEXTS = {
    nb: {
      launcher: 'Få hjelp', region: 'Hjelpechat', title: 'Hvor får jeg hjelp?', close: 'Lukk',
      language: 'Språk', log: 'Samtale', bot: 'Vegvisar:', me: 'Du:',
      welcome: 'Hei! Jeg hjelper deg å finne ut hva du kan gjøre, eller hvor du kan få hjelp. Velg svaret som passer best. Du kan gå tilbake, og du kan be om å snakke med et menneske når som helst.',
      langsIntro: 'Spørsmålene finnes på disse språkene:',
      fallback: 'Veiviseren for {country} finnes ikke på {wanted}, så spørsmålene vises på {used}. Du kan velge et annet språk øverst.',
      langChosen: 'Du har valgt {lang}.',
      treeLangKept: 'Spørsmålene fortsetter på {used}, fordi saken din allerede står i kø.',
      connecting: 'Kobler til …',
      reconnecting: 'Forbindelsen ble borte. Vi prøver å koble til igjen.',
      cannotConnect: 'Vi får ikke kontakt med hjelpetjenesten fra denne siden. Vi prøver igjen om litt, eller du kan prøve selv nå.',
      retryNow: 'Prøv igjen nå',
      rateLimited: 'Mange spør akkurat nå. Vi prøver igjen om litt – du trenger ikke gjøre noe.',
      back: 'Tilbake', restart: 'Start på nytt', person: 'Snakk med et menneske',
      wentBack: 'Du gikk tilbake ett spørsmål.',
      describe: 'Beskriv problemet med egne ord (eller velg nedenfor)', send: 'Send',
      agentOnly: 'Dette spørsmålet må en person hjelpe deg med. Velg «Snakk med et menneske».',
      resultTitle: 'Dette kan du gjøre', bring: 'Ha dette klart:', whereTitle: 'Her kan du få hjelp',
      phone: 'Telefon', hours: 'Åpningstider', web: 'Nettside', unverified: 'Ikke bekreftet',
      unverifiedNote: '«Ikke bekreftet»: sjekk nettsiden før du ringer.',
      newTab: '(åpnes i ny fane)',
      handoverTitle: 'Du står i kø for å snakke med et menneske', yourCode: 'Koden din:',
      callWithCode: 'Ring {phone} og les opp koden.',
      orWait: 'Eller vent her. Du ser det her når en person har tatt saken din.',
      waitOnly: 'Vent her. Du ser det her når en person har tatt saken din.',
      codeValid: 'Koden gjelder til kl. {time}.',
      codeChanged: 'Hjelpetjenesten har startet på nytt, så du har fått en ny kode.',
      keepAnswering: 'Du kan svare på flere spørsmål mens du venter. Personen ser hvor langt du har kommet.',
      takenTitle: 'En person har tatt over saken din',
      takenBody: 'Personen fortsetter der du slapp, med svarene du har gitt. Du trenger ikke svare på mer her.',
      sessionLost: 'Samtalen kunne ikke hentes fram igjen, så vi begynner på nytt.',
      failed: 'Noe gikk galt. Prøv igjen, eller snakk med et menneske.',
      noGuide: 'Hjelpetjenesten har ingen veiviser for {country} akkurat nå.',
      newConversation: 'Ny samtale',
    },
    nn: {
      launcher: 'Få hjelp', region: 'Hjelpechat', title: 'Kvar får eg hjelp?', close: 'Lukk',
      language: 'Språk', log: 'Samtale', bot: 'Vegvisar:', me: 'Du:',
      welcome: 'Hei! Eg hjelper deg å finne ut kva du kan gjere, eller kvar du kan få hjelp. Vel svaret som passar best. Du kan gå tilbake, og du kan be om å snakke med eit menneske når som helst.',
      langsIntro: 'Spørsmåla finst på desse språka:',
      fallback: 'Vegvisaren for {country} finst ikkje på {wanted}, så spørsmåla blir viste på {used}. Du kan velje eit anna språk øvst.',
      langChosen: 'Du har valt {lang}.',
      treeLangKept: 'Spørsmåla held fram på {used}, fordi saka di alt står i kø.',
      connecting: 'Koplar til …',
      reconnecting: 'Sambandet vart borte. Vi prøver å kople til igjen.',
      cannotConnect: 'Vi får ikkje kontakt med hjelpetenesta frå denne sida. Vi prøver igjen om litt, eller du kan prøve sjølv no.',
      retryNow: 'Prøv igjen no',
      rateLimited: 'Mange spør akkurat no. Vi prøver igjen om litt – du treng ikkje gjere noko.',
      back: 'Tilbake', restart: 'Start på nytt', person: 'Snakk med eit menneske',
      wentBack: 'Du gjekk tilbake eitt spørsmål.',
      describe: 'Skildre problemet med eigne ord (eller vel nedanfor)', send: 'Send',
      agentOnly: 'Dette spørsmålet må ein person hjelpe deg med. Vel «Snakk med eit menneske».',
      resultTitle: 'Dette kan du gjere', bring: 'Ha dette klart:', whereTitle: 'Her kan du få hjelp',
      phone: 'Telefon', hours: 'Opningstider', web: 'Nettside', unverified: 'Ikkje stadfesta',
      unverifiedNote: '«Ikkje stadfesta»: sjekk nettsida før du ringjer.',
      newTab: '(blir opna i ny fane)',
      handoverTitle: 'Du står i kø for å snakke med eit menneske', yourCode: 'Koden din:',
      callWithCode: 'Ring {phone} og les opp koden.',
      orWait: 'Eller vent her. Du ser det her når ein person har teke saka di.',
      waitOnly: 'Vent her. Du ser det her når ein person har teke saka di.',
      codeValid: 'Koden gjeld til kl. {time}.',
      codeChanged: 'Hjelpetenesta har starta på nytt, så du har fått ein ny kode.',
      keepAnswering: 'Du kan svare på fleire spørsmål medan du ventar. Personen ser kor langt du har kome.',
      takenTitle: 'Ein person har teke over saka di',
      takenBody: 'Personen held fram der du slapp, med svara du har gitt. Du treng ikkje svare på meir her.',
      sessionLost: 'Samtalen kunne ikkje hentast fram att, så vi byrjar på nytt.',
      failed: 'Noko gjekk gale. Prøv igjen, eller snakk med eit menneske.',
      noGuide: 'Hjelpetenesta har ingen vegvisar for {country} akkurat no.',
      newConversation: 'Ny samtale',
    },
    da: {
      launcher: 'Få hjælp', region: 'Hjælpechat', title: 'Hvor får jeg hjælp?', close: 'Luk',
      language: 'Sprog', log: 'Samtale', bot: 'Vegvisar:', me: 'Du:',
      welcome: 'Hej! Jeg hjælper dig med at finde ud af, hvad du kan gøre, eller hvor du kan få hjælp. Vælg det svar, der passer bedst. Du kan gå tilbage, og du kan bede om at tale med et menneske når som helst.',
      langsIntro: 'Spørgsmålene findes på disse sprog:',
      fallback: 'Guiden for {country} findes ikke på {wanted}, så spørgsmålene vises på {used}. Du kan vælge et andet sprog øverst.',
      langChosen: 'Du har valgt {lang}.',
      treeLangKept: 'Spørgsmålene fortsætter på {used}, fordi din sag allerede står i kø.',
      connecting: 'Forbinder …',
      reconnecting: 'Forbindelsen blev afbrudt. Vi prøver at oprette forbindelse igen.',
      cannotConnect: 'Vi kan ikke få forbindelse til hjælpetjenesten fra denne side. Vi prøver igen om lidt, eller du kan selv prøve nu.',
      retryNow: 'Prøv igen nu',
      rateLimited: 'Mange spørger lige nu. Vi prøver igen om lidt – du behøver ikke gøre noget.',
      back: 'Tilbage', restart: 'Start forfra', person: 'Tal med et menneske',
      wentBack: 'Du gik et spørgsmål tilbage.',
      describe: 'Beskriv problemet med dine egne ord (eller vælg nedenfor)', send: 'Send',
      agentOnly: 'Dette spørgsmål skal et menneske hjælpe dig med. Vælg »Tal med et menneske«.',
      resultTitle: 'Det kan du gøre', bring: 'Hav dette klar:', whereTitle: 'Her kan du få hjælp',
      phone: 'Telefon', hours: 'Åbningstider', web: 'Hjemmeside', unverified: 'Ikke bekræftet',
      unverifiedNote: '»Ikke bekræftet«: tjek hjemmesiden, før du ringer.',
      newTab: '(åbnes i en ny fane)',
      handoverTitle: 'Du står i kø for at tale med et menneske', yourCode: 'Din kode:',
      callWithCode: 'Ring {phone} og læs koden op.',
      orWait: 'Eller vent her. Du kan se det her, når et menneske har taget din sag.',
      waitOnly: 'Vent her. Du kan se det her, når et menneske har taget din sag.',
      codeValid: 'Koden gælder til kl. {time}.',
      codeChanged: 'Hjælpetjenesten er startet igen, så du har fået en ny kode.',
      keepAnswering: 'Du kan svare på flere spørgsmål, mens du venter. Medarbejderen kan se, hvor langt du er kommet.',
      takenTitle: 'Et menneske har overtaget din sag',
      takenBody: 'Medarbejderen fortsætter, hvor du slap, med de svar, du har givet. Du behøver ikke svare på mere her.',
      sessionLost: 'Samtalen kunne ikke hentes frem igen, så vi begynder forfra.',
      failed: 'Noget gik galt. Prøv igen, eller tal med et menneske.',
      noGuide: 'Hjælpetjenesten har ingen guide for {country} lige nu.',
      newConversation: 'Ny samtale',
    },
    en: {
      launcher: 'Get help', region: 'Help chat', title: 'Where can I get help?', close: 'Close',
      language: 'Language', log: 'Conversation', bot: 'Vegvisar:', me: 'You:',
      welcome: 'Hello! I help you find out what you can do, or where to get help. Choose the answer that fits best. You can go back, and you can ask to talk to a person at any time.',
      langsIntro: 'The questions are available in these languages:',
      fallback: 'The guide for {country} is not available in {wanted}, so the questions are shown in {used}. You can choose another language at the top.',
      langChosen: 'You chose {lang}.',
      treeLangKept: 'The questions continue in {used}, because your case is already in the queue.',
      connecting: 'Connecting …',
      reconnecting: 'The connection was lost. We are trying to reconnect.',
      cannotConnect: 'We cannot connect to the help service from this page. We will try again in a moment, or you can try now.',
      retryNow: 'Try again now',
      rateLimited: 'Many people are asking right now. We will try again in a moment – you do not need to do anything.',
      back: 'Back', restart: 'Start again', person: 'Talk to a person',
      wentBack: 'You went back one question.',
      describe: 'Describe your problem in your own words (or choose below)', send: 'Send',
      agentOnly: 'A person needs to help you with this question. Choose “Talk to a person”.',
      resultTitle: 'What you can do', bring: 'Have this ready:', whereTitle: 'Where to get help',
      phone: 'Phone', hours: 'Opening hours', web: 'Website', unverified: 'Not confirmed',
      unverifiedNote: '“Not confirmed”: check the website before you call.',
      newTab: '(opens in a new tab)',
      handoverTitle: 'You are in the queue to talk to a person', yourCode: 'Your code:',
      callWithCode: 'Call {phone} and read out the code.',
      orWait: 'Or wait here. You will see it here when a person has taken your case.',
      waitOnly: 'Wait here. You will see it here when a person has taken your case.',
      codeValid: 'The code is valid until {time}.',
      codeChanged: 'The help service has restarted, so you have a new code.',
      keepAnswering: 'You can keep answering while you wait. The person will see how far you got.',
      takenTitle: 'A person has taken over your case',
      takenBody: 'They continue where you left off, with the answers you gave. You do not need to answer anything more here.',
      sessionLost: 'The conversation could not be brought back, so we are starting again.',
      failed: 'Something went wrong. Try again, or talk to a person.',
      noGuide: 'The help service has no guide for {country} right now.',
      newConversation: 'New conversation',
    },
  };

  // Names of languages (in the select: each in its own language) and countries.
  const AUTONYMS = { nb: 'Norsk bokmål', nn: 'Norsk nynorsk', da: 'Dansk', en: 'English' };
  const LANG_NAMES = {
    nb: { nb: 'norsk bokmål', nn: 'norsk nynorsk', da: 'dansk', en: 'engelsk' },
    nn: { nb: 'norsk bokmål', nn: 'norsk nynorsk', da: 'dansk', en: 'engelsk' },
    da: { nb: 'norsk (bokmål)', nn: 'norsk (nynorsk)', da: 'dansk', en: 'engelsk' },
    en: { nb: 'Norwegian Bokmål', nn: 'Norwegian Nynorsk', da: 'Danish', en: 'English' },
  };
  const COUNTRY_NAMES = {
    nb: { no: 'Norge', dk: 'Danmark' }, nn: { no: 'Noreg', dk: 'Danmark' },
    da: { no: 'Norge', dk: 'Danmark' }, en: { no: 'Norway', dk: 'Denmark' },
  };

  function t(key, vars = {}, lang = S.ui) {
    const text = TEXTS[lang]?.[key] ?? TEXTS.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  }

  // Like t(), but placeholders may be DOM nodes (a tel: link inside a sentence).
  function tNodes(key, vars, lang) {
    return (TEXTS[lang]?.[key] ?? TEXTS.en[key]).split(/(\{\w+\})/).map((part) => {
      const m = /^\{(\w+)\}$/.exec(part);
      return m && m[1] in vars ? vars[m[1]] : part;
    });
  }

  function listOf(items, lang) {
    try {
      return new Intl.ListFormat(lang === 'nn' ? 'nb' : lang, { type: 'conjunction' }).format(items);
    } catch {
      return items.join(', ');
    }
  }

  function matchLang(tag) {
    if (!tag) return null;
    const primary = String(tag).toLowerCase().split(/[-_]/)[0];
    const lang = primary === 'no' ? 'nb' : primary;
    return UI_LANGS.includes(lang) ? lang : null;
  }

  // --- DOM ---------------------------------------------------------------
  // Daemon texts always go in as text nodes, never as markup.
  function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'dataset') Object.assign(el.dataset, value);
      else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
      else if (name === 'class') el.className = value;
      else el.setAttribute(name, value === true ? '' : String(value));
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function icon(d) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    svg.append(path);
    return svg;
  }
  const ICON_CHAT = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z';
  const ICON_CLOSE = 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z';

  const vh = (text) => h('span', { class: 'vh' }, text);

  // --- the connection ----------------------------------------------------
  // Adapted from clients/shared/protocol.js (which cannot be imported from
  // another origin): one socket, hello, onReady to bring the session back
  // before counting as ready, reconnect with backoff and jitter, and
  // request() pairing replies by id. Differences: the URL is the script's
  // host, backoff starts at 1 s (many citizens, one daemon), a hello refused
  // with rate_limited waits like a lost connection, and the state says
  // whether we ever got in (a page whose origin the daemon refuses never
  // does).
  class ConnectionLost extends Error {}
  class ProtocolError extends Error {
    constructor(reply) {
      super(reply.message || reply.code);
      this.code = reply.code;
    }
  }

  class Connection extends EventTarget {
    constructor({ url, hello, onReady }) {
      super();
      Object.assign(this, { url, hello, onReady, minDelay: 1000, maxDelay: 30000, requestTimeout: 20000 });
      this.ws = null;
      this.seq = 0;
      this.pending = new Map();
      this.attempt = 0;
      this.state = 'stopped';
      this.wanted = false;
      this.everReady = false;
      this.limited = false;
      this.onOnline = () => this.retryNow();
    }

    start() {
      if (this.wanted) return;
      this.wanted = true;
      window.addEventListener('online', this.onOnline);
      this.connect();
    }

    stop() {
      this.wanted = false;
      window.removeEventListener('online', this.onOnline);
      clearTimeout(this.retryTimer);
      const ws = this.ws;
      this.drop(new ConnectionLost('stopped'));
      if (ws) ws.close(1000, 'done');
      this.setState('stopped');
    }

    retryNow() {
      if (!this.wanted || this.state !== 'waiting') return;
      clearTimeout(this.retryTimer);
      this.connect();
    }

    get ready() { return this.state === 'ready'; }
    get open() { return !!this.ws && this.ws.readyState === WebSocket.OPEN; }

    setState(state, extra = {}) {
      this.state = state;
      this.dispatchEvent(new CustomEvent('state', { detail: { state, everReady: this.everReady, limited: this.limited, ...extra } }));
    }

    connect() {
      this.setState('connecting');
      let ws;
      try {
        ws = new WebSocket(this.url, 'vegvisar.v1');
      } catch (e) {
        this.scheduleRetry();
        return;
      }
      this.ws = ws;
      ws.addEventListener('open', () => this.greet(ws));
      ws.addEventListener('message', (ev) => this.receive(ev.data));
      ws.addEventListener('close', () => {
        if (this.ws !== ws) return;
        this.drop(new ConnectionLost());
        if (this.wanted) this.scheduleRetry();
      });
    }

    async greet(ws) {
      let welcome;
      try {
        welcome = await this.request(this.hello());
      } catch (e) {
        if (e instanceof ProtocolError) {
          this.limited = e.code === 'rate_limited';
          ws.close(1000, 'hello refused');
        }
        return;
      }
      if (this.ws !== ws) return;
      this.everReady = true;
      this.limited = false;
      this.attempt = 0;
      this.setState('syncing');
      try {
        await this.onReady(welcome);
      } catch (e) {
        if (!(e instanceof ConnectionLost)) console.error('vegvisar widget: could not bring the conversation back', e);
      }
      if (this.ws === ws && ws.readyState === WebSocket.OPEN) this.setState('ready');
    }

    receive(data) {
      let msg;
      try {
        msg = JSON.parse(data);
      } catch {
        return;
      }
      const waiter = msg.re !== undefined ? this.pending.get(msg.re) : undefined;
      if (!waiter) {
        this.dispatchEvent(new CustomEvent('message', { detail: msg }));
        return;
      }
      this.pending.delete(msg.re);
      clearTimeout(waiter.timer);
      if (msg.type === 'error') waiter.reject(new ProtocolError(msg));
      else waiter.resolve(msg);
    }

    request(msg) {
      const ws = this.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new ConnectionLost('not connected'));
      const id = `w${++this.seq}`;
      return new Promise((resolve, reject) => {
        // No reply means a dead connection nobody noticed: closing it
        // rejects everything waiting and reconnects.
        const timer = setTimeout(() => { if (this.ws === ws) ws.close(4000, 'reply timeout'); }, this.requestTimeout);
        this.pending.set(id, { resolve, reject, timer });
        ws.send(JSON.stringify({ ...msg, id }));
      });
    }

    drop(err) {
      for (const w of this.pending.values()) {
        clearTimeout(w.timer);
        w.reject(err);
      }
      this.pending.clear();
      this.ws = null;
    }

    scheduleRetry() {
      // 1 s, 2 s, 4 s … 30 s, each with up to 30 % jitter, so that a restart
      // does not bring every open widget back in the same second.
      const base = Math.min(this.maxDelay, this.minDelay * 2 ** this.attempt);
      const delay = Math.round(base * (0.7 + 0.3 * Math.random()));
      this.attempt++;
      this.setState('waiting', { retryIn: delay });
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => { if (this.wanted) this.connect(); }, delay);
    }
  }

  // --- state and what the browser keeps -----------------------------------
  // The conversation survives a reload and moving between the host site's
  // pages (sessionStorage of the host page: this tab only). The record is
  // what the daemon needs to rebuild a session it lost (resume + restore,
  // docs/protocol.md): the start and every answer still in force.
  //   record = {session, country, lang, started, steps: [{answer}], lastStep, pending}
  //   transcript = the messages shown, each {k, ui, …} (see renderEntry)
  const stored = readStore();
  const dataCountry = COUNTRIES.includes(script.dataset.country) ? script.dataset.country : null;
  if (!dataCountry) console.warn(`vegvisar widget: data-country must be one of ${COUNTRIES.join(', ')}`);
  const firstUi = stored?.ui || matchLang(script.dataset.lang) || matchLang(document.documentElement.lang)
    || [...(navigator.languages || [])].map(matchLang).find(Boolean) || (dataCountry === 'dk' ? 'da' : 'nb');
  const S = {
    ui: firstUi,
    country: dataCountry || (firstUi === 'da' ? 'dk' : 'no'),
    open: false,
    record: null,
    transcript: [],
    handover: null, // {code, phone, expires}
    taken: false,
    welcome: null,
    busy: false,
    limited: false, // a request is waiting out rate_limited
    queue: Promise.resolve(),
  };
  if (stored && stored.country === S.country) {
    Object.assign(S, { record: stored.record, transcript: stored.transcript || [], handover: stored.handover,
      taken: !!stored.taken, open: !!stored.open });
  }

  function readStore() {
    try {
      return JSON.parse(sessionStorage.getItem(STORE_KEY));
    } catch {
      return null; // storage disabled: the widget works, without memory
    }
  }

  function save() {
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify({
        country: S.country, ui: S.ui, open: S.open, record: S.record, handover: S.handover, taken: S.taken,
        // What the citizen typed is shown, never kept: it may name people.
      transcript: S.transcript.filter((e) => !e.transient).slice(-200),
      }));
    } catch {
      // full or disabled
    }
  }

  // --- the panel -----------------------------------------------------------
  const E = {}; // the elements that change

  function build() {
    E.title = h('h2', { id: 'vv-title', tabindex: '-1' });
    E.langLabel = h('label', { for: 'vv-lang' });
    E.lang = h('select', { id: 'vv-lang', onchange: () => changeLang(E.lang.value) },
      UI_LANGS.map((l) => h('option', { value: l, lang: l }, AUTONYMS[l])));
    E.close = h('button', { type: 'button', class: 'icon-button', onclick: () => close() }, icon(ICON_CLOSE));
    E.status = h('p', { class: 'status', role: 'status' });
    E.retry = h('button', { type: 'button', class: 'action', onclick: () => conn.retryNow() });
    E.retryRow = h('div', { class: 'retry-row', hidden: true }, E.retry);
    E.log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite' });
    E.reply = h('div', { class: 'reply' });
    E.back = h('button', { type: 'button', class: 'action', dataset: { act: 'back' }, onclick: () => act(goBack) });
    E.person = h('button', { type: 'button', class: 'action primary', dataset: { act: 'person' }, onclick: () => act(askPerson) });
    E.restart = h('button', { type: 'button', class: 'action', dataset: { act: 'restart' }, onclick: () => restart() });
    E.actions = h('div', { class: 'actions' }, E.back, E.restart, E.person);
    E.body = h('div', { class: 'body' }, E.log, E.reply, E.actions);
    E.panel = h('div', { class: 'panel', id: 'vv-panel', role: 'dialog', 'aria-labelledby': 'vv-title', hidden: true },
    h('div', { class: 'head' }, E.title, h('div', { class: 'tools' }, E.langLabel, E.lang, E.close)),
    E.status, E.retryRow,
    E.body);
    E.launcherText = h('span');
    E.launcher = h('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'vv-panel',
      onclick: () => (S.open ? close() : open()) }, icon(ICON_CHAT), E.launcherText);
    // Escape anywhere in the widget (panel or launcher) closes the panel.
    E.root = h('aside', { class: 'vv', hidden: true, onkeydown: (ev) => {
      if (ev.key === 'Escape' && S.open && !ev.defaultPrevented) {
        ev.preventDefault();
        close();
      }
    } }, E.launcher, E.panel);
  }

  // The interface texts, again after a language change.
  function applyTexts() {
    E.root.lang = S.ui;
    E.root.setAttribute('aria-label', t('region'));
    E.launcherText.textContent = t('launcher');
    E.title.textContent = t('title');
    E.langLabel.textContent = t('language');
    E.lang.value = S.ui;
    E.close.setAttribute('aria-label', t('close'));
    E.log.setAttribute('aria-label', t('log'));
    E.retry.textContent = t('retryNow');
    E.back.textContent = t('back');
    E.person.textContent = t('person');
    E.restart.textContent = t('restart');
    updateStatus();
    renderReply();
  }

  function open({ focus = true } = {}) {
    S.open = true;
    save();
    E.panel.hidden = false;
    E.root.classList.add('is-open');
    E.launcher.setAttribute('aria-expanded', 'true');
    if (focus) { if (currentTarget()) focusOn(currentTarget()); else E.title.focus(); }
    if (S.taken) return;
    if (!conn.wanted) conn.start();
    else if (conn.ready && !S.record) act(startSession);
  }

  function close() {
    S.open = false;
    save();
    E.panel.hidden = true;
    E.root.classList.remove('is-open');
    E.launcher.setAttribute('aria-expanded', 'false');
    E.launcher.focus();
  }

  // The element focus goes to for the conversation as it stands.
  function currentTarget() {
    const targets = E.log.querySelectorAll('.focus-target');
    return targets[targets.length - 1] || null;
  }

  // Focus moves to new content only from where the widget put it or from
  // the controls that asked for it, never from somewhere the person went
  // (the language select, a link in an answer).
  function focusIsFree() {
    const active = shadow.activeElement;
    return !active || active === E.title || !active.isConnected || E.reply.contains(active)
      || E.actions.contains(active) || active.classList.contains('focus-target');
  }

  function updateStatus() {
    const st = conn.state;
    let text = '';
    let kind = 'warn';
    if (S.limited || (st === 'waiting' && conn.limited)) text = t('rateLimited');
    else if (st === 'connecting' && conn.everReady) { text = E.status.textContent; kind = E.status.dataset.kind; } // still reconnecting
    else if (st === 'connecting') { text = t('connecting'); kind = 'info'; }
    else if (st === 'waiting') {
      text = conn.everReady ? t('reconnecting') : t('cannotConnect');
      kind = conn.everReady ? 'warn' : 'error';
    }
    if (E.status.textContent !== text) E.status.textContent = text;
    E.status.dataset.kind = kind;
    E.retryRow.hidden = !(st === 'waiting' && !conn.limited);
    E.root.dataset.conn = st === 'waiting' && !conn.everReady ? 'failed' : st;
    updateControls();
  }

  // Controls work only when a reply can come: connected and nothing sent.
  function updateControls() {
    const off = S.busy || !conn.ready;
    for (const b of [...E.reply.querySelectorAll('button'), E.back, E.person]) b.setAttribute('aria-disabled', String(off));
    E.restart.setAttribute('aria-disabled', String(S.busy));
    const rec = S.record;
    E.back.hidden = !rec || S.taken || rec.steps.length === 0;
    E.person.hidden = !rec || S.taken;
    E.restart.hidden = !S.taken && !(rec && (rec.steps.length || rec.lastStep?.result || S.handover));
    E.root.dataset.state = S.taken ? 'taken' : !rec ? 'idle' : rec.lastStep?.result ? 'result' : 'question';
    E.root.dataset.busy = String(S.busy);
  }

  // --- the conversation -----------------------------------------------------

  function add(entry, { focus = false } = {}) {
    entry.ui = entry.ui || S.ui;
    S.transcript.push(entry);
    save();
    const el = renderEntry(entry);
    E.log.append(el);
    if (focus && S.open) focusOn(el);
    else if (S.open) reveal(el);
    return el;
  }

  // Scroll so that el and what follows it (the options) are in view, or,
  // if they do not fit, el's top.
  function reveal(el) {
    const top = el.getBoundingClientRect().top - E.body.getBoundingClientRect().top + E.body.scrollTop;
    E.body.scrollTop = E.body.scrollHeight - top <= E.body.clientHeight ? E.body.scrollHeight : top;
  }

  function focusOn(el) {
    if (!el) return;
    const msg = el.closest('.msg') || el;
    (msg.querySelector('.focus-target') || el).focus({ preventScroll: true });
    reveal(msg);
  }

  const note = (text) => add({ k: 'note', text });

  function renderEntry(e) {
    const L = e.ui;
    switch (e.k) {
    case 'welcome':
      return h('div', { class: 'msg bot', lang: L }, vh(t('bot', {}, L)),
        h('p', {}, t('welcome', {}, L)),
        h('p', {}, t('langsIntro', {}, L)),
        h('ul', {}, Object.entries(e.countries).map(([c, langs]) =>
          h('li', {}, `${COUNTRY_NAMES[L][c] || c}: ${listOf(langs.map((l) => LANG_NAMES[L][l] || l), L)}`))));
    case 'note':
      return h('div', { class: 'msg note', lang: L }, h('p', {}, e.text));
    case 'q':
      return h('div', { class: 'msg bot', lang: L, dataset: { node: e.node } }, vh(t('bot', {}, L)),
        h('p', { class: 'q focus-target', tabindex: '-1', lang: e.lang }, e.text),
        e.help ? h('p', { class: 'help', lang: e.lang }, e.help) : null);
    case 'me':
      return h('div', { class: 'msg me', lang: L }, vh(t('me', {}, L)), h('p', { lang: e.lang }, e.text));
    case 'result':
      return renderResult(e);
    case 'handover':
      return renderHandover(e);
    case 'taken':
      return h('div', { class: 'msg bot taken', lang: L }, vh(t('bot', {}, L)),
        h('h3', { class: 'focus-target', tabindex: '-1' }, t('takenTitle', {}, L)),
        h('p', {}, t('takenBody', {}, L)));
    default:
      return h('div');
    }
  }

  // Directory fields may end in "UNVERIFIED (why)", an English note for
  // staff: the citizen sees the field marked instead.
  function webLinks(text, L) {
    const urls = text.match(/https?:\/\/[^\s;,)]+/g);
    if (!urls) return [text];
    return h('span', { class: 'links' }, urls.map((u) => h('a', { href: u, target: '_blank', rel: 'noopener noreferrer' },
      u.replace(/^https?:\/\//, '').replace(/\/$/, ''), vh(` ${t('newTab', {}, L)}`))));
  }

  function renderResult(e) {
    const L = e.ui;
    const r = e.result;
    const d = r.destination || {};
    const unverified = new Set(d.unverified || []);
    // The note explains the badges, so only when a field shown has one.
    const marked = ['phone', 'hours', 'web'].some((name) => d[name] && unverified.has(name));
    const field = (name, render) => {
      if (!d[name]) return null;
      return [h('dt', {}, t(name, {}, L)),
        h('dd', { dataset: { field: name } }, render(d[name]),
          unverified.has(name) ? h('span', { class: 'badge', dataset: { unverified: name } }, t('unverified', {}, L)) : null)];
    };
    // Only a number the directory gives as one to dial becomes a link.
    const phone = (text) => (d.dial ? h('a', { class: 'tel', href: `tel:${d.dial}` }, text) : text);
    return h('div', { class: 'msg bot result', lang: L, dataset: { node: r.node } }, vh(t('bot', {}, L)),
      h('h3', { class: 'focus-target', tabindex: '-1' }, r.title || t('resultTitle', {}, L)),
      r.advice ? h('p', { class: 'advice', lang: e.lang }, r.advice) : null,
      r.bring ? h('p', { class: 'bring' }, h('strong', {}, t('bring', {}, L)), ' ', h('span', { lang: e.lang }, r.bring)) : null,
      d.name ? [
        h('h4', {}, t('whereTitle', {}, L)),
        h('p', { class: 'dest-name', lang: e.lang }, d.name),
        h('dl', { lang: e.lang }, field('phone', phone), field('hours', (v) => v), field('web', (v) => webLinks(v, L))),
        marked ? h('p', { class: 'unverified-note' }, t('unverifiedNote', {}, L)) : null,
      ] : null);
  }

  function renderHandover(e) {
    const L = e.ui;
    const spelled = e.code.split('').map((c) => (c === '-' ? '–' : c)).join(' ');
    let time = '';
    try {
      time = new Intl.DateTimeFormat(L === 'nn' ? 'nb' : L, { hour: '2-digit', minute: '2-digit' }).format(new Date(e.expires));
    } catch {
      // no time shown
    }
    return h('div', { class: 'msg bot handover', lang: L, dataset: { code: e.code } }, vh(t('bot', {}, L)),
      h('h3', { class: 'focus-target', tabindex: '-1' }, t('handoverTitle', {}, L)),
      e.changed ? h('p', {}, t('codeChanged', {}, L)) : null,
      h('p', {}, t('yourCode', {}, L), ' ', vh(spelled)),
      h('p', { class: 'code', 'aria-hidden': 'true' }, e.code),
      e.phone ? h('p', {}, tNodes('callWithCode', { phone: h('a', { class: 'tel', href: `tel:${e.phone.replace(/[^\d+]/g, '')}` }, e.phone) }, L)) : null,
      h('p', {}, t(e.phone ? 'orWait' : 'waitOnly', {}, L)),
      time ? h('p', { class: 'help' }, t('codeValid', { time }, L)) : null,
      h('p', { class: 'help' }, t('keepAnswering', {}, L)));
  }

  // What the citizen can answer now: the options of the current question.
  function renderReply() {
    const step = S.record?.lastStep;
    E.reply.replaceChildren();
    if (!step || S.taken) {
      updateControls();
      return;
    }
    const q = step.question;
    if (q && !S.record.steps.length && !S.record.described) E.reply.append(describeForm(step));
    if (q && q.citizen !== false) {
      const qEl = [...E.log.querySelectorAll('.msg[data-node] .q')].pop();
      if (qEl && !qEl.id) qEl.id = `vv-q-${S.transcript.length}`;
      E.reply.append(h('div', { class: 'options', role: 'group', 'aria-labelledby': qEl?.id, dataset: { node: q.node } },
        q.options.map((o) => h('button', { type: 'button', class: 'option', lang: step.lang, dataset: { value: o.value },
          onclick: () => act(() => answer(o, step)) }, o.label))));
    } else if (q) {
      E.reply.append(h('p', { class: 'agent-only', dataset: { node: q.node } }, t('agentOnly')));
    }
    updateControls();
  }

  // Before the first answer the citizen may say it in their own words
  // instead: the walk starts again from what the words state.
  function describeForm(step) {
    const L = S.ui;
    const input = h('input', { type: 'text', id: 'vv-describe', maxlength: 1000, autocomplete: 'off', lang: step.lang });
    return h('form', { class: 'describe', onsubmit: (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
      if (text) act(() => describe(text));
    } },
    h('label', { for: 'vv-describe' }, t('describe', {}, L)),
    h('div', { class: 'describe-row' }, input, h('button', { type: 'submit', class: 'send' }, t('send', {}, L))));
  }

  async function describe(text) {
    const old = S.record;
    const step = await call({ type: 'start', country: old.country, channel: 'widget', lang: old.lang, text });
    add({ k: 'me', text, lang: old.lang, transient: true });
    S.record = { session: step.session, country: old.country, lang: step.lang, started: Date.now(), steps: [],
      facts: step.facts || {}, described: true, lastStep: step, pending: null };
    save();
    present(step, { focus: true });
  }

  // Show a step: add its question or result to the log unless it is what
  // the log already ends with (a resume), and offer its options. After the
  // citizen said something (their own words may lead to the question they
  // were just asked), it is asked again below what they said.
  function present(step, { focus = false } = {}) {
    const node = step.question ? step.question.node : step.result.node;
    const last = [...S.transcript].reverse().find((e) => e.k === 'q' || e.k === 'result');
    const lastNode = last && (last.k === 'q' ? last.node : last.result.node);
    const saidSince = [...S.transcript].reverse().find((e) => e.k !== 'note')?.k === 'me';
    const wantFocus = focus && focusIsFree();
    const active = shadow.activeElement;
    if (!last || lastNode !== node || last.lang !== step.lang || saidSince) {
      if (step.question) {
        const q = step.question;
        add({ k: 'q', node: q.node, text: q.text, help: q.help, lang: step.lang });
      } else {
        add({ k: 'result', result: step.result, lang: step.lang });
      }
    }
    renderReply();
    if (S.open && (wantFocus || (active && !active.isConnected))) focusOn(currentTarget());
  }

  // One action at a time; a click while one runs (or while disconnected) is
  // ignored, a language change waits its turn.
  function act(fn) {
    if (S.busy || !conn.ready) return Promise.resolve();
    return run(fn);
  }

  function run(fn) {
    S.queue = S.queue.then(async () => {
      S.busy = true;
      updateControls();
      try {
        await fn();
      } catch (e) {
        recover(e);
      } finally {
        S.busy = false;
        updateControls();
      }
    });
    return S.queue;
  }

  // Send, and wait out rate_limited calmly: the status says so, and the
  // same message goes again after 1, 2, 4 … 30 s.
  async function call(msg) {
    for (let attempt = 0; ; attempt++) {
      try {
        const reply = await conn.request(msg);
        if (S.limited) {
          S.limited = false;
          updateStatus();
        }
        return reply;
      } catch (e) {
        if (!(e instanceof ProtocolError) || e.code !== 'rate_limited') throw e;
        S.limited = true;
        updateStatus();
        await new Promise((ok) => setTimeout(ok, Math.min(30000, 1000 * 2 ** attempt) * (0.8 + 0.4 * Math.random())));
      }
    }
  }

  // A reply that went wrong. A lost connection is settled by the resume
  // after the reconnect (the move may or may not have happened).
  function recover(e) {
    if (e instanceof ConnectionLost) return;
    if (e instanceof ProtocolError && e.code === 'forbidden' && S.handover) {
      becameTaken(S.handover.code); // the session is an agent's now
      return;
    }
    if (e instanceof ProtocolError && (e.code === 'not_found' || e.code === 'forbidden')) {
      note(t('sessionLost'));
      S.record = null;
      S.handover = null;
      save();
      run(startSession);
      return;
    }
    console.error('vegvisar widget:', e);
    if (S.record) S.record.pending = null;
    note(t('failed'));
    renderReply();
  }

  // The tree's language for the interface language: the same, else a
  // neighbour (a Norwegian reads Danish), else English.
  function treeLang(ui = S.ui) {
    const langs = S.welcome?.countries?.[S.country]?.langs || [];
    if (langs.includes(ui)) return ui;
    const near = { nb: ['nn', 'da'], nn: ['nb', 'da'], da: ['nb', 'nn'] }[ui] || [];
    return [...near, 'en'].find((l) => langs.includes(l)) || langs[0];
  }

  function explainFallback(used) {
    if (used === S.ui) return;
    note(t('fallback', { country: COUNTRY_NAMES[S.ui][S.country], wanted: LANG_NAMES[S.ui][S.ui], used: LANG_NAMES[S.ui][used] }));
  }

  async function startSession() {
    if (S.record || S.taken || !S.welcome) return;
    const w = S.welcome;
    if (!S.transcript.some((e) => e.k === 'welcome'))
      add({ k: 'welcome', countries: Object.fromEntries(Object.entries(w.countries || {}).map(([c, v]) => [c, v.langs])) });
    if (!w.countries?.[S.country]) {
      note(t('noGuide', { country: COUNTRY_NAMES[S.ui][S.country] }));
      return;
    }
    const lang = treeLang();
    explainFallback(lang);
    const step = await call({ type: 'start', country: S.country, channel: 'widget', lang });
    S.record = { session: step.session, country: S.country, lang: step.lang, started: Date.now(), steps: [], lastStep: step, pending: null };
    save();
    present(step, { focus: true });
  }

  function samePath(a, b) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
  }

  // A move the daemon confirmed: record it so a restore replays it.
  function applyMove(move, step) {
    const rec = S.record;
    if (move.kind === 'back') {
      rec.steps.pop();
      note(t('wentBack'));
    } else {
      rec.steps.push({ answer: move.value });
      add({ k: 'me', text: move.label, lang: move.lang });
    }
    rec.pending = null;
    rec.lastStep = step;
    save();
  }

  async function move(msg, pending) {
    const rec = S.record;
    rec.pending = pending;
    save();
    const step = await call({ ...msg, session: rec.session });
    applyMove(pending, step);
    present(step, { focus: true });
  }

  const answer = (o, step) => move({ type: 'answer', value: o.value }, { kind: 'answer', value: o.value, label: o.label, lang: step.lang });
  const goBack = () => move({ type: 'back' }, { kind: 'back' });

  async function askPerson() {
    if (S.handover) {
      const el = E.log.querySelector(`.handover[data-code="${S.handover.code}"] .focus-target`);
      if (el) focusOn(el);
      return;
    }
    const r = await call({ type: 'handover', session: S.record.session });
    S.handover = { code: r.code, phone: r.phone || null, expires: r.expires };
    save();
    add({ k: 'handover', ...S.handover }, { focus: true });
  }

  function becameTaken(code) {
    if (S.taken) return;
    S.taken = true;
    clearInterval(S.pollTimer);
    const active = shadow.activeElement;
    renderReply();
    add({ k: 'taken', code });
    save();
    updateControls();
    conn.stop();
    // The options and the back and person buttons are gone: if focus was
    // on one of them, it goes to the news rather than to the page.
    if (S.open && active && (!active.isConnected || active.closest('[hidden]'))) focusOn(currentTarget());
  }

  // Not through act(): it must work when the connection is stopped (after
  // a take) or failing; but never under a move in flight.
  function restart() {
    if (S.busy) return;
    clearInterval(S.pollTimer);
    Object.assign(S, { record: null, handover: null, taken: false, transcript: [] });
    E.log.replaceChildren();
    renderReply();
    note(t('newConversation'));
    E.title.focus();
    if (!conn.wanted) conn.start();
    else if (conn.ready) run(startSession);
  }

  async function changeLang(lang) {
    if (!UI_LANGS.includes(lang) || lang === S.ui) return;
    S.ui = lang;
    save();
    applyTexts();
    note(t('langChosen', { lang: LANG_NAMES[lang][lang] }));
    run(relang);
  }

  // The session's language is fixed at start, so a new language means a
  // new session with the same answers given again (a handover's code
  // belongs to its session: then the questions keep their language).
  async function relang() {
    const old = S.record;
    if (!old || S.taken || !conn.open || !S.welcome) return;
    const lang = treeLang();
    if (lang === old.lang) return;
    if (S.handover) {
      note(t('treeLangKept', { used: LANG_NAMES[S.ui][old.lang] }));
      return;
    }
    explainFallback(lang);
    let step = await call({ type: 'start', country: old.country, channel: 'widget', lang, facts: old.facts || {} });
    for (const s of old.steps) step = await call({ type: 'answer', session: step.session, value: s.answer });
    S.record = { ...old, session: step.session, lang: step.lang, started: Date.now(), lastStep: step, pending: null };
    save();
    present(step);
  }

  // After every (re)connect: bring the session back. If the daemon lost it
  // (a restart), restore rebuilds it from our record. A move whose reply was
  // lost happened if the path changed.
  async function sync(welcome) {
    S.welcome = welcome;
    if (S.taken) return;
    if (!S.record) {
      if (S.open) await startSession();
      return;
    }
    const rec = S.record;
    let step;
    try {
      step = await call({ type: 'resume', session: rec.session,
        restore: { country: rec.country, channel: 'widget', lang: rec.lang, facts: rec.facts || {}, steps: rec.steps, started: rec.started } });
    } catch (e) {
      recover(e);
      return;
    }
    if (rec.pending && rec.lastStep && !samePath(step.path, rec.lastStep.path)) applyMove(rec.pending, step);
    rec.pending = null;
    rec.lastStep = step;
    save();
    present(step);
    if (S.handover) await refreshHandover();
    if (treeLang() !== rec.lang && !S.handover) await relang();
  }

  // After a reconnect the daemon no longer knows this connection waits for
  // the handover (it only tells the connection that asked), and after a
  // daemon restart the handover is gone. So: ask again (same code, or a new
  // one), and look now and then whether the session was taken (an agent's
  // session answers a citizen's resume with forbidden).
  async function refreshHandover() {
    const r = await call({ type: 'handover', session: S.record.session });
    if (r.code !== S.handover.code) {
      S.handover = { code: r.code, phone: r.phone || null, expires: r.expires };
      save();
      add({ k: 'handover', ...S.handover, changed: true });
    }
    clearInterval(S.pollTimer);
    S.pollTimer = setInterval(() => {
      if (!conn.ready || S.taken || !S.record) return;
      conn.request({ type: 'resume', session: S.record.session }).catch((e) => {
        if (e instanceof ProtocolError && e.code === 'forbidden') becameTaken(S.handover.code);
      });
    }, 15000);
  }

  // --- start ------------------------------------------------------------------
  const conn = new Connection({
    url: WS_URL,
    hello: () => ({ type: 'hello', role: 'citizen', lang: S.ui }),
    onReady: (welcome) => {
      let done;
      // Syncing goes through the action queue, so it never overlaps a move.
      run(async () => {
        try {
          await sync(welcome);
        } finally {
          done();
        }
      });
      return new Promise((ok) => { done = ok; });
    },
  });
  conn.addEventListener('state', (ev) => {
    updateStatus();
  });
  conn.addEventListener('message', (ev) => {
    const msg = ev.detail;
    if (msg.type === 'taken' && S.handover && msg.code === S.handover.code) becameTaken(msg.code);
  });

  let shadow;
  function mount() {
    const host = document.createElement('vegvisar-widget');
    shadow = host.attachShadow({ mode: 'open' });
    build();
    const link = h('link', { rel: 'stylesheet', href: CSS_URL });
    // Shown once styled; unstyled but usable if the host's CSP blocks the sheet.
    link.addEventListener('load', () => { E.root.hidden = false; });
    link.addEventListener('error', () => {
      console.warn(`vegvisar widget: cannot load ${CSS_URL}; the page's Content-Security-Policy must allow style-src ${SRC.origin}`);
      E.root.hidden = false;
    });
    shadow.append(link, E.root);
    for (const e of S.transcript) E.log.append(renderEntry(e));
    applyTexts();
    document.body.append(host);
    // A conversation in progress comes back as it was, without taking focus.
    if (S.open) open({ focus: false });
    else if (S.handover && !S.taken) conn.start(); // to hear when a person takes the case
  }

  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });
})();
