"""Core data model and I/O: numpy, Pillow, tifffile, OpenCV. Never Qt or torch."""
