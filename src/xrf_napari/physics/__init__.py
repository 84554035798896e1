"""X-ray physics of MA-XRF spectra: pigments, tube, layered paint, scatter, detector, instrument
profiles.

Qt-free; xraylib is imported inside functions. See docs/physics.md.
"""
