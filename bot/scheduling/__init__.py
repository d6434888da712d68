"""Scheduled work: the tick that finds what fell due (`scheduler`), the jobs that say what
each due slot sends, and the one way scheduled work posts (`notify`)."""
