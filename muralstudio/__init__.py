"""MuralStudio: a restoration workstation for photographs of murals and polychrome paintings.

Layers: ``muralstudio.core`` (numpy, no Qt/torch), ``muralstudio.engines`` (algorithms, torch,
no Qt) and ``muralstudio.gui`` (Qt). Each imports only the ones before it.
"""

__version__ = "0.1.0"
