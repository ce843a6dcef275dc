// liege-chat.js: the launcher embedded in the city's pages.
//
//   <script type="module" src="https://…/liege-chat.js" data-liege-chat
//           data-socket-url="https://chat.liege.be"></script>
//
// It draws a button in the bottom-right corner (inside a shadow root, so the site's CSS and the
// widget's do not mix). The chat (deep-chat + socket.io-client) is loaded on the first opening.
import { privacyHref, resolveConfig } from './config.js';
import { ConversationStore } from './storage.js';
import css from './widget.css';

const ICONS = {
  chat: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z"/></svg>',
  close: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M18.3 5.71 12 12.01l-6.3-6.3-1.41 1.41 6.3 6.3-6.3 6.3 1.41 1.41 6.3-6.3 6.3 6.3 1.41-1.41-6.3-6.3 6.3-6.3z"/></svg>',
  restart: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 5V2L7 6l5 4V7a5 5 0 1 1-5 5H5a7 7 0 1 0 7-7z"/></svg>',
  // A simplified perron, the symbol of Liège.
  logo: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M11 2h2v3h2v2h-2v9h3v2h2v4H6v-4h2v-2h3V7H9V5h2z"/></svg>',
};

// Constant markup only: every configurable text is set with textContent below. The widget's own
// texts are French whatever the page's language (lang="fr"); the conversation (.body) takes the
// language the server announces (chat.js, language.js).
const TEMPLATE = `
  <div class="root" data-open="false">
    <section class="panel" id="liege-chat-panel" lang="fr" role="dialog" aria-labelledby="liege-chat-title" hidden>
      <header class="header">
        <span class="logo">${ICONS.logo}</span>
        <div class="heading">
          <h2 class="title" id="liege-chat-title"></h2>
          <p class="subtitle"></p>
        </div>
        <button type="button" class="icon restart">${ICONS.restart}</button>
        <button type="button" class="icon close">${ICONS.close}</button>
      </header>
      <div class="body"></div>
      <p class="notice"></p>
    </section>
    <button type="button" class="launcher" lang="fr" aria-controls="liege-chat-panel" aria-expanded="false">
      ${ICONS.chat}<span class="launcher-label"></span>
    </button>
  </div>`;

function findHostElement() {
  return document.querySelector('[data-liege-chat]');
}

function sessionFlag(key, value) {
  try {
    if (value === undefined) return window.sessionStorage.getItem(key) === '1';
    if (value) window.sessionStorage.setItem(key, '1');
    else window.sessionStorage.removeItem(key);
  } catch (error) { /* storage disabled */ }
  return false;
}

// « Vie privée »: the privacy page in a new tab. Built with DOM APIs: the address comes from
// the settings and is never parsed as markup.
function privacyLink(href) {
  const link = document.createElement('a');
  link.className = 'privacy';
  link.href = href;
  link.target = '_blank';
  link.rel = 'noopener';
  link.textContent = 'Vie\u00a0privée'; // kept on one line
  link.setAttribute('aria-label', 'Vie privée (nouvel onglet)');
  return link;
}

export function mount(config) {
  if (document.getElementById('liege-chat')) return window.LiegeChat;
  const store = new ConversationStore({
    prefix: config.storagePrefix, ttlMinutes: config.sessionTtlMinutes,
  });
  store.expireIfIdle();

  const host = document.createElement('div');
  host.id = 'liege-chat';
  const shadow = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = css;
  shadow.appendChild(style);
  const wrapper = document.createElement('div');
  wrapper.innerHTML = TEMPLATE;
  const root = wrapper.firstElementChild;
  shadow.appendChild(root);
  for (const [name, value] of Object.entries({
    '--liege-primary': config.colors.primary,
    '--liege-primary-dark': config.colors.primaryDark,
    '--liege-text': config.colors.text,
    '--liege-focus': config.colors.focus,
  })) host.style.setProperty(name, value);

  const panel = root.querySelector('.panel');
  const body = root.querySelector('.body');
  const launcher = root.querySelector('.launcher');
  const closeButton = root.querySelector('.close');
  const restartButton = root.querySelector('.restart');
  root.querySelector('.title').textContent = config.title;
  root.querySelector('.subtitle').textContent = config.subtitle;
  root.querySelector('.launcher-label').textContent = config.launcherLabel;
  const notice = root.querySelector('.notice');
  notice.textContent = config.sessionTtlMinutes > 0
    ? `Réponses automatiques. Ne communiquez pas de données sensibles. Conversation gardée ${config.sessionTtlMinutes} min dans ce navigateur.`
    : 'Réponses automatiques. Ne communiquez pas de données sensibles.';
  const privacy = privacyHref(config, { pageUrl: document.baseURI, scriptUrl: import.meta.url });
  if (privacy) notice.append(' ', privacyLink(privacy));
  launcher.setAttribute('aria-label', config.openLabel);
  closeButton.setAttribute('aria-label', config.closeLabel);
  closeButton.title = config.closeLabel;
  restartButton.setAttribute('aria-label', config.restartLabel);
  restartButton.title = config.restartLabel;

  const openKey = `${config.storagePrefix}:open`;
  let chat = null;
  let loading = null;

  const loadChat = () => {
    if (!loading) {
      loading = import('./chat.js').then(({ createChat }) => {
        body.textContent = '';
        chat = createChat({ container: body, config, store });
        return chat;
      }).catch((error) => {
        loading = null; // the next opening tries again
        const message = document.createElement('p');
        message.className = 'load-error';
        message.textContent = 'La discussion n\'a pas pu être chargée. Vérifiez votre connexion '
          + 'puis rouvrez-la.';
        body.replaceChildren(message);
        throw error;
      });
    }
    return loading;
  };

  const api = {
    config,
    get isOpen() { return root.dataset.open === 'true'; },
    async open() {
      root.dataset.open = 'true';
      panel.hidden = false;
      launcher.setAttribute('aria-expanded', 'true');
      sessionFlag(openKey, true);
      const loaded = await loadChat();
      loaded.focus();
      return loaded;
    },
    close() {
      root.dataset.open = 'false';
      panel.hidden = true;
      launcher.setAttribute('aria-expanded', 'false');
      sessionFlag(openKey, false);
      launcher.focus();
    },
    async restart() {
      const loaded = await loadChat();
      loaded.restart();
    },
  };

  const report = (error) => console.error('liege-chat:', error);
  launcher.addEventListener('click', () => api.open().catch(report));
  closeButton.addEventListener('click', () => api.close());
  restartButton.addEventListener('click', () => api.restart().catch(report));
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') api.close();
  });

  document.body.appendChild(host);
  window.LiegeChat = api;
  if (config.openOnLoad || sessionFlag(openKey)) api.open().catch(report);
  return api;
}

function start() {
  mount(resolveConfig(window.LiegeChatConfig, findHostElement()));
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start, { once: true });
} else {
  start();
}
