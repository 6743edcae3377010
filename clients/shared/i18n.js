// i18n.js - interface texts in nb, nn, da and en.
//
// A page gives its dictionaries ({nb: {key: text}, …}); t() looks a key up
// in the current language, then in English, then shows the key itself, so a
// missing translation is visible rather than blank. Texts may hold {name}
// placeholders. Elements with data-i18n="key" get their text set by apply();
// data-i18n-attr="aria-label=key;placeholder=key" sets attributes.
// A text may also be plural forms, {one: '…', other: '…'} (Intl.PluralRules
// categories): t() picks the form for vars.n, so "1 henvendelse" and
// "2 henvendelser" come from one key instead of "henvendelse(r)".

export const UI_LANGS = ['nb', 'nn', 'da', 'en'];

// The names people know their language by, in that language.
export const LANG_NAMES = {
  nb: 'Norsk bokmål',
  nn: 'Norsk nynorsk',
  da: 'Dansk',
  en: 'English',
};

// Map a BCP 47 tag to one of ours: "no" and "nb-NO" are bokmål, "nn-NO" is
// nynorsk, anything Danish is da. Returns null when none fits.
export function matchLang(tag, supported = UI_LANGS) {
  if (!tag) return null;
  const primary = String(tag).toLowerCase().split(/[-_]/)[0];
  const lang = primary === 'no' ? 'nb' : primary;
  return supported.includes(lang) ? lang : null;
}

// The first of the browser's preferred languages that we have, else fallback.
export function browserLang(nav = navigator, supported = UI_LANGS, fallback = 'en') {
  for (const tag of nav.languages?.length ? nav.languages : [nav.language]) {
    const lang = matchLang(tag, supported);
    if (lang) return lang;
  }
  return fallback;
}

// nb and nn have their own plural data in ICU; both are one/other.
const PLURAL_LOCALES = { nb: 'nb', nn: 'nn', da: 'da', en: 'en' };

export class I18n extends EventTarget {
  constructor(dicts, lang = 'en') {
    super();
    this.dicts = dicts;
    this.lang = UI_LANGS.includes(lang) ? lang : 'en';
  }

  setLang(lang) {
    if (!UI_LANGS.includes(lang) || lang === this.lang) return;
    this.lang = lang;
    document.documentElement.lang = lang;
    this.dispatchEvent(new CustomEvent('change', { detail: { lang } }));
  }

  has(key) {
    return key in (this.dicts[this.lang] || {}) || key in (this.dicts.en || {});
  }

  t(key, vars = {}) {
    let text = this.dicts[this.lang]?.[key] ?? this.dicts.en?.[key] ?? key;
    if (typeof text === 'object') {
      const n = Number(vars.n);
      const form = Number.isFinite(n) ? new Intl.PluralRules(PLURAL_LOCALES[this.lang] || this.lang).select(n) : 'other';
      text = text[form] ?? text.other;
    }
    return String(text).replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  }

  apply(root = document) {
    for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = this.t(el.dataset.i18n);
    for (const el of root.querySelectorAll('[data-i18n-attr]')) {
      for (const pair of el.dataset.i18nAttr.split(';')) {
        const [attr, key] = pair.split('=').map((s) => s.trim());
        if (attr && key) el.setAttribute(attr, this.t(key));
      }
    }
  }
}
