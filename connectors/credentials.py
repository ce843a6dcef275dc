"""Render the effective credentials file: only the channels whose ${VARS} are all set.

    python -m connectors.credentials credentials.yml .run/credentials.yml

- A channel section whose values reference an environment variable that is unset (or empty)
  is left out, and one line per channel left out is printed, e.g.
  ``Facebook Messenger: off (set FB_VERIFY_TOKEN, FB_APP_SECRET, FB_PAGE_ACCESS_TOKEN to turn
  it on)``. Nothing is printed for the channels kept.
- The sections kept are copied as written (comments included), except that values written
  exactly ``"${VAR}"`` lose their quotes: rasa only expands *unquoted* ``${VAR}`` scalars.
  Secrets are never written to the output file; rasa expands them when it reads it.

Exit status: 0, or 2 when the input cannot be read or is not a mapping of channels.
Only PyYAML is needed (no rasa import: the command is instant).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_QUOTED_REF = re.compile(r"""(:\s*)(["'])(\$\{[A-Za-z_][A-Za-z0-9_]*\})\2(\s*(?:#.*)?)$""")
_TOP_KEY = re.compile(r"""^(?:"([^"]+)"|'([^']+)'|([^\s#:'"][^:#]*?))\s*:(?:\s|$)""")

CHANNEL_NAMES = {
    "connectors.facebook.MessengerInput": "Facebook Messenger",
    "facebook": "Facebook Messenger",
    "socketio": "Website chat widget (socket.io)",
    "connectors.socketio.SocketIOInput": "Website chat widget (socket.io)",
    "rest": "REST",
    "connectors.rest.RestInput": "REST",
    "connectors.x.XInput": "X (Twitter) Direct Messages",
}


def expand_env(value: Any) -> Optional[str]:
    """``value`` with ``${VAR}`` replaced from the environment; None when a variable is unset
    or empty (or when the value itself is empty). The channels call it on their credentials,
    because rasa leaves quoted ``"${VAR}"`` values as they are."""
    if value is None:
        return None
    text = str(value)
    if [name for name in ENV_REF.findall(text) if not os.environ.get(name)]:
        return None
    text = ENV_REF.sub(lambda m: os.environ[m.group(1)], text).strip()
    return text or None


def setting(credentials: Dict[str, Any], key: str, env: str,
            default: Optional[str]) -> Optional[str]:
    """A channel setting: its credentials.yml value (expanded), else the environment variable
    ``env``, else ``default``."""
    value = expand_env(credentials.get(key)) if credentials.get(key) not in (None, "") else None
    return value or os.environ.get(env) or default


def channel_label(key: str) -> str:
    if key in CHANNEL_NAMES:
        return CHANNEL_NAMES[key]
    lowered = key.lower()
    if "twitter" in lowered or lowered.endswith(".xinput"):
        return "X/Twitter"
    return key


def env_refs(value: Any) -> List[str]:
    """The ${VAR} names referenced anywhere in ``value`` (nested), in order, no duplicates."""
    found: List[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str):
            for name in ENV_REF.findall(node):
                if name not in found:
                    found.append(name)

    walk(value)
    return found


def _is_set(name: str, env: Dict[str, str]) -> bool:
    return bool(env.get(name))


def split_sections(text: str) -> Tuple[List[str], List[Tuple[str, List[str]]]]:
    """(lines before the first channel, [(channel key, its lines)]).

    The comment block directly above a top-level key (no blank line in between) belongs to
    that key's section, so a channel left out takes its comments with it.
    """
    preamble: List[str] = []
    sections: List[Tuple[str, List[str]]] = []
    pending: List[str] = []  # blank and comment lines not yet attributed

    def current() -> List[str]:
        return sections[-1][1] if sections else preamble

    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            pending.append(line)
            continue
        match = _TOP_KEY.match(line) if line[:1] not in (" ", "\t", "-") else None
        if match:
            key = next(group for group in match.groups() if group is not None).strip()
            blanks = [i for i, item in enumerate(pending) if not item.strip()]
            cut = blanks[-1] + 1 if blanks else 0
            current().extend(pending[:cut])
            sections.append((key, pending[cut:] + [line]))
        else:
            current().extend(pending + [line])
        pending = []
    current().extend(pending)
    return preamble, sections


def unquote_refs(line: str) -> str:
    """``key: "${VAR}"`` -> ``key: ${VAR}`` so that rasa expands it."""
    return _QUOTED_REF.sub(lambda m: f"{m.group(1)}{m.group(3)}{m.group(4)}", line.rstrip("\n")
                           ) + ("\n" if line.endswith("\n") else "")


def render(text: str, env: Optional[Dict[str, str]] = None) -> Tuple[str, List[str]]:
    """(effective credentials text, one message per channel left out)."""
    env = dict(os.environ if env is None else env)
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError("the credentials file is not a mapping of channels")
    preamble, sections = split_sections(text)
    keys = [key for key, _ in sections]
    if sorted(map(str, data)) != sorted(keys):
        raise ValueError(f"could not find the channel sections (found {keys}, "
                         f"expected {list(data)})")
    out: List[str] = list(preamble)
    messages: List[str] = []
    for key, lines in sections:
        missing = [name for name in env_refs(data.get(key)) if not _is_set(name, env)]
        if missing:
            messages.append(f"{channel_label(key)}: off (set {', '.join(missing)} to turn it on)")
            continue
        out.extend(unquote_refs(line) for line in lines)
    rendered = "".join(out)
    kept = yaml.safe_load(rendered) or {}
    expected = [key for key, _ in sections
                if not [n for n in env_refs(data.get(key)) if not _is_set(n, env)]]
    if sorted(map(str, kept)) != sorted(expected):  # defensive: never write a broken file
        raise ValueError("rendering lost a channel; check the file's layout")
    return rendered, messages


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] in ("-h", "--help"):
        print("usage: python -m connectors.credentials credentials.yml OUT.yml", file=sys.stderr)
        return 2
    source, target = Path(args[0]), Path(args[1])
    try:
        rendered, messages = render(source.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as error:
        print(f"connectors.credentials: cannot render {source}: {error}", file=sys.stderr)
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(rendered, encoding="utf-8")
    for message in messages:
        print(message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
