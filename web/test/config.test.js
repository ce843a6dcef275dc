import assert from 'node:assert/strict';
import { test } from 'node:test';
import { privacyHref, resolveConfig } from '../src/config.js';

const PAGE = 'https://www.liege.be/fr/demarches/carte-identite';
const SCRIPT = 'https://chat.liege.be/widget/liege-chat.js';
const where = { pageUrl: PAGE, scriptUrl: SCRIPT };

function element(attributes) {
  return {
    attributes,
    getAttribute(name) { return name in this.attributes ? this.attributes[name] : null; },
  };
}

test('privacy link: by default the privacy.html shipped beside liege-chat.js', () => {
  const config = resolveConfig({}, null);
  assert.equal(config.privacyUrl, null);
  assert.equal(privacyHref(config, where), 'https://chat.liege.be/widget/privacy.html');
  // Page and widget on one server (the demo page): /privacy.html.
  assert.equal(privacyHref(config, { pageUrl: 'http://localhost:8080/',
    scriptUrl: 'http://localhost:8080/liege-chat.js' }), 'http://localhost:8080/privacy.html');
});

test('privacy link: a configured address is relative to the page, as an href', () => {
  assert.equal(privacyHref(resolveConfig({ privacyUrl: '/fr/vie-privee' }, null), where),
    'https://www.liege.be/fr/vie-privee');
  assert.equal(privacyHref(resolveConfig({ privacyUrl: 'vie-privee.html' }, null), where),
    'https://www.liege.be/fr/demarches/vie-privee.html');
  assert.equal(privacyHref(resolveConfig({ privacyUrl: 'https://example.org/p' }, null), where),
    'https://example.org/p');
});

test('privacy link: the data- attribute wins over the page config', () => {
  const config = resolveConfig({ privacyUrl: '/a' },
    element({ 'data-privacy-url': '/fr/vie-privee' }));
  assert.equal(config.privacyUrl, '/fr/vie-privee');
  assert.equal(privacyHref(config, where), 'https://www.liege.be/fr/vie-privee');
});

test('privacy link: an empty value hides it', () => {
  assert.equal(privacyHref(resolveConfig({ privacyUrl: '' }, null), where), null);
  assert.equal(privacyHref(resolveConfig({ privacyUrl: '  ' }, null), where), null);
  assert.equal(privacyHref(resolveConfig({}, element({ 'data-privacy-url': '' })), where), null);
});

test('privacy link: only http(s) targets, never javascript: or data:', () => {
  for (const privacyUrl of ['javascript:alert(1)', ' JavaScript:alert(1)',
    'data:text/html,<script>alert(1)</script>', 'mailto:x@example.org']) {
    assert.equal(privacyHref(resolveConfig({ privacyUrl }, null), where), null, privacyUrl);
  }
});
