"""Small programs the dev agent runs as real task processes in the demo."""
