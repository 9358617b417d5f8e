"""schemathesis hooks of `npm run test:contract`: positive cases of POST /v1/orders name the seeded parties.

A schema cannot say which party ids are registered (the API answers an unknown one with 422 `unknown_party`), so
schema-valid orders would otherwise never reach the workflow, and the stateful phase would have no order to act on.
Negative cases are left alone: they must stay invalid.
"""

import json
import os

import schemathesis

PARTIES = json.loads(os.environ.get("SETTLEFLOW_CONTRACT_PARTIES", "[]"))


def _ids(role):
    return [party["id"] for party in PARTIES if party["role"] == role]


@schemathesis.hook
def map_case(context, case):
    operation = case.operation
    if operation.method.upper() != "POST" or operation.path != "/v1/orders":
        return case
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return case
    customers, suppliers, carriers = _ids("customer"), _ids("supplier"), _ids("carrier")
    if "customerId" in case.body and customers:
        case.body["customerId"] = customers[0]
    if "supplierId" in case.body and suppliers:
        case.body["supplierId"] = suppliers[0]
    wanted = case.body.get("carrierIds")
    if isinstance(wanted, list) and carriers:
        case.body["carrierIds"] = carriers[: max(1, min(len(wanted), len(carriers)))]
    return case
