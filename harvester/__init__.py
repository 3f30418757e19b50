"""harvester: bulk harvests of the 1688 catalogue through the 1688 Open Platform API."""
