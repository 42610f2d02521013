"""Audit: an append-only record of every write and every view of a person's record."""
