"""The dev agent's HTTP and WebSocket surface (aiohttp)."""
