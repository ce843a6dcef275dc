// Plain text with links, for deep-chat's markdown renderer (remarkable).
//
// deep-chat renders every `text` message, the user's and the bot's, with remarkable. Out of the
// box that is full markdown, and deep-chat accepts any link target (its validateLink returns
// true), so a typed `[x](javascript:...)` would become a live link. This plugin turns the
// renderer into "plain text, newlines kept, web addresses and e-mails made into links":
//   - every markdown rule is off except paragraphs, text and line breaks;
//   - raw HTML stays off (remarkable escapes & < > " in text);
//   - links come only from remarkable's own linkify plugin (Autolinker), and only http(s) and
//     mailto targets survive; they open in a new tab with rel="noopener noreferrer".
import { linkify } from 'remarkable/linkify';

const SAFE_HREF = /^(https?:\/\/|mailto:)/i;

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

export function isSafeHref(href) {
  return typeof href === 'string' && SAFE_HREF.test(href.trim());
}

// Drops link tokens whose target is not http(s)/mailto, keeping their text.
function keepSafeLinks(state) {
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    const kept = [];
    let dropping = 0;
    for (const token of block.children) {
      if (token.type === 'link_open' && !isSafeHref(token.href)) {
        dropping += 1;
        continue;
      }
      if (token.type === 'link_close' && dropping > 0) {
        dropping -= 1;
        continue;
      }
      kept.push(token);
    }
    block.children = kept;
  }
}

export function safeTextPlugin(md) {
  md.set({ html: false, breaks: true, typographer: false, linkTarget: '' });
  md.core.ruler.enable(['block', 'inline'], true);
  md.block.ruler.enable(['paragraph'], true);
  md.inline.ruler.enable(['text', 'newline'], true);
  md.use(linkify);
  md.core.ruler.push('keep_safe_links', keepSafeLinks);
  md.renderer.rules.link_open = (tokens, idx) => {
    const href = tokens[idx].href;
    const isMail = /^mailto:/i.test(href);
    const target = isMail ? '' : ' target="_blank" rel="noopener noreferrer"';
    return `<a href="${escapeHtml(href)}"${target}>`;
  };
  md.renderer.rules.link_close = () => '</a>';
}
