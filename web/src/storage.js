// Where the widget keeps a conversation across page loads.
//
// localStorage, under `<prefix>:state` (rasa session id, last activity, the conversation's
// language once the server has announced one) and `<prefix>:history` (the displayed messages,
// written by deep-chat's browserStorage). A conversation idle for
// longer than the TTL (default 60 min, rasa's session_expiration_time in domain.yml) is
// forgotten at the next page load, so a shared computer does not show it to the next person.

function usableStorage(candidate) {
  try {
    const probe = '__liege_chat_probe__';
    candidate.setItem(probe, '1');
    candidate.removeItem(probe);
    return candidate;
  } catch (error) {
    return null;
  }
}

export class ConversationStore {
  constructor({ prefix = 'liege-chat', ttlMinutes = 60, storage } = {}) {
    this.prefix = prefix;
    this.ttlMs = Math.max(0, Number(ttlMinutes) || 0) * 60 * 1000;
    this.storage = usableStorage(storage || globalThis.localStorage);
    this.memory = {};
  }

  get persistent() {
    return Boolean(this.storage);
  }

  get historyKey() {
    return `${this.prefix}:history`;
  }

  get stateKey() {
    return `${this.prefix}:state`;
  }

  readState() {
    try {
      const raw = this.storage ? this.storage.getItem(this.stateKey) : this.memory.state;
      const state = raw ? JSON.parse(raw) : {};
      return state && typeof state === 'object' ? state : {};
    } catch (error) {
      return {};
    }
  }

  writeState(state) {
    const raw = JSON.stringify(state);
    if (this.storage) {
      try {
        this.storage.setItem(this.stateKey, raw);
        return;
      } catch (error) { /* quota: keep in memory */ }
    }
    this.memory.state = raw;
  }

  get sessionId() {
    const id = this.readState().sessionId;
    return typeof id === 'string' && id ? id : null;
  }

  set sessionId(id) {
    this.writeState({ ...this.readState(), sessionId: id, lastActivity: Date.now() });
  }

  // The language the server announced for this conversation ({language, placeholder}, see
  // language.js), or null: French. Forgotten with the conversation (clear).
  get language() {
    const { language } = this.readState();
    return language && typeof language === 'object' ? language : null;
  }

  set language(value) {
    this.writeState({ ...this.readState(), language: value || undefined });
  }

  touch(now = Date.now()) {
    this.writeState({ ...this.readState(), lastActivity: now });
  }

  // Forgets the conversation if it has been idle longer than the TTL. Returns true if it did.
  expireIfIdle(now = Date.now()) {
    const { lastActivity } = this.readState();
    if (this.ttlMs > 0 && typeof lastActivity === 'number' && now - lastActivity > this.ttlMs) {
      this.clear();
      return true;
    }
    return false;
  }

  clear() {
    this.memory = {};
    if (!this.storage) return;
    try {
      this.storage.removeItem(this.stateKey);
      this.storage.removeItem(this.historyKey);
    } catch (error) { /* nothing to do */ }
  }
}
