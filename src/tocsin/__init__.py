"""tocsin: self-hosted incident response driven by Markdown runbooks."""

__version__ = "0.1.0"
