// Unit tests of the rendering rules: node --test (npm test --prefix web).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Remarkable } from 'remarkable';
import {
  FEEDBACK_PROMPT, botMessageToResponses, buttonsHtml, isFeedback,
} from '../src/messages.js';
import { escapeHtml, safeTextPlugin } from '../src/safe-text.js';

// As deep-chat builds its renderer: its defaults, the plugins, then every link target accepted.
function deepChatRenderer() {
  const md = new Remarkable({ breaks: true, linkTarget: '_blank' });
  md.use(safeTextPlugin);
  md.inline.validateLink = () => true;
  return md;
}

const render = (text) => deepChatRenderer().render(text);

test('markup is escaped, never rendered', () => {
  const html = render('<img src=x onerror=alert(1)> <script>alert(2)</script> <b>gras</b>');
  assert.ok(!/<img|<script|<b>/.test(html), html);
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'), html);
});

test('markdown is not interpreted', () => {
  const html = render('**gras** _italique_ # titre\n- tiret\n    code `x` ![i](https://x.be/i.png)');
  assert.ok(!/<(strong|em|h1|ul|li|pre|code|img)/.test(html), html);
  assert.ok(html.includes('**gras** _italique_ # titre'), html);
});

test('only http(s) and mailto become links, in a new tab with noopener', () => {
  const html = render('[clic](javascript:alert(1)) javascript:alert(2) <javascript:alert(3)> '
    + 'data:text/html,<b>x</b> https://www.liege.be/fr et www.liege.be ou population@liege.be');
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1]);
  assert.deepEqual(hrefs, ['https://www.liege.be/fr', 'http://www.liege.be',
    'mailto:population@liege.be']);
  assert.ok(html.includes('<a href="https://www.liege.be/fr" target="_blank" rel="noopener noreferrer">'), html);
  assert.ok(html.includes('[clic](javascript:alert(1))'), html);
});

test('newlines and bullets are kept', () => {
  const html = render('Horaires :\n• lundi 8h30-12h30\n• mardi 8h30-12h30');
  assert.equal(html.match(/<br>/g).length, 2, html);
  assert.ok(html.includes('• lundi 8h30-12h30'), html);
});

test('button titles and payloads are escaped', () => {
  const html = buttonsHtml([{ title: '<img src=x onerror=alert(1)>', payload: '"><script>x</script>' }]);
  assert.ok(!/<img|<script/.test(html), html);
  assert.ok(html.includes('data-payload="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"'), html);
  assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
});

test('bot_uttered payloads become deep-chat messages', () => {
  assert.deepEqual(botMessageToResponses({ text: 'Bonjour' }), [{ role: 'ai', text: 'Bonjour' }]);
  const [text, buttons] = botMessageToResponses({
    text: 'Choisissez', quick_replies: [{ content_type: 'text', title: 'Passeport', payload: '/ask_procedure{"procedure":"passeport"}' }],
  });
  assert.equal(text.text, 'Choisissez');
  assert.ok(buttons.html.includes('data-payload="/ask_procedure{&quot;procedure&quot;:&quot;passeport&quot;}"'));
  assert.deepEqual(botMessageToResponses({ attachment: { type: 'image', payload: { src: 'javascript:alert(1)' } } }), []);
  assert.deepEqual(botMessageToResponses({ attachment: { type: 'image', payload: { src: 'https://www.liege.be/a.png' } } }),
    [{ role: 'ai', files: [{ src: 'https://www.liege.be/a.png', type: 'image' }] }]);
  assert.deepEqual(botMessageToResponses(null), []);
});

test('feedback buttons form their own group after the answer\'s, titles escaped', () => {
  const feedback = [{ title: '👍 Utile', payload: '/feedback_positive' },
    { title: '👎 <b>Pas</b> utile', payload: '/feedback_negative' }];
  const html = buttonsHtml([{ title: 'Documents', payload: '/ask_documents' }, ...feedback]);
  const groups = [...html.matchAll(/<div class="([^"]+)" role="group" aria-label="([^"]+)">/g)]
    .map((match) => [match[1], match[2]]);
  assert.deepEqual(groups, [['liege-chat-buttons', 'Suggestions'],
    ['liege-chat-feedback', 'Votre avis']]);
  const [choices, rest] = html.split('<div class="liege-chat-feedback"');
  assert.ok(choices.includes('Documents') && !choices.includes('/feedback_'), choices);
  assert.ok(rest.includes(FEEDBACK_PROMPT) && rest.indexOf('Utile') < rest.indexOf('Pas'), rest);
  assert.ok(rest.includes('👎 &lt;b&gt;Pas&lt;/b&gt; utile') && !/<b>/.test(html), rest);
  // An answer without other buttons shows the feedback group alone.
  assert.ok(buttonsHtml(feedback).startsWith('<div class="liege-chat-feedback"'));
  assert.ok(isFeedback(feedback[0]) && !isFeedback({ title: 'Utile' }) && !isFeedback(null));
});
