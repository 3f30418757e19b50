"""The Scrapy side of the gateway: who we are to it, how a call becomes a request, what it signals.

``access`` holds the crawl's credentials and live token (and starts the
built-in sandbox when no app key is set), ``credentials`` resolves every
credential setting the same way for crawls and commands, ``calls`` turns
an API call into a Scrapy request and back, ``signals`` are the ones our
middlewares send, ``redaction`` keeps secrets out of every log line.
The protocol itself, free of Scrapy, is ``harvester.open1688``.
"""
