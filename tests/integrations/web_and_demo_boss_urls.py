"""Test-only URLconf: the web application and the demo BOSS in one live server.

In an installation they are two processes on two ports; the adapter tests serve both from
pytest-django's one ``live_server`` so that a customer page can call the demo BOSS.
"""

from hotline.integrations.boss.urls import urlpatterns as demo_boss_urlpatterns
from hotline.urls import urlpatterns as web_urlpatterns

urlpatterns = [*web_urlpatterns, *demo_boss_urlpatterns]
