"""Talking to Nomad: HTTP client, blocking queries, typed models.  Knows nothing of Textual."""
