"""asilo.stats: CBP encounter statistics on DuckDB (pure domain package: never imports Django).

Modules: ``products`` (CBP's products, recognised by their columns), ``vocabulary`` (CBP's
categories and spellings), ``store`` (the database and overlap resolution), ``importer``,
``reports``, ``reconcile`` (against ``published/*.yaml``), ``charts`` (SVG/PNG bytes from report
rows) and ``cbp_export`` (asilo's own encounters in CBP's by-AOR schema).
"""
