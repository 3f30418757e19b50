import pytest

from harvester.sandbox.catalogue import Catalogue


@pytest.fixture(scope="session")
def sandbox_catalogue() -> Catalogue:
    """The default sandbox catalogue (seed 1688, 1,000,000 offers), shared: its search index warms once."""
    return Catalogue()
