// Where the rasa server is. web/serve.py generates this file; this copy is the fallback when
// dist/ is served by another web server.
window.LiegeChatConfig = Object.assign({}, window.LiegeChatConfig, { socketUrl: 'http://localhost:5005' });
