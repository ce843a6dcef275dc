import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../src/config.js';
import {
  isFrench, isLanguageTag, languageView, parseLanguageMessage,
} from '../src/language.js';
import { botMessageToResponses } from '../src/messages.js';
import { ConversationStore } from '../src/storage.js';

const config = resolveConfig({}, null);
const DUTCH = { language: 'nl-BE', placeholder: 'Typ hier uw vraag…' };

class MemoryStorage {
  constructor() { this.items = new Map(); }
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  setItem(key, value) { this.items.set(key, String(value)); }
  removeItem(key) { this.items.delete(key); }
}

test('language messages of the server are read', () => {
  assert.deepEqual(parseLanguageMessage(DUTCH), DUTCH);
  assert.deepEqual(parseLanguageMessage({ language: 'en', placeholder: 'Type your question…' }),
    { language: 'en', placeholder: 'Type your question…' });
  assert.deepEqual(parseLanguageMessage({ language: 'de-BE', placeholder: ' Ihre Frage… ' }),
    { language: 'de-BE', placeholder: 'Ihre Frage…' });
  assert.deepEqual(parseLanguageMessage({ language: 'fr' }), { language: 'fr', placeholder: null });
});

test('a tag is short: letters, then at most one hyphen part, 10 characters at most', () => {
  for (const tag of ['fr', 'nl', 'nl-BE', 'de-BE', 'en', 'en-GB', 'es-419', 'gsw-CH']) {
    assert.equal(isLanguageTag(tag), true, tag);
  }
  for (const tag of ['', 'n', 'nederlands', 'nl_BE', 'nl-', '-BE', 'nl-BE-x', 'zh-Hant-TW',
    'nl-BE ', ' nl', 'nl-BE"><img', 'de-BE1234567', '12', 'nl-B', 'x-klingon',
    'fr\nBE', null, undefined, 42, ['nl-BE'], { tag: 'nl' }]) {
    assert.equal(isLanguageTag(tag), false, String(tag));
  }
});

test('anything that is not a usable language message is ignored', () => {
  for (const data of [null, undefined, 'nl-BE', 42, [], ['nl-BE'], {},
    { text: 'Bonjour' }, { language: '' }, { language: 'nederlands-belgie' },
    { language: 'nl-BE" onmouseover="alert(1)', placeholder: 'x' }, { language: 7 },
    { language: ['nl-BE'], placeholder: 'Typ hier uw vraag…' }]) {
    assert.equal(parseLanguageMessage(data), null, JSON.stringify(data));
  }
});

test('an unusable placeholder is dropped, the language kept', () => {
  for (const placeholder of [undefined, null, '', '   ', 42, ['Typ'], { text: 'Typ' },
    'x'.repeat(101), 'Typ\nhier', 'Typ\u0000hier']) {
    assert.deepEqual(parseLanguageMessage({ language: 'nl-BE', placeholder }),
      { language: 'nl-BE', placeholder: null }, JSON.stringify(placeholder));
  }
  assert.equal(parseLanguageMessage({ language: 'nl-BE', placeholder: 'x'.repeat(100) })
    .placeholder.length, 100);
  // Markup is kept as it is: deep-chat shows the placeholder as text (a CSS attr()).
  assert.equal(parseLanguageMessage({ language: 'en', placeholder: '<b>Ask</b>' }).placeholder,
    '<b>Ask</b>');
});

test('French shows the configured placeholder, other languages their own', () => {
  assert.equal(isFrench('fr'), true);
  assert.equal(isFrench('FR-be'), true);
  assert.equal(isFrench('fy'), false);
  assert.deepEqual(languageView(null, config), { lang: 'fr', placeholder: 'Posez votre question…' });
  assert.deepEqual(languageView(DUTCH, config), { lang: 'nl-BE', placeholder: 'Typ hier uw vraag…' });
  assert.deepEqual(languageView({ language: 'fr' }, config),
    { lang: 'fr', placeholder: 'Posez votre question…' });
  // A French placeholder from the server does not replace the site's configured one.
  assert.deepEqual(languageView({ language: 'fr', placeholder: 'Autre' }, { placeholder: 'Votre question' }),
    { lang: 'fr', placeholder: 'Votre question' });
  // Without a usable placeholder, the configured one rather than none.
  assert.deepEqual(languageView({ language: 'en' }, config),
    { lang: 'en', placeholder: 'Posez votre question…' });
  // A stored value altered by hand is read with the same rules.
  assert.deepEqual(languageView({ language: 'nl-BE"><img src=x>' }, config),
    { lang: 'fr', placeholder: 'Posez votre question…' });
});

test('a language message is never shown as a bubble', () => {
  assert.deepEqual(botMessageToResponses(DUTCH), []);
  assert.deepEqual(botMessageToResponses({ language: 'fr' }), []);
});

test('the language is kept with the conversation and forgotten with it', () => {
  const storage = new MemoryStorage();
  const store = new ConversationStore({ prefix: 'p', ttlMinutes: 60, storage });
  assert.equal(store.language, null);
  store.sessionId = 'abc';
  store.language = DUTCH;
  store.touch();
  const reloaded = new ConversationStore({ prefix: 'p', ttlMinutes: 60, storage });
  assert.deepEqual(reloaded.language, DUTCH);
  assert.equal(reloaded.sessionId, 'abc');
  reloaded.sessionId = 'abc'; // confirmed again after the reload
  assert.deepEqual(reloaded.language, DUTCH);
  reloaded.clear(); // « Nouvelle conversation »
  assert.equal(reloaded.language, null);
  store.sessionId = 'def';
  store.language = DUTCH;
  assert.equal(store.expireIfIdle(Date.now() + 61 * 60 * 1000), true);
  assert.equal(store.language, null);
});
