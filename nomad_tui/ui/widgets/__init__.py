"""Widgets: they render what they are given and post messages; none of them makes a request."""
