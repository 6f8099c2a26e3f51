"""nomad-tui: a live terminal dashboard for HashiCorp Nomad allocations."""

__version__ = "0.1.0"
