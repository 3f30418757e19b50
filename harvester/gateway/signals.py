"""Signals of our own, sent through the crawler's signal manager."""

#: The gateway answered gw.QosAppFrequencyLimit. Arguments: ``request``, ``retry_after`` (seconds or None).
gateway_throttled = object()
