from tocsin.domain.messages import fill_template
from tocsin.domain.playbook_comms import IncidentField, Placeholder, Template, TemplateKind


def template(body: str, *placeholders: Placeholder) -> Template:
    return Template("Initial alert", body, TemplateKind.INITIAL, placeholders)


SEVERITY = Placeholder("[Severity]", "Severity", IncidentField.SEVERITY)
SERVICE = Placeholder("[Service]", "Service", IncidentField.SERVICES)
SERVICE_NAME = Placeholder("[Service Name]", "Service Name", IncidentField.TITLE)
IMPACT = Placeholder("[Customer Impact]", "Customer Impact", IncidentField.IMPACT)
OWNER = Placeholder("[Owner]", "Owner", None)


def test_known_facts_fill_their_placeholders_and_the_rest_stay_visible_and_listed() -> None:
    filled = fill_template(
        template("[Severity] on [Service]: [Customer Impact] ([Owner])", SEVERITY, SERVICE, IMPACT, OWNER),
        {IncidentField.SEVERITY: "SEV1", IncidentField.SERVICES: "api, payments"},
    )
    assert filled.text == "SEV1 on api, payments: [Customer Impact] ([Owner])"
    assert filled.filled == {"[Severity]": "SEV1", "[Service]": "api, payments"}
    assert filled.unfilled == ("[Customer Impact]", "[Owner]")


def test_a_longer_placeholder_is_not_half_replaced_by_a_shorter_one() -> None:
    filled = fill_template(
        template("[Service Name] / [Service]", SERVICE, SERVICE_NAME),
        {IncidentField.SERVICES: "api", IncidentField.TITLE: "Checkout"},
    )
    assert filled.text == "Checkout / api"


def test_facts_are_data_never_expanded_again() -> None:
    hostile = "{{ 7*7 }} [Service] <script>"
    filled = fill_template(template("[Severity]", SEVERITY), {IncidentField.SEVERITY: hostile})
    assert filled.text == hostile
