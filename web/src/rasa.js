// The rasa 3.6 socket.io protocol, over the official socket.io-client 4 (Engine.IO v4, which
// python-socketio 5 speaks).
//
//   client -> session_request {session_id}     (null the first time: the server makes one)
//   server -> session_confirm "<session_id>"   (joins the room of that session: persistence)
//   client -> user_uttered {message, session_id, metadata}
//   server -> bot_uttered {text, quick_replies, attachment, ...}
//
// With `session_persistence: true` in credentials.yml the rasa conversation id is the session
// id, so keeping it in the browser keeps the conversation across reloads and reconnections.
import { io } from 'socket.io-client';

export class RasaSocket {
  constructor({ url, path = '/socket.io', transports, store, metadata = () => ({}),
    onBotMessage = () => {}, onReady = () => {}, onDisconnect = () => {},
    onConnectError = () => {}, ioFactory = io }) {
    this.store = store;
    this.metadata = metadata;
    this.onBotMessage = onBotMessage;
    this.onReady = onReady;
    this.onDisconnect = onDisconnect;
    this.onConnectError = onConnectError;
    this.ready = false;
    this.queue = [];
    this.socket = ioFactory(url, {
      path,
      transports: transports || ['websocket', 'polling'],
      tryAllTransports: true,
      reconnectionDelayMax: 10000,
    });
    this.socket.on('connect', () => this.requestSession());
    this.socket.on('session_confirm', (sessionId) => this.confirmSession(sessionId));
    this.socket.on('bot_uttered', (data) => {
      this.store.touch();
      this.onBotMessage(data);
    });
    this.socket.on('disconnect', (reason) => {
      this.ready = false;
      this.onDisconnect(reason);
    });
    this.socket.on('connect_error', (error) => this.onConnectError(error));
  }

  requestSession() {
    this.ready = false;
    this.socket.emit('session_request', { session_id: this.store.sessionId });
  }

  confirmSession(sessionId) {
    const id = typeof sessionId === 'string' ? sessionId
      : sessionId && typeof sessionId.session_id === 'string' ? sessionId.session_id : null;
    if (!id) return;
    const isNew = id !== this.store.sessionId;
    this.store.sessionId = id;
    this.ready = true;
    this.onReady({ sessionId: id, isNew });
    const pending = this.queue.splice(0);
    pending.forEach((message) => this.emitMessage(message));
  }

  // Sends a text or a payload ("/intent{...}"). Queued until the session is confirmed.
  send(message) {
    if (!this.ready) {
      this.queue.push(message);
      return;
    }
    this.emitMessage(message);
  }

  emitMessage(message) {
    this.store.touch();
    this.socket.emit('user_uttered', {
      message,
      session_id: this.store.sessionId,
      metadata: this.metadata(),
    });
  }

  // Starts a new conversation: forgets the session id and asks the server for a new one.
  restart() {
    this.queue = [];
    this.store.clear();
    if (this.socket.connected) this.requestSession();
  }

  close() {
    this.socket.close();
  }
}
