"""Shop catalogue (an adoption fixture with a src/ layout)."""
