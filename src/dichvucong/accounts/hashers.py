from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class PortalArgon2Hasher(Argon2PasswordHasher):
    """Argon2id with parameters from settings (OWASP's 19 MiB / t=2 / p=1 by default).

    Django's own defaults (100 MiB, p=8) cost ~0.3 s of CPU per sign-in on a 2-core
    machine, which would put a national portal's sign-in peak behind a queue; the
    benchmark (benchmarks/auth_load.py) prints the cost of the chosen parameters.
    Hashes made with other parameters are upgraded at the user's next sign-in.
    """

    algorithm = "argon2"

    @property
    def time_cost(self) -> int:  # type: ignore[override]
        return settings.ARGON2_TIME_COST

    @property
    def memory_cost(self) -> int:  # type: ignore[override]
        return settings.ARGON2_MEMORY_COST_KIB

    @property
    def parallelism(self) -> int:  # type: ignore[override]
        return settings.ARGON2_PARALLELISM
