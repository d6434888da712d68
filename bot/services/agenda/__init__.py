"""Calendar feeds and the agenda: which feeds a person or the team has (`feeds`), where a
feed's address may be shown (`sources`), reading and parsing a feed, and the appointments
stored from it (`appointments`)."""
