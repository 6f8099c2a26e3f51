"""The process driver: real task processes, exec sessions under a PTY or pipes, logs and stats."""
