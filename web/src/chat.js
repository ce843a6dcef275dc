// The chat itself: a deep-chat web component wired to rasa's socket.io channel.
// Loaded on the first opening of the widget (a separate chunk), so pages that never open the
// chat only load the small launcher.
import 'deep-chat';
import {
  BUTTON_CLASS, BUTTONS_CLASS, FEEDBACK_CLASS, botMessageToResponses,
} from './messages.js';
import { languageView, parseLanguageMessage } from './language.js';
import { RasaSocket } from './rasa.js';
import { safeTextPlugin } from './safe-text.js';

const CONNECTION_ERROR = 'Connexion au service impossible pour le moment. Nouvel essai en cours…';

function registerSafeText() {
  // deep-chat reads remarkable plugins from this global when a component is created.
  const plugins = Array.isArray(window.remarkable_plugins) ? window.remarkable_plugins : [];
  if (!plugins.some((entry) => entry && entry.plugin === safeTextPlugin)) {
    plugins.push({ plugin: safeTextPlugin });
  }
  window.remarkable_plugins = plugins;
}

function pageMetadata(config) {
  return {
    ...config.metadata,
    page_url: `${window.location.origin}${window.location.pathname}`,
    page_title: document.title,
    page_language: document.documentElement.lang || navigator.language || null,
    widget: 'liege-chat-widget',
  };
}

function lastUserText(body) {
  const messages = body && Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  return last && typeof last.text === 'string' ? last.text.trim() : '';
}

function auxiliaryStyle(colors) {
  return `
    a { color: ${colors.primary}; text-decoration: underline; }
    .user-message-text a { color: #fff; }
    .${BUTTONS_CLASS} { display: flex; flex-wrap: wrap; gap: 6px; }
    .${BUTTON_CLASS} {
      font: inherit; font-size: 0.92em; cursor: pointer; border-radius: 16px;
      padding: 6px 12px; border: 1px solid ${colors.primary}; background: #fff;
      color: ${colors.primary}; text-align: left;
    }
    .${BUTTON_CLASS}:hover, .${BUTTON_CLASS}:focus-visible {
      background: ${colors.primary}; color: #fff; outline: 2px solid ${colors.focus};
      outline-offset: 1px;
    }
    /* Feedback: a quiet line under the answer's buttons, not a choice competing with them. */
    .${FEEDBACK_CLASS} {
      display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; margin-top: 6px;
      font-size: 0.8em; color: #555;
    }
    .${FEEDBACK_CLASS} .${BUTTON_CLASS} {
      font-size: 1em; padding: 2px 8px; border-color: #c7c7c7; color: #444;
      background: transparent;
    }
    .${FEEDBACK_CLASS} .${BUTTON_CLASS}:hover, .${FEEDBACK_CLASS} .${BUTTON_CLASS}:focus-visible {
      background: #ececec; color: #1a1a1a;
    }
    .${FEEDBACK_CLASS} .${BUTTON_CLASS}:disabled {
      cursor: default; opacity: 0.5; background: transparent; color: #444; outline: none;
    }
  `;
}

export function createChat({ container, config, store }) {
  registerSafeText();
  const colors = config.colors;
  const chat = document.createElement('deep-chat');
  let rasa = null;
  let connectionErrorShown = false;

  // A kept history may still be loading into the chat when the socket is ready (slow page):
  // the stored history, not only what is shown, says whether the conversation is new.
  const hasStoredHistory = () => {
    if (!store.persistent) return false;
    try {
      const raw = window.localStorage.getItem(store.historyKey);
      return !!raw && raw !== '[]' && raw !== '{}';
    } catch (error) {
      return false;
    }
  };
  // One greeting per session: the socket may confirm the session again (a reconnection, a
  // transport upgrade) before the first greeting's answer is shown, which would greet twice.
  let greetedSession = null;
  const greetIfNew = ({ sessionId } = {}) => {
    if (!config.greeting || (sessionId && sessionId === greetedSession)) return;
    if (chat.getMessages().length === 0 && !hasStoredHistory()) {
      greetedSession = sessionId || null;
      rasa.send(config.greeting);
    }
  };

  const sendButton = (button) => {
    const payload = button.getAttribute('data-payload');
    const title = (button.textContent || '').trim();
    if (!payload || !rasa || button.disabled) return;
    if (title) chat.addMessage({ role: 'user', text: title });
    rasa.send(payload);
    // An answer is judged once: its feedback buttons stop working after the first click.
    const feedback = button.closest(`.${FEEDBACK_CLASS}`);
    if (feedback) feedback.querySelectorAll('button').forEach((item) => { item.disabled = true; });
  };

  if (store.persistent) {
    chat.browserStorage = { key: store.historyKey, maxMessages: 200 };
  }
  chat.setAttribute('aria-label', config.title);
  // The conversation's language (language.js): French, or the one the server announced and
  // the store kept across reloads.
  const initial = languageView(store.language, config);
  chat.textInput = {
    placeholder: { text: initial.placeholder },
    // The rasa server reads at most MAX_MESSAGE_CHARS (2,000) characters of a message
    // (connectors/message_bounds.py); the box stops at the same length.
    characterLimit: 2000,
    styles: { container: { borderRadius: '8px', border: '1px solid #c7c7c7', boxShadow: 'none' } },
  };
  chat.submitButtonStyles = {
    submit: { svg: { styles: { default: { filter: colors.submitFilter } } } },
  };
  chat.messageStyles = {
    default: {
      shared: { bubble: { maxWidth: '85%', fontSize: '0.95rem', lineHeight: '1.4' } },
      user: { bubble: { backgroundColor: colors.primary, color: '#fff' } },
      ai: { bubble: { backgroundColor: '#f1f1f1', color: '#1a1a1a' } },
    },
    html: { shared: { bubble: { backgroundColor: 'unset', padding: '0', maxWidth: '100%' } } },
  };
  chat.errorMessages = {
    displayServiceErrorMessages: true,
    overrides: { default: 'Désolé, une erreur est survenue. Réessayez dans un instant.' },
  };
  chat.auxiliaryStyle = auxiliaryStyle(colors);
  chat.htmlClassUtilities = {
    [BUTTON_CLASS]: {
      events: {
        click: (event) => {
          const target = event.currentTarget || event.target;
          const button = target && target.closest ? target.closest('button') : target;
          if (button) sendButton(button);
        },
      },
    },
  };
  // deep-chat calls the handler again when it sets its connection up again (a re-render):
  // one socket for the page, reporting to the latest signals. A second socket would be a
  // second session, greeted too (the doubled greeting and buttons seen after a reload).
  let signals = null;
  chat.connect = {
    websocket: true,
    handler: (_, latest) => {
      signals = latest;
      latest.newUserMessage.listener = (body) => {
        const text = lastUserText(body);
        if (text && rasa) rasa.send(text);
      };
      if (rasa) {
        if (rasa.ready) latest.onOpen();
        return;
      }
      rasa = new RasaSocket({
        url: config.socketUrl,
        path: config.socketPath,
        transports: config.transports,
        store,
        metadata: () => pageMetadata(config),
        onReady: (session) => {
          connectionErrorShown = false;
          signals.onOpen();
          greetIfNew(session);
        },
        onBotMessage: (data) => {
          changeLanguage(data); // a language message is never shown: it has no text
          const responses = botMessageToResponses(data);
          if (responses.length) signals.onResponse(responses.length === 1 ? responses[0] : responses);
        },
        onDisconnect: () => signals.onClose(),
        onConnectError: () => {
          if (connectionErrorShown) return;
          connectionErrorShown = true;
          signals.onResponse({ error: CONNECTION_ERROR });
        },
      });
    },
  };
  // The placeholder changes through deep-chat's setPlaceholderText method, which only sets the
  // input's placeholder (and aria-label). Assigning `textInput` again would render the whole
  // component anew (seen in Chromium: a new input losing the typed text and the focus, every
  // bubble redrawn, the connection handler called again). The config object is also updated in
  // place (no setter, so no render), so a re-render for another reason keeps the placeholder.
  const showLanguage = ({ lang, placeholder }) => {
    container.lang = lang;
    chat.lang = lang;
    if (chat.textInput && chat.textInput.placeholder) chat.textInput.placeholder.text = placeholder;
    chat.setPlaceholderText(placeholder);
  };
  showLanguage(initial);
  const changeLanguage = (data) => {
    const language = parseLanguageMessage(data);
    if (!language) return;
    store.language = language;
    showLanguage(languageView(language, config));
  };

  Object.assign(chat.style, {
    width: '100%', height: '100%', border: 'none', borderRadius: '0', display: 'block',
    fontFamily: 'inherit',
  });
  container.appendChild(chat);

  return {
    element: chat,
    restart() {
      if (!rasa) return;
      chat.clearMessages(false);
      rasa.restart(); // forgets the stored conversation, its language with it
      showLanguage(languageView(null, config));
    },
    focus() {
      if (typeof chat.focusInput === 'function') chat.focusInput();
    },
  };
}
