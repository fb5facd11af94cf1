"""
The instruction-set levels of this CPU, for choosing a build of the infoscope core.
"""
from __future__ import annotations
__all__: list[str] = ['supported_levels']
def supported_levels() -> list[str]:
    """
    The x86-64 levels ('v2', 'v3', 'v4') this CPU and its operating system support, lowest first; empty on other processors.
    """
