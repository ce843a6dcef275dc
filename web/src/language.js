// The conversation's language (issue 16). When a turn changes it, the rasa server sends, before
// the answer, a custom message as the `bot_uttered` payload:
//   {"language": "nl-BE", "placeholder": "Typ hier uw vraag…"}   (or "en", "de-BE"…)
//   {"language": "fr"}                                              back to French
// The widget then labels the conversation with that `lang` and shows that placeholder in the
// input. Nothing here touches the page: chat.js applies what these functions return.

export const FRENCH = 'fr';
export const MAX_TAG_LENGTH = 10;
export const MAX_PLACEHOLDER_LENGTH = 100;

// A short BCP-47-like tag: a 2-3 letter language, optionally one region or variant part
// ("nl-BE", "de-BE", "en", "es-419"). Anything longer or stranger is not a tag we act on.
const TAG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function isLanguageTag(value) {
  return typeof value === 'string' && value.length <= MAX_TAG_LENGTH && TAG.test(value);
}

export function isFrench(tag) {
  return isLanguageTag(tag) && tag.split('-')[0].toLowerCase() === FRENCH;
}

function usablePlaceholder(value) {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return text && text.length <= MAX_PLACEHOLDER_LENGTH && !CONTROL.test(text) ? text : null;
}

// {language, placeholder} from a bot_uttered payload (or from the stored conversation state),
// or null when it is not a language message or its tag is unusable. An unusable placeholder is
// dropped (null), not the change of language. French has no placeholder of its own: the
// configured one is shown (languageView).
export function parseLanguageMessage(data) {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  if (!isLanguageTag(data.language)) return null;
  const placeholder = isFrench(data.language) ? null : usablePlaceholder(data.placeholder);
  return { language: data.language, placeholder };
}

// What the widget shows for a conversation language (null: none announced, i.e. French):
// the `lang` of the conversation and the input's placeholder.
export function languageView(language, config) {
  const parsed = parseLanguageMessage(language);
  if (!parsed) return { lang: FRENCH, placeholder: config.placeholder };
  return { lang: parsed.language, placeholder: parsed.placeholder || config.placeholder };
}
