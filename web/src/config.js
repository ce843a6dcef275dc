// Widget settings: defaults, then window.LiegeChatConfig (e.g. the page's config.js), then the
// data- attributes of the element marked `data-liege-chat` (usually the <script> tag itself).

export const DEFAULTS = Object.freeze({
  socketUrl: 'http://localhost:5005',
  socketPath: '/socket.io',
  transports: ['websocket', 'polling'],
  title: 'Ville de Liège',
  subtitle: 'Assistant en ligne',
  placeholder: 'Posez votre question…',
  launcherLabel: 'Une question ?',
  openLabel: 'Ouvrir la discussion avec l\'assistant de la Ville de Liège',
  closeLabel: 'Fermer la discussion',
  restartLabel: 'Nouvelle conversation',
  greeting: '/greet',
  sessionTtlMinutes: 60,
  storagePrefix: 'liege-chat',
  metadata: {},
  openOnLoad: false,
  // The privacy page linked from the notice under the input (« Vie privée »). null: the
  // privacy.html shipped beside liege-chat.js (web/public/privacy.html); any other value is a
  // link relative to the page, as an href would be; '' hides the link.
  privacyUrl: null,
  colors: {
    primary: '#c0122c',
    primaryDark: '#8e0d20',
    text: '#1a1a1a',
    focus: '#f2b705',
    // CSS filter turning deep-chat's grey send icon into the primary colour.
    submitFilter: 'brightness(0) saturate(100%) invert(14%) sepia(87%) saturate(4500%) hue-rotate(342deg)',
  },
});

// data-socket-url -> socketUrl, ...
const ATTRIBUTES = {
  socketUrl: 'string', socketPath: 'string', transports: 'list', title: 'string',
  subtitle: 'string', placeholder: 'string', launcherLabel: 'string', greeting: 'string',
  sessionTtlMinutes: 'number', storagePrefix: 'string', metadata: 'json', openOnLoad: 'boolean',
  privacyUrl: 'string',
};

function kebab(name) {
  return name.replace(/[A-Z]/g, (char) => `-${char.toLowerCase()}`);
}

function parse(kind, raw) {
  switch (kind) {
    case 'number': {
      const value = Number(raw);
      return Number.isFinite(value) ? value : undefined;
    }
    case 'boolean':
      return raw === '' || raw === 'true';
    case 'list':
      return raw.split(',').map((item) => item.trim()).filter(Boolean);
    case 'json':
      try {
        const value = JSON.parse(raw);
        return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
      } catch (error) {
        return undefined;
      }
    default:
      return raw;
  }
}

export function fromAttributes(element) {
  const settings = {};
  if (!element) return settings;
  for (const [name, kind] of Object.entries(ATTRIBUTES)) {
    const raw = element.getAttribute(`data-${kebab(name)}`);
    if (raw === null) continue;
    const value = parse(kind, raw);
    if (value !== undefined) settings[name] = value;
  }
  return settings;
}

export function resolveConfig(globalConfig, element) {
  const fromGlobal = globalConfig && typeof globalConfig === 'object' ? globalConfig : {};
  const fromElement = fromAttributes(element);
  const config = { ...DEFAULTS, ...fromGlobal, ...fromElement };
  config.colors = { ...DEFAULTS.colors, ...(fromGlobal.colors || {}) };
  config.metadata = { ...(fromGlobal.metadata || {}), ...(fromElement.metadata || {}) };
  config.socketUrl = String(config.socketUrl).replace(/\/+$/, '');
  return config;
}

// The address of the privacy page, or null when the link is hidden (privacyUrl '') or unusable.
// `pageUrl` resolves a configured value (as an href on the page would be); `scriptUrl` (the
// launcher's own URL) the default privacy.html beside it. Only http(s) targets are kept: a
// `javascript:` value set by mistake never becomes a live link.
export function privacyHref(config, { pageUrl, scriptUrl }) {
  const value = config.privacyUrl;
  if (value === '' || (typeof value === 'string' && !value.trim())) return null;
  try {
    const url = typeof value === 'string'
      ? new URL(value.trim(), pageUrl)
      : new URL('privacy.html', scriptUrl || pageUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch (error) {
    return null;
  }
}
