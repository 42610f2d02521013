"""The shared core of the web apps: errors, the one audited rights check, API errors.

Every app builds on it and nothing here imports an app (only accounts' roles and the audit
writer, which sit below every app).
"""
