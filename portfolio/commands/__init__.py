"""CLI command groups, one module each; registered by portfolio.cli."""
