"""The spiders: keyword, image, offers, seller, monitor (and their Redis-fed twins)."""
