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
// inserted as markup. The catalogue's answers end with two feedback buttons ("👍 Utile",
// "👎 Pas utile"): they go in their own small group under a discreet question.
import { escapeHtml, isSafeHref } from './safe-text.js';

export const BUTTON_CLASS = 'liege-chat-button';
export const BUTTONS_CLASS = 'liege-chat-buttons';
export const FEEDBACK_CLASS = 'liege-chat-feedback';
export const FEEDBACK_PROMPT = 'Cette réponse vous aide ?';

// The same rule as is_feedback in connectors/buttons.py.
export function isFeedback(button) {
  return !!button && typeof button.payload === 'string' && button.payload.startsWith('/feedback_');
}

function buttonHtml(button) {
  const payload = typeof button.payload === 'string' ? button.payload : button.title;
  return `<button type="button" class="${BUTTON_CLASS}"`
    + ` data-payload="${escapeHtml(payload)}">${escapeHtml(button.title)}</button>`;
}

export function buttonsHtml(buttons) {
  const usable = buttons
    .filter((button) => button && typeof button.title === 'string' && button.title.trim());
  const choices = usable.filter((button) => !isFeedback(button)).map(buttonHtml);
  const feedback = usable.filter(isFeedback).map(buttonHtml);
  const groups = [];
  if (choices.length) {
    groups.push(`<div class="${BUTTONS_CLASS}" role="group" aria-label="Suggestions">`
      + `${choices.join('')}</div>`);
  }
  if (feedback.length) {
    groups.push(`<div class="${FEEDBACK_CLASS}" role="group" aria-label="Votre avis">`
      + `<span class="${FEEDBACK_CLASS}-prompt">${escapeHtml(FEEDBACK_PROMPT)}</span>`
      + `${feedback.join('')}</div>`);
  }
  return groups.length ? groups.join('') : null;
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
