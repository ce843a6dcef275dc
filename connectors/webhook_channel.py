"""What the webhook channels (Messenger: connectors/facebook.py, X: connectors/x.py) share.

Both webhooks only check, parse and queue; the bot's turns run in the background, one at a
time per citizen (connectors/turns.py). Here are the parts that do not depend on the platform:
reading the settings (``read_settings``) and, in ``WebhookChannel``, the blueprint's routes and
listeners, handing a turn to the runner (on the turn loop when there is one) and the shutdown
that lets the turns in progress finish.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Sequence, Tuple

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import log_privacy
from connectors.credentials import setting
from connectors.inbound import bounded_handler, limit_request_size
from connectors.turns import SerialRunner, TurnLoop

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def read_settings(credentials: Optional[Dict[str, Any]], required: Sequence[Tuple[str, str]],
                  optional: Mapping[str, Tuple[str, Any]], log: logging.Logger,
                  product: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The channel's settings from credentials.yml or the environment: the ``required``
    (key, variable) values and the ``optional`` ones (key: (variable, default)). Logs that
    ``product`` is off when a required one is missing."""
    credentials = credentials or {}
    values = {key: setting(credentials, key, env, None) for key, env in required}
    missing = [env for key, env in required if not values[key]]
    options = {key: setting(credentials, key, env, default)
               for key, (env, default) in optional.items()}
    if missing:
        log.error("%s: off (set %s to turn it on); its webhook answers 503", product,
                  ", ".join(missing))
    return values, options


class WebhookChannel:
    """Mixin for an input channel whose webhook queues turns that run in the background.

    The channel sets ``enabled``, ``runner``, ``turn_loop``, ``shutdown_grace`` and ``client``
    (closed at shutdown when not None) and defines ``receive(request, on_new_message)``.
    """

    channel_name = ""  # rasa's name for the channel: "facebook", "x"
    log_label = ""  # starts the channel's log lines: "Messenger", "X"
    log = logging.getLogger(__name__)  # the channel's module logger

    enabled: bool
    runner: SerialRunner
    turn_loop: Optional[TurnLoop]
    shutdown_grace: float
    client: Any

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        raise NotImplementedError

    def webhook_blueprint(self, name: str, import_name: str, on_new_message: OnNewMessage,
                          answer_get: Callable[[Request], HTTPResponse],
                          get_route_name: str) -> Blueprint:
        """The routes rasa mounts under ``/webhooks/<channel>/``: ``GET /`` (health),
        ``GET /webhook`` (``answer_get``: the platform's verification), ``POST /webhook``."""
        blueprint = Blueprint(name, import_name)
        limit_request_size(blueprint)
        log_privacy.install_on_start(blueprint)
        on_new_message = bounded_handler(on_new_message)

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off"})

        @blueprint.route("/webhook", methods=["GET"], name=get_route_name)
        async def verification(request: Request) -> HTTPResponse:
            return answer_get(request)

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return self.receive(request, on_new_message)

        @blueprint.listener("after_server_start")
        async def start_turn_loop(app: Any, loop: Any) -> None:
            if self.turn_loop is not None and self.enabled:
                self.turn_loop.start()

        @blueprint.listener("before_server_stop")
        async def finish_turns(app: Any, loop: Any) -> None:
            await self.shutdown()

        return blueprint

    async def shutdown(self) -> None:
        """Let the turns in progress finish (up to ``shutdown_grace``), then close."""
        if self.runner.pending:
            self.log.info("%s: waiting up to %.0fs for %d turn(s) in progress", self.log_label,
                          self.shutdown_grace, self.runner.pending)
        turn_loop = self.turn_loop
        if turn_loop is not None and turn_loop.running:
            finished = await turn_loop.run(self.runner.drain(self.shutdown_grace))
            if self.client is not None:
                await turn_loop.run(self.client.close())
            turn_loop.stop()
        else:
            finished = await self.runner.drain(self.shutdown_grace)
        if not finished:
            self.log.warning("%s: %d turn(s) still running at shutdown", self.log_label,
                             self.runner.pending)
        if self.client is not None:
            await self.client.close()

    def submit_turn(self, citizen: str, job: Callable[[], Awaitable[None]]) -> None:
        """Queue ``job`` behind the citizen's earlier turns (on the turn loop if there is one)."""
        if self.turn_loop is not None:
            self.turn_loop.call(self.runner.submit, citizen, job)
        else:
            self.runner.submit(citizen, job)
