"""The Textual user interface: app, screens, widgets.  Everything below here may import Textual."""
