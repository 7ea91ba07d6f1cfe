"""Notes service (an adoption fixture: Core tables on a MetaData, no pyproject.toml)."""
