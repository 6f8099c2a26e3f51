"""Pure application state: no I/O, no Textual.  Unit-tested alone and benchmarked at 100k allocations."""
