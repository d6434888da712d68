"""What an operator sees of a running VA Desk: structured, redacted logs that name the
request they belong to (`requests`, `logs`)."""
