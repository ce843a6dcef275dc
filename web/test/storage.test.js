import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../src/config.js';
import { ConversationStore } from '../src/storage.js';

class MemoryStorage {
  constructor() { this.items = new Map(); }
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  setItem(key, value) { this.items.set(key, String(value)); }
  removeItem(key) { this.items.delete(key); }
}

test('the session id is kept until the conversation has been idle longer than the TTL', () => {
  const storage = new MemoryStorage();
  const store = new ConversationStore({ prefix: 'p', ttlMinutes: 60, storage });
  store.sessionId = 'abc';
  storage.setItem('p:history', '{"messages":[]}');
  const now = Date.now();
  assert.equal(store.expireIfIdle(now + 59 * 60 * 1000), false);
  assert.equal(store.sessionId, 'abc');
  assert.equal(store.expireIfIdle(now + 61 * 60 * 1000), true);
  assert.equal(store.sessionId, null);
  assert.equal(storage.getItem('p:history'), null);
});

test('without usable storage the store keeps the session in memory', () => {
  const broken = { setItem() { throw new Error('denied'); }, getItem() { return null; }, removeItem() {} };
  const store = new ConversationStore({ storage: broken });
  assert.equal(store.persistent, false);
  store.sessionId = 'xyz';
  assert.equal(store.sessionId, 'xyz');
});

test('settings: defaults, then the page config, then data- attributes', () => {
  const element = {
    attributes: { 'data-socket-url': 'https://chat.liege.be/', 'data-metadata': '{"section":"etat-civil"}',
      'data-session-ttl-minutes': '30', 'data-transports': 'websocket' },
    getAttribute(name) { return name in this.attributes ? this.attributes[name] : null; },
  };
  const config = resolveConfig({ title: 'Liège', metadata: { site: 'liege.be' } }, element);
  assert.equal(config.socketUrl, 'https://chat.liege.be');
  assert.equal(config.title, 'Liège');
  assert.equal(config.placeholder, 'Posez votre question…');
  assert.equal(config.sessionTtlMinutes, 30);
  assert.deepEqual(config.transports, ['websocket']);
  assert.deepEqual(config.metadata, { site: 'liege.be', section: 'etat-civil' });
});
