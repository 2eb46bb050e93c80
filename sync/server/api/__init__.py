"""HTTP routes, grouped by area."""
