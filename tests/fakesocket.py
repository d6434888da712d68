"""A fake Slack Socket Mode endpoint (ws://127.0.0.1:<port>/link) for tests.

Point FakeSlack's `apps.connections.open` at it (`FakeSlack(socket_server=...)`), then
push envelopes with `send*` and read the client's acks with `wait_ack`.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Mapping
from typing import Any, Self

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.fakeslack import APP_ID, event_envelope


class FakeSocketModeServer:
    """Fake Socket Mode websocket endpoint (ws://127.0.0.1:<port>/link).

    Greets each client with a "hello", pushes envelopes with ``send*`` and records what
    clients send back (acks), so a Bolt SocketModeHandler can be driven end to end.
    """

    def __init__(self) -> None:
        self.url = ""
        self.hello: dict[str, Any] = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "fake"},
            "connection_info": {"app_id": APP_ID},
        }
        """Greeting sent on connect; tests may edit it before clients connect."""
        self.received: list[dict[str, Any]] = []
        """Every JSON message clients sent (acks are {"envelope_id", "payload"?})."""
        self._cond = threading.Condition()
        self._connections: set[ServerConnection] = set()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        if self._server is not None:
            return self
        server = serve(self._handler, "127.0.0.1", 0)
        port = server.socket.getsockname()[1]
        self._server = server
        self.url = f"ws://127.0.0.1:{port}/link"
        self._thread = threading.Thread(
            target=server.serve_forever, name=f"FakeSocketMode:{port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close client connections and the listening socket; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- connections -----------------------------------------------------------------

    def _handler(self, conn: ServerConnection) -> None:
        with self._cond:
            self._connections.add(conn)
            self._cond.notify_all()
        try:
            conn.send(json.dumps(self.hello))
            for raw in conn:
                text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
                try:
                    message = json.loads(text)
                except ValueError:
                    message = {"raw": text}
                with self._cond:
                    self.received.append(message if isinstance(message, dict) else {"raw": text})
                    self._cond.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                self._connections.discard(conn)
                self._cond.notify_all()

    @property
    def connection_count(self) -> int:
        with self._cond:
            return len(self._connections)

    def wait_connected(self, timeout: float = 10) -> None:
        """Block until at least one client is connected (raises AssertionError)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._connections, timeout):
                raise AssertionError(f"no Socket Mode client connected within {timeout}s")

    def close_connections(self) -> None:
        """Close every client connection (the listening socket stays open)."""
        with self._cond:
            conns = list(self._connections)
        for conn in conns:
            conn.close()

    def close_client(self, client: Any) -> None:
        """Shut a slack_sdk (builtin) SocketModeClient down quickly and without reconnects.

        ``client.close()`` alone takes ~4 s: its reader blocks in recv() for up to 3 s and
        its queue consumer polls with a 1 s timeout. Flagging it closed, waking the
        queue and dropping the connection server-side first makes it ~instant. For a
        Bolt SocketModeHandler pass ``handler.client``.
        """
        client.closed = True
        client.auto_reconnect_enabled = False
        with contextlib.suppress(AttributeError):
            client.current_session_state.terminated = True
        with contextlib.suppress(AttributeError):
            client.message_queue.put(None)  # wakes message_queue.get(timeout=1)
        self.close_connections()
        # slack_sdk's reader thread may drop the socket while close() is using it.
        with contextlib.suppress(AttributeError):
            client.close()

    # -- pushing ---------------------------------------------------------------------

    def send(self, envelope: Mapping[str, Any], timeout: float = 10) -> None:
        """Push ``envelope`` as JSON to every connected client (waits for one)."""
        self.wait_connected(timeout)
        text = json.dumps(envelope)
        with self._cond:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(ConnectionClosed):
                conn.send(text)

    def _send_typed(self, type_: str, payload: Mapping[str, Any], accepts: bool) -> str:
        envelope_id = str(uuid.uuid4())
        self.send(
            {
                "envelope_id": envelope_id,
                "type": type_,
                "payload": dict(payload),
                "accepts_response_payload": accepts,
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return envelope_id

    def send_slash_command(self, payload: Mapping[str, Any]) -> str:
        """Push a slash command (payload = the form fields as a dict); returns envelope_id."""
        return self._send_typed("slash_commands", payload, True)

    def send_interactive(self, payload: Mapping[str, Any]) -> str:
        """Push an interactive payload (block_actions, view_submission...); returns
        envelope_id."""
        return self._send_typed("interactive", payload, True)

    def send_event(self, event_body: Mapping[str, Any]) -> str:
        """Push an Events API callback; a bare event (no "event" key) is wrapped with
        ``event_envelope``. Returns envelope_id."""
        if "event" not in event_body:
            event_body = event_envelope(event_body)
        return self._send_typed("events_api", event_body, False)

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask clients to reconnect, as Slack does periodically."""
        self.send({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}})

    # -- acks ------------------------------------------------------------------------

    def wait_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        """Block until a client acked ``envelope_id``; return the ack message."""

        def find() -> dict[str, Any] | None:
            return next((m for m in self.received if m.get("envelope_id") == envelope_id), None)

        with self._cond:
            ack = self._cond.wait_for(find, timeout)
            if ack is None:
                raise AssertionError(
                    f"no ack for envelope {envelope_id} within {timeout}s; "
                    f"received: {self.received}"
                )
            return ack


# -- request builders for driving a Bolt app over HTTP ------------------------------
