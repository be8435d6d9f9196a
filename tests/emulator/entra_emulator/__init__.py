"""Local Microsoft Graph + Entra ID emulator for testing the entra.devices collection (test tooling, not shipped code)."""

from .emulator import CLOUDS, ROLE_NAMES, Emulator
from .faults import Fault
from .identity import App
from .requestlog import RequestRecord

__all__ = ["App", "CLOUDS", "Emulator", "Fault", "ROLE_NAMES", "RequestRecord"]
