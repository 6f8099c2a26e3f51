"""The dev agent's cluster model: pure data and rules, no I/O, no clock of its own."""
