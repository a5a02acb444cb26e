"""The shipped suggestion classifier weights (package data) and their model card."""
