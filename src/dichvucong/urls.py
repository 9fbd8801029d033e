from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from dichvucong.accounts.status import authentication_status
from dichvucong.exchange import views as exchange_views
from dichvucong.ops import views as ops_views
from dichvucong.payments import views as payment_views
from dichvucong.postal import views as postal_views

urlpatterns = [
    path("healthz", ops_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the simulators' pages, PDFs).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("readyz", ops_views.readyz, name="readyz"),
    path("", include("django_prometheus.urls")),  # /metrics
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/ket-qua/", include("dichvucong.results.api_urls")),
    path("api/v1/lien-thong/", include("dichvucong.exchange.urls")),
    path("api/v1/", include("dichvucong.catalog.api_urls")),
    # Administrators sign in like everyone else (levels, second factors, lockout, audit).
    path("quan-tri/login/", RedirectView.as_view(pattern_name="accounts:sign-in", query_string=True)),
    path("quan-tri/trang-thai-xac-thuc/", authentication_status, name="auth-status"),
    path("quan-tri/giam-sat-lien-thong/", exchange_views.monitor, name="exchange-monitor"),
    path("quan-tri/lien-thong/", include("dichvucong.exchange.admin_urls")),
    path("quan-tri/", admin.site.urls),
    path("oidc/", include("dichvucong.sso.urls", namespace="oauth2_provider")),
    # The payment platform's server-to-server callback: no language, no session.
    path("cong-thanh-toan/thong-bao/", payment_views.notify, name="payments-notify"),
    # The postal service's tracking callbacks: no language, no session (docs/postal-contract.md).
    path("buu-chinh/thong-bao/", postal_views.notify, name="postal-notify"),
]
urlpatterns += i18n_patterns(
    path("tai-khoan/thong-bao/", include("dichvucong.notifications.urls")),
    path("tai-khoan/", include("dichvucong.accounts.urls")),
    path("ho-so/", include("dichvucong.dossiers.urls")),
    path("can-bo/", include("dichvucong.backoffice.urls")),
    path("tra-cuu-ho-so/", include("dichvucong.dossiers.lookup_urls")),
    path("he-thong-ket-noi/", exchange_views.connected_systems, name="connected-systems"),
    path("kho-du-lieu/", include("dichvucong.datastore.urls")),
    path("kiem-tra-ket-qua/", include("dichvucong.results.urls")),
    path("thanh-toan/", include("dichvucong.payments.urls")),
    path("buu-chinh/", include("dichvucong.postal.urls")),
    path("", include("dichvucong.catalog.urls")),
    prefix_default_language=False,
)
if settings.SIMULATORS_ENABLED:
    urlpatterns += [path("sim/", include("simulators.urls"))]
