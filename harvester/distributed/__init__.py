"""What the workers of a distributed crawl share through Redis: seen-sets, the call quota, the daily budget."""
