"""Project commands (``COMMANDS_MODULE``): ``crawl`` with a truthful exit status."""
