"""A local server that speaks Kapture's Update Order API, so notebooks, demos and tests run offline."""
import logging

from .app import SandboxApp
from .faults import Faults
from .server import Sandbox

__all__ = ["Faults", "Sandbox", "SandboxApp"]

# Without it, an unconfigured program would get the sandbox's warnings and errors, tracebacks too, on stderr.
logging.getLogger(__name__).addHandler(logging.NullHandler())
