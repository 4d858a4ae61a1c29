def test_declare_and_show(api):
    created = api.post("/api/v1/incidents", json={"title": "DB down", "severity": "P0", "services": ["db"]})
    assert created.status_code == 201, created.text
    assert created.json()["id"] == "INC-1"
    shown = api.get("/api/v1/incidents/INC-1").json()
    assert shown["severity"] == "SEV1"
    assert shown["times"]["response_target"] == "pending"
