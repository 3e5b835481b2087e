"""A local server that speaks Kapture's Update Order API, so notebooks, demos and tests run offline."""
from .app import SandboxApp
from .faults import Faults
from .server import Sandbox

__all__ = ["Faults", "Sandbox", "SandboxApp"]
