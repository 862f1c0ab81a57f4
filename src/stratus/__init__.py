"""STRATUS: a transactional autonomous site-reliability engineer for Kubernetes."""

__all__ = ["__version__"]

__version__ = "0.1.0"
