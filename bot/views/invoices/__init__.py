"""Block Kit for invoices: `preview` (the draft, its buttons and the Change period
form), `records` (list, show, void, the App Home and weekly report parts), `table` (the
lines as a monospaced table) and `ids` (what the handlers listen for)."""
