"""plancheck: check school submissions against the targets of an education work plan."""

__version__ = "0.1.0"
