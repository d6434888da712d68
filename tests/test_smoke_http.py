def test_timer_start_stop_over_http(live_app):
    reply = live_app.command("/timer", "start Call Acme about invoice")
    assert "Timer started" in reply["text"]
    reply = live_app.command("/timer", "stop sent follow-up")
    assert "Stopped" in reply["text"], reply
    reply = live_app.command("/task", "list")
    print(reply)
