"""Screens: the dashboard, help, and the modal dialogs."""
