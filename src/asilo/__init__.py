"""asilo: processing people who arrive at the U.S.–Mexico border.

Pure domain packages (no Django): ``asilo.policy``, ``asilo.scheduling``, ``asilo.stats``.
The Django project lives in ``asilo.web``; the command line in ``asilo.cli``.
"""

__version__ = "0.1.0"
