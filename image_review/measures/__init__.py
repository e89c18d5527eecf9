"""Pure functions from a decoded Frame to numbers. No thresholds live here."""
