// rasa socket.io `bot_uttered` payloads -> deep-chat messages.
//
// rasa 3.6 (rasa/core/channels/socketio.py) emits one event per bot message:
//   {text}                                   plain text
//   {text, quick_replies: [{content_type, title, payload}]}   buttons and quick replies
//   {attachment: {type: "image", payload: {src}}}            image
//   {attachment: {type: "template", payload: {...}}}         elements (not used by this bot)
//   {...custom}                                              custom JSON
// Text goes to deep-chat as `text` (rendered as plain text by safe-text.js). Buttons go as an
// `html` message built here from escaped titles and payloads; nothing from the bot is ever
// inserted as markup.
import { escapeHtml, isSafeHref } from './safe-text.js';

export const BUTTON_CLASS = 'liege-chat-button';
export const BUTTONS_CLASS = 'liege-chat-buttons';

export function buttonsHtml(buttons) {
  const items = buttons
    .filter((button) => button && typeof button.title === 'string' && button.title.trim())
    .map((button) => {
      const payload = typeof button.payload === 'string' ? button.payload : button.title;
      return `<button type="button" class="${BUTTON_CLASS}"`
        + ` data-payload="${escapeHtml(payload)}">${escapeHtml(button.title)}</button>`;
    });
  if (!items.length) return null;
  return `<div class="${BUTTONS_CLASS}" role="group" aria-label="Suggestions">${items.join('')}</div>`;
}

function imageSource(attachment) {
  const payload = attachment && attachment.payload;
  const src = payload && (payload.src || payload.url);
  return attachment && attachment.type === 'image' && isSafeHref(src) && !/^mailto:/i.test(src)
    ? src : null;
}

// Returns the deep-chat Response objects for one bot_uttered payload (possibly none).
export function botMessageToResponses(data) {
  if (!data || typeof data !== 'object') return [];
  const responses = [];
  if (typeof data.text === 'string' && data.text.trim()) {
    responses.push({ role: 'ai', text: data.text });
  }
  const buttons = Array.isArray(data.quick_replies) ? data.quick_replies
    : Array.isArray(data.buttons) ? data.buttons : null;
  if (buttons) {
    const html = buttonsHtml(buttons);
    if (html) responses.push({ role: 'ai', html });
  }
  const src = imageSource(data.attachment);
  if (src) responses.push({ role: 'ai', files: [{ src, type: 'image' }] });
  return responses;
}
