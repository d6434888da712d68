"""Command replies through response URLs: delivered, retried once, never raised."""

from __future__ import annotations

import socket

from bot.slack.response_urls import ResponseUrlSender


def test_reply_is_posted_as_json(fake_slack):
    sender = ResponseUrlSender()
    assert sender.send(fake_slack.response_url("a"), {"text": "Timer started", "x": "تقرير 📊"})
    assert sender.send(fake_slack.response_url("b"), {"text": "second"})
    posted = fake_slack.wait_for("response_url", 2)
    assert [c.params["text"] for c in posted] == ["Timer started", "second"]
    assert posted[0].params["x"] == "تقرير 📊"
    assert posted[0].path == "/respond/a"


def test_a_server_error_is_retried_once(fake_slack):
    fake_slack.fail_next("response_url", status=503)
    assert ResponseUrlSender().send(fake_slack.response_url(), {"text": "hi"})
    assert [c.status for c in fake_slack.calls("response_url")] == [503, 200]


def test_failures_are_reported_not_raised(fake_slack):
    fake_slack.fail_next("response_url", status=500, times=2)
    sender = ResponseUrlSender(timeout=2)
    assert sender.send(fake_slack.response_url(), {"text": "lost"}) is False
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    assert sender.send(f"http://127.0.0.1:{closed_port}/respond/x", {"text": "x"}) is False
    assert sender.send("not a url", {"text": "x"}) is False


class _RawServer:
    """Answers each request with the next of `answers` (raw bytes), counting connections;
    an answer ending in CLOSE is followed by closing the connection."""

    CLOSE = b"<close>"

    def __init__(self, answers: list[bytes]) -> None:
        import threading

        self.answers = list(answers)
        self.connections = 0
        self.requests: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/respond/x?y=1"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.answers:
            connection, _ = self.listener.accept()
            self.connections += 1
            with connection, connection.makefile("rb") as incoming:
                while self.answers:
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        line = incoming.readline()
                        if not line:
                            break
                        head += line
                    if not head:
                        break
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    self.requests.append(head + incoming.read(length))
                    answer = self.answers.pop(0)
                    connection.sendall(answer.removesuffix(self.CLOSE))
                    if answer.endswith(self.CLOSE):
                        break


def test_a_chunked_answer_is_read_whole_and_the_connection_kept():
    server = _RawServer(
        [
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"2\r\nok\r\n3;x=y\r\n!!!\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        ]
    )
    sender = ResponseUrlSender(timeout=5)
    assert sender.send(server.url, {"text": "one"})
    assert sender.send(server.url, {"text": "two"})
    assert server.connections == 1
    assert server.requests[0].startswith(b"POST /respond/x?y=1 HTTP/1.1\r\n")
    assert server.requests[1].endswith(b'{"text": "two"}')


def test_a_server_that_closes_gets_a_new_connection_for_the_next_reply():
    server = _RawServer(
        [
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
            + _RawServer.CLOSE,
            b"HTTP/1.0 200 OK\r\n\r\nok" + _RawServer.CLOSE,
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        ]
    )
    sender = ResponseUrlSender(timeout=5)
    assert sender.send(server.url, {"text": "one"})
    assert sender.send(server.url, {"text": "two"})
    assert sender.send(server.url, {"text": "three"}) is False  # refused: not retried
    assert server.connections == 3
    assert len(server.requests) == 3
