"""Guards that turn silent loss into a loud failure (unwritable or full feed storage)."""
