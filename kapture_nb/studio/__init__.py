"""The mapping studio: a DataFrame's columns mapped onto the request body in a notebook, checked live, planned and sent."""
from .studio import MappingStudio

__all__ = ["MappingStudio"]
