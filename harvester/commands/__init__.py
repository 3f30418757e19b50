"""The project's own ``scrapy`` commands (found through ``COMMANDS_MODULE``)."""
