"""Accounts: users, roles, capabilities, API tokens."""
