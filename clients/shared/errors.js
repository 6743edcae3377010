// errors.js - the daemon's errors in the reader's language, chosen by code.
//
// The daemon's error messages are English and written for whoever reads the
// log ("\"destination\": \"x\" is not allowed; allowed: …"). Put inside an
// nb, nn or da sentence they made one screen speak two languages. So the
// clients say what happened in their own words, picked by the error's `code`
// (docs/protocol.md, "Errors"), by the HTTP status for the API, or by the
// bound a rate_limited names; the daemon's message goes to the console
// (console.info), where whoever debugs it looks. Shared by the agent panel,
// the dashboard and the widget.

// The codes of docs/protocol.md's error table (tests/content/errors.test.mjs
// checks that each has a text in every language).
export const ERROR_CODES = ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'too_large',
  'rate_limited', 'unavailable', 'internal'];

export const ERROR_TEXTS = {
  nb: {
    bad_request: 'Vegvisar godtok ikke det som ble sendt: et felt mangler eller har en verdi som ikke er tillatt.',
    unauthorized: 'Nøkkelen ble ikke godtatt. Logg inn på nytt.',
    forbidden: 'Dette har du ikke tilgang til, eller fristen for det er ute.',
    not_found: 'Vegvisar finner det ikke lenger (det kan ha gått ut på tid).',
    conflict: 'Dette er allerede gjort, eller henvendelsen er avsluttet.',
    too_large: 'Teksten er for lang. Gjør den kortere.',
    rate_limited: 'For mange forespørsler på kort tid. Vent litt og prøv igjen.',
    unavailable: 'Vegvisar kan ikke gjøre dette akkurat nå. Prøv igjen om litt.',
    internal: 'Det oppstod en feil i Vegvisar. Prøv igjen; si fra hvis det gjentar seg.',
    connection: 'Forbindelsen til Vegvisar ble brutt.',
    unknown: 'Noe gikk galt.',
    rate_sessions: 'For mange åpne henvendelser ({n}). Avslutt en først.',
    rate_handovers: 'For mange venter allerede på en person. Prøv igjen om litt.',
    rate_chats: 'Du har allerede {n} chatter åpne. Avslutt en først.',
    rate_chat_messages: 'For mange meldinger på kort tid. Vent litt.',
    rate_callbacks: 'For mange ønsker om å bli ringt opp venter allerede.',
    rate_signin: 'For mange mislykkede innlogginger. Prøv igjen om {n} sekunder.',
  },
  nn: {
    bad_request: 'Vegvisar godtok ikkje det som vart sendt: eit felt manglar eller har ein verdi som ikkje er tillaten.',
    unauthorized: 'Nøkkelen vart ikkje godteken. Logg inn på nytt.',
    forbidden: 'Dette har du ikkje tilgang til, eller fristen for det er ute.',
    not_found: 'Vegvisar finn det ikkje lenger (det kan ha gått ut på tid).',
    conflict: 'Dette er alt gjort, eller førespurnaden er avslutta.',
    too_large: 'Teksten er for lang. Gjer han kortare.',
    rate_limited: 'For mange førespurnader på kort tid. Vent litt og prøv igjen.',
    unavailable: 'Vegvisar kan ikkje gjere dette akkurat no. Prøv igjen om litt.',
    internal: 'Det oppstod ein feil i Vegvisar. Prøv igjen; sei frå om det skjer igjen.',
    connection: 'Sambandet til Vegvisar vart brote.',
    unknown: 'Noko gjekk gale.',
    rate_sessions: 'For mange opne førespurnader ({n}). Avslutt ein først.',
    rate_handovers: 'For mange ventar alt på ein person. Prøv igjen om litt.',
    rate_chats: 'Du har alt {n} chattar opne. Avslutt ein først.',
    rate_chat_messages: 'For mange meldingar på kort tid. Vent litt.',
    rate_callbacks: 'For mange ønske om å bli ringt opp ventar alt.',
    rate_signin: 'For mange mislukka innloggingar. Prøv igjen om {n} sekund.',
  },
  da: {
    bad_request: 'Vegvisar godtog ikke det, der blev sendt: et felt mangler eller har en værdi, der ikke er tilladt.',
    unauthorized: 'Nøglen blev ikke godkendt. Log ind igen.',
    forbidden: 'Det har du ikke adgang til, eller fristen for det er udløbet.',
    not_found: 'Vegvisar kan ikke længere finde det (det kan være udløbet).',
    conflict: 'Det er allerede gjort, eller henvendelsen er afsluttet.',
    too_large: 'Teksten er for lang. Gør den kortere.',
    rate_limited: 'For mange forespørgsler på kort tid. Vent lidt, og prøv igen.',
    unavailable: 'Vegvisar kan ikke gøre det lige nu. Prøv igen om lidt.',
    internal: 'Der opstod en fejl i Vegvisar. Prøv igen; sig til, hvis det sker igen.',
    connection: 'Forbindelsen til Vegvisar blev afbrudt.',
    unknown: 'Noget gik galt.',
    rate_sessions: 'For mange åbne henvendelser ({n}). Afslut én først.',
    rate_handovers: 'For mange venter allerede på en person. Prøv igen om lidt.',
    rate_chats: 'Du har allerede {n} chats åbne. Afslut én først.',
    rate_chat_messages: 'For mange beskeder på kort tid. Vent lidt.',
    rate_callbacks: 'For mange ønsker om at blive ringet op venter allerede.',
    rate_signin: 'For mange mislykkede log ind. Prøv igen om {n} sekunder.',
  },
  en: {
    bad_request: 'Vegvisar did not accept what was sent: a field is missing or has a value that is not allowed.',
    unauthorized: 'The key was not accepted. Sign in again.',
    forbidden: 'You do not have access to this, or its time limit has passed.',
    not_found: 'Vegvisar can no longer find it (it may have expired).',
    conflict: 'This has already been done, or the contact has ended.',
    too_large: 'The text is too long. Make it shorter.',
    rate_limited: 'Too many requests in a short time. Wait a moment and try again.',
    unavailable: 'Vegvisar cannot do this right now. Try again in a moment.',
    internal: 'Something went wrong inside Vegvisar. Try again; report it if it happens again.',
    connection: 'The connection to Vegvisar was lost.',
    unknown: 'Something went wrong.',
    rate_sessions: 'Too many open contacts ({n}). Finish one first.',
    rate_handovers: 'Too many are already waiting for a person. Try again in a moment.',
    rate_chats: 'You already have {n} chats open. End one first.',
    rate_chat_messages: 'Too many messages in a short time. Wait a moment.',
    rate_callbacks: 'Too many callback requests are already waiting.',
    rate_signin: 'Too many failed sign-ins. Try again in {n} seconds.',
  },
};

// The bound a rate_limited message names (its config key, or the sign-in
// back-off), as a text key, with the number the message gives.
const BOUNDS = [
  [/bounds\.sessions_/, 'rate_sessions'],
  [/bounds\.(handovers_|new_handovers)/, 'rate_handovers'],
  [/bounds\.chats_per_agent/, 'rate_chats'],
  [/bounds\.chat_per_minute/, 'rate_chat_messages'],
  [/bounds\.callbacks_/, 'rate_callbacks'],
  [/sign-ins?\b.*\bin (\d+) s/, 'rate_signin'],
];

const HTTP_CODES = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict',
  413: 'too_large', 429: 'rate_limited', 503: 'unavailable' };

// The error's code: a ProtocolError's (or an outbox entry's {code}), an
// HTTP status's (e.status), "connection" for a lost connection.
export function errorCode(e) {
  if (e?.code && ERROR_CODES.includes(e.code)) return e.code;
  if (Number.isInteger(e?.status)) return HTTP_CODES[e.status] || (e.status >= 500 ? 'internal' : 'unknown');
  if (['ConnectionLost', 'TypeError'].includes(e?.name) || e?.code === 'connection') return 'connection';
  return 'unknown';
}

function fill(text, vars) {
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// One sentence in lang for e (an Error, a ProtocolError, or {code, message,
// status}); the daemon's own words go to the console.
export function errorText(lang, e) {
  const texts = ERROR_TEXTS[lang] || ERROR_TEXTS.en;
  const code = errorCode(e);
  const message = String(e?.message ?? '');
  if (message) console.info(`vegvisar: ${code}: ${message}`);
  if (code === 'rate_limited') {
    for (const [re, key] of BOUNDS) {
      if (!re.test(message)) continue;
      const n = (re.exec(message)[1]) || (/(\d+)/.exec(message) || [])[1];
      if (n || !texts[key].includes('{n}')) return fill(texts[key], { n });
    }
  }
  return texts[code] || texts.unknown;
}
