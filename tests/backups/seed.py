"""Run by ``custos shell`` in a test's own database: a clerk with a token and 12 carriers
(one of them 绝密); prints their codes and the token as JSON on the last line."""

import json

from backend.classification.intake import carrier_register
from backend.registry.marking import Period
from backend.registry.principals import Principal
from backend.registry.services import location_create, person_create, token_create

registrar = person_create(name="registrar", clearance="top_secret", roles=["registrar"])
clerk = person_create(name="clerk", clearance="top_secret", roles=["clerk"])
safe = location_create(name="safe", kind="safe")
carriers = [
    carrier_register(
        principal=Principal(person=registrar),
        title=f"文件 {i}",
        form="paper",
        level="top_secret" if i == 0 else "secret",
        period=Period(),
        basis="依据",
        custodian=clerk,
        location=safe,
        draft=False,
    ).code
    for i in range(12)
]
print(json.dumps({"token": token_create(person=clerk), "safe": safe.code, "carriers": carriers}))
