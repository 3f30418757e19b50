"""What is checked before a crawl spends a call: ``doctor`` holds the checks ``scrapy doctor`` runs
(credentials, gateway, signature, clock, token, Redis, the data folder), each one line with what to do."""
