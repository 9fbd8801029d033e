from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    """Rate limit per API client: its `X-Client-Id` when it registered one, else its address."""

    scope = "client"

    def get_cache_key(self, request, view):  # noqa: ANN001 - DRF signature
        client = request.headers.get("X-Client-Id", "")[:64]
        ident = f"c:{client}" if client.isalnum() and client else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ExchangeRateThrottle(ClientRateThrottle):
    """The exchange endpoint: members' systems send in bursts (a province's whole day of
    status updates), so they get their own, larger budget per address."""

    scope = "exchange"
