"""Demo ministry portal: an OpenID Connect relying party of the national portal (B5).

"Cổng dịch vụ Bộ Giả lập / Demo ministry portal" shows, end to end, what a ministry's or a
province's portal does to use the national single sign-on: authorization code flow with
PKCE, ID-token validation, a step-up to a higher level of assurance with ``acr_values``,
RP-initiated logout and back-channel logout. It keeps its own cookie and its own sessions in
the cache, never the portal's Django session, because both run on the same host in
``make run`` and must not see each other's sign-in.
"""
