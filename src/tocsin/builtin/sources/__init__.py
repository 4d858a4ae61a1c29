"""The built-in alert sources: Alertmanager, PagerDuty Events v2, Grafana and the generic JSON webhook."""

from __future__ import annotations

from tocsin.builtin.sources.alertmanager import AlertmanagerSource
from tocsin.builtin.sources.generic import GenericWebhookSource
from tocsin.builtin.sources.grafana import GrafanaSigning, GrafanaSource
from tocsin.builtin.sources.pagerduty import (
    PagerDutySource,
    pagerduty_accepted,
    pagerduty_change_accepted,
    pagerduty_rejected,
)

__all__ = [
    "AlertmanagerSource",
    "GenericWebhookSource",
    "GrafanaSigning",
    "GrafanaSource",
    "PagerDutySource",
    "pagerduty_accepted",
    "pagerduty_change_accepted",
    "pagerduty_rejected",
]
