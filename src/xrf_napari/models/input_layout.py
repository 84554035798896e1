"""The SmallUViT's input layout, without torch: the DVE latent, then the line features, then the
colour prior's channels. analysis/ambiguity.py builds the prior, models/uvit.py checks a config's
in_chans against it and training counts the width it builds; the models layer may not import
analysis (tests/test_layers.py), so the width lives here, one number all of them read."""

from __future__ import annotations

#: Channels of the named-colour input (colour_prior): the sRGB (0-1) that the named pigments
#: mix to, then 1 where the lines name a colour family (0, 0, 0, 0 where they do not).
PRIOR_CHANNELS = 4


def extra_channels(config: dict) -> int:
    """Channels a SmallUViT config reads after the DVE latent: its line features, then the colour
    prior's when it has one."""
    lines = len(config.get("line_elements") or ())
    return lines + (PRIOR_CHANNELS if config.get("colour_prior") else 0)
