"""The web side of forecasts: adapters from the database to :mod:`asilo.forecast`."""
